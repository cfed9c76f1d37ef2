"""One epoch of data loading: the decode-once cache versus decoding PNGs every epoch.

Both sides deliver the same thing (every image of the synthetic set as a 224x224 uint8 tensor, in
shuffled batches of 64) from the same files in the same run, and the script checks that the pixels agree.
Run: `python benchmarks/cache_vs_png.py [--n-per-class 100] [--workers 2]`.
"""
import argparse, tempfile, time
from pathlib import Path
import torch
from torch.utils.data import DataLoader, Dataset
from fetal_us.cache import build_cache
from fetal_us.data import load_catalog, read_gray, resize_gray
from fetal_us.synthetic import write_synthetic


class PngDataset(Dataset):
    "What the original pipeline does each epoch: open, decode, grayscale and resize every PNG."
    def __init__(self, paths, size): self.paths, self.size = paths, size
    def __len__(self): return len(self.paths)
    def __getitem__(self, i): return torch.tensor(resize_gray(read_gray(self.paths[i]), self.size))


def shuffled(n, seed): return torch.randperm(n, generator=torch.Generator().manual_seed(seed)).numpy()


def epoch_png(paths, size, batch, workers, seed):
    loader = DataLoader(PngDataset(paths, size), batch_size=batch, sampler=shuffled(len(paths), seed).tolist(), num_workers=workers)
    t0 = time.perf_counter(); first = None
    for x in loader: first = x if first is None else first
    return time.perf_counter() - t0, first


def epoch_cache(cache, batch, seed):
    rows = cache.items['row'].to_numpy()[shuffled(len(cache.items), seed)]
    t0 = time.perf_counter(); first = None
    for i in range(0, len(rows), batch):
        x = torch.from_numpy(cache.load(rows[i:i + batch]))
        first = x if first is None else first
    return time.perf_counter() - t0, first


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--n-per-class', type=int, default=100)
    p.add_argument('--size', type=int, default=224)
    p.add_argument('--workers', type=int, default=2, help='DataLoader workers for the PNG side and decoding processes for the cache')
    p.add_argument('--out', type=Path, default=Path(tempfile.gettempdir())/'fetal_us_bench')
    a = p.parse_args()
    data = write_synthetic(a.out/f'synthetic-{a.n_per_class}', n_per_class=a.n_per_class, seed=0)
    catalog = load_catalog(data)
    t0 = time.perf_counter()
    cache = build_cache(catalog, a.out/'cache', a.size, workers=a.workers)
    build = time.perf_counter() - t0
    paths = cache.items['image'].tolist()
    png_s, png_first = epoch_png(paths, a.size, 64, a.workers, seed=0)
    cache_s, cache_first = epoch_cache(cache, 64, seed=0)
    # the same shuffled order on both sides, so the first batches must agree
    assert torch.equal(png_first, cache_first), 'the two pipelines delivered different pixels'
    n = len(paths)
    print(f"{n} images, {a.size}px, batch 64, {a.workers} workers/processes")
    print(f"cache build ({'reused' if cache.reused else 'built'}): {build:.2f}s")
    print(f"one epoch decoding PNGs: {png_s:.2f}s ({n / png_s:.0f} img/s)")
    print(f"one epoch from the cache: {cache_s:.3f}s ({n / cache_s:.0f} img/s)")
    print(f"ratio (PNG epoch / cache epoch): {png_s / cache_s:.1f}x")


if __name__ == '__main__':
    main()
