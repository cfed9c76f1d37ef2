"""`fetal-us predict` throughput against the bare model forward on the same images, in one run.

Writes PNGs at FETAL_PLANES_DB's typical sizes, then times (1) `Predictor` on the folder (decoding in DataLoader
workers, resizing, forward, calibration and CSV rows) and (2) the bare forward pass on the already-resized tensors
of the same images, and prints the ratio. Target (issue #8): at least 0.85 on the CPU.

    python benchmarks/predict.py [--n 192] [--size 224] [--workers 2] [--device cpu]
"""
import argparse, tempfile, time, warnings
from pathlib import Path
import numpy as np, torch
from PIL import Image
from fetal_us.data import resize_gray
from fetal_us.model import build_model, normalize, save_checkpoint
from fetal_us.predict import Predictor

SIZES = [(959, 661), (740, 448), (640, 392), (1137, 787)]   # width x height seen in FETAL_PLANES_DB

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n', type=int, default=192); ap.add_argument('--size', type=int, default=224)
    ap.add_argument('--workers', type=int, default=2); ap.add_argument('--batch-size', type=int, default=32)
    ap.add_argument('--device', default='cpu')
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp()); rng = np.random.default_rng(0)
    for i in range(a.n):
        w, h = SIZES[i % len(SIZES)]
        img = (rng.random((h, w)) * 60 + np.linspace(0, 120, h)[:, None]).astype(np.uint8)   # speckle-like noise on a depth ramp
        Image.fromarray(img).save(tmp/f'img{i:04d}.png')
    ckpt = save_checkpoint(tmp/'best.pt', build_model('none'), a.size, 'imagenet', {'resize': 'stretch'})
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        pr = Predictor(ckpt, a.device, a.batch_size, workers=a.workers, ood=False)
    pr(sorted(tmp.glob('*.png'))[:a.batch_size], progress=False)                         # warm-up
    t = time.perf_counter(); df = pr(tmp, progress=False); t_pred = time.perf_counter() - t
    assert len(df) == a.n and df['error'].isna().all()
    x = np.stack([resize_gray(np.asarray(Image.open(p)), a.size) for p in sorted(tmp.glob('*.png'))])
    dev = torch.device(a.device); model = pr.model
    with torch.no_grad():
        t = time.perf_counter()
        for i in range(0, a.n, a.batch_size):
            b = torch.from_numpy(x[i:i + a.batch_size]).to(dev).unsqueeze(1).float().div_(255)
            model(normalize(b, pr.norm).contiguous(memory_format=torch.channels_last))
        if dev.type == 'cuda': torch.cuda.synchronize()
        t_bare = time.perf_counter() - t
    print(f"{a.n} PNGs of {', '.join(f'{w}x{h}' for w, h in SIZES)} at {a.size} px, batch {a.batch_size}, {a.workers} decoding workers, {a.device}")
    print(f"fetal-us predict: {a.n / t_pred:7.1f} img/s ({t_pred:.1f} s)")
    print(f"bare forward:     {a.n / t_bare:7.1f} img/s ({t_bare:.1f} s)")
    print(f"ratio predict / bare forward: {t_bare / t_pred:.2f} (target >= 0.85)")

if __name__ == '__main__': main()
