"""PNG decoding on FETAL_PLANES_DB-size images: PIL (what `read_gray` uses) beside pyspng, in one run, pixels compared.

Writes grayscale and RGB PNGs at the data set's typical sizes (compress level 6, as most tools write them), then times
decoding each file to a uint8 grayscale array: PIL's `Image.open` + `load` + `read_gray`'s conversion, and `pyspng.load`
+ the same conversion. PIL has no reduce-on-decode path for PNG (`Image.draft` only acts on JPEG), which the script
checks rather than assumes. Prints images/s per decoder, the ratio, and whether the pixels are identical.

    python benchmarks/png_decode.py [--n 120] [--repeats 3]
"""
import argparse, io, tempfile, time
from pathlib import Path
import numpy as np
from PIL import Image
from fetal_us.data import read_gray, to_gray

SIZES = [(959, 661), (740, 448), (640, 392), (1137, 787)]   # width x height seen in FETAL_PLANES_DB

def write_pngs(folder:Path, n:int, mode:str)->list[Path]:
    "`n` speckle-on-a-ramp PNGs of mode 'L' or 'RGB' at the data set's sizes."
    rng, out = np.random.default_rng(0), []
    for i in range(n):
        w, h = SIZES[i % len(SIZES)]
        g = (rng.random((h, w)) * 60 + np.linspace(0, 120, h)[:, None]).astype(np.uint8)
        im = Image.fromarray(g) if mode == 'L' else Image.fromarray(np.stack([g, g, g], 2))
        out.append(folder/f'{mode}_{i:04d}.png'); im.save(out[-1], compress_level=6)
    return out

def pil_gray(p:Path)->np.ndarray: return read_gray(p)

def spng_gray(p:Path)->np.ndarray:
    import pyspng
    a = pyspng.load(p.read_bytes())
    return a if a.ndim == 2 else to_gray(Image.fromarray(a))   # the same conversion as read_gray's

def rate(fn, paths, repeats:int)->float:
    "Images per second, the best of `repeats` passes."
    best = float('inf')
    for _ in range(repeats):
        t = time.perf_counter()
        for p in paths: fn(p)
        best = min(best, time.perf_counter() - t)
    return len(paths) / best

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n', type=int, default=120); ap.add_argument('--repeats', type=int, default=3)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    with Image.open(write_pngs(tmp, 1, 'L')[0]) as im: draft = im.draft('L', (im.width // 4, im.height // 4))
    print(f"PIL draft (reduce-on-decode) on a PNG: {'acts' if draft else 'no effect (JPEG only)'}")
    for mode in ('L', 'RGB'):
        paths = write_pngs(tmp, a.n, mode)
        same = all(np.array_equal(pil_gray(p), spng_gray(p)) for p in paths)
        r_pil, r_spng = rate(pil_gray, paths, a.repeats), rate(spng_gray, paths, a.repeats)
        print(f"{mode:>3} PNGs ({a.n}, {', '.join(f'{w}x{h}' for w, h in SIZES)}): PIL {r_pil:6.1f} img/s, pyspng {r_spng:6.1f} img/s, "
              f"ratio pyspng / PIL {r_spng / r_pil:.2f}, identical pixels: {same}")

if __name__ == '__main__': main()
