"""CPU throughput of an ONNX export under onnxruntime beside the PyTorch checkpoint, on the same images, in one run.

Builds a checkpoint (random weights: speed does not depend on them), exports it with `export_onnx`, then times the
forward pass of both on the same resized batches, PyTorch first in eval mode with channels-last (as `Predictor` runs it),
onnxruntime with its CPU provider, each after a warm-up, on this machine's threads. Prints img/s and the ratio.

    python benchmarks/onnx_vs_torch.py [--n 256] [--size 128] [--batch-size 32]
"""
import argparse, tempfile, time, warnings
from pathlib import Path
import numpy as np, torch
from fetal_us.model import build_model, save_checkpoint, to_input
from fetal_us.predict import Predictor, export_onnx

def rate(fn, n:int, repeats:int=3)->float:
    "Images per second of `fn()` (which handles `n` images), the best of `repeats` after one warm-up."
    fn(); best = float('inf')
    for _ in range(repeats):
        t = time.perf_counter(); fn(); best = min(best, time.perf_counter() - t)
    return n / best

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n', type=int, default=256); ap.add_argument('--size', type=int, default=128)
    ap.add_argument('--batch-size', type=int, default=32)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    ckpt = save_checkpoint(tmp/'best.pt', build_model('none'), a.size, 'imagenet', {'resize': 'stretch'})
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        t = time.perf_counter(); onnx_file = export_onnx(ckpt, tmp/'model.onnx'); t_export = time.perf_counter() - t
        pt = Predictor(ckpt, 'cpu', a.batch_size, workers=0, ood=False)
        ox = Predictor(onnx_file, batch_size=a.batch_size, workers=0, ood=False, backend='onnxruntime')
    images = np.random.default_rng(0).integers(0, 256, (a.n, a.size, a.size), dtype=np.uint8)
    batches = [images[i:i + a.batch_size] for i in range(0, a.n, a.batch_size)]
    @torch.no_grad()
    def torch_forward():
        for b in batches: pt.model(to_input(b, pt.device, pt.norm))
    def onnx_forward():
        for b in batches: ox.session.run(None, {'pixels': (b[:, None] / np.float32(255)).astype(np.float32)})
    r_torch, r_onnx = rate(torch_forward, a.n), rate(onnx_forward, a.n)
    print(f"{a.n} images at {a.size} px, batch {a.batch_size}, {torch.get_num_threads()} threads; export took {t_export:.1f} s "
          f"({onnx_file.stat().st_size / 2**20:.1f} MiB)")
    print(f"PyTorch (eval, channels-last): {r_torch:7.1f} img/s")
    print(f"onnxruntime (CPU provider):    {r_onnx:7.1f} img/s")
    print(f"ratio onnxruntime / PyTorch: {r_onnx / r_torch:.2f}")

if __name__ == '__main__': main()
