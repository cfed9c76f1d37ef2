"""`fetal-us scan` throughput on a video at FETAL_PLANES_DB's size, beside the bare forward on the same frames, in one run.

Writes one synthetic sweep as H.264 MP4 at 958x660 (FETAL_PLANES_DB's most common size, made even), then for each
image size times (1) `scan` on the video (decoding in a background thread, resizing, sharpness, forward,
calibration, rows, smoothing, segments, best frames and every output file but the Grad-CAM overlays) and (2) the
bare forward pass on the same frames, decoded and resized beforehand. Targets (issue #20): at least 0.85 of the
bare forward, and at least 30 frames/s at the quick profile's 128 px, on 2 CPU cores.

On a CPU the decoder and the network share the cores, so the script also prints the CPU time that decoding and
preparing a frame costs on its own, beside the forward's, and the ratio that this arithmetic allows at best
(all CPU time of both, spread over every core without loss).

    python benchmarks/scan.py [--sizes 128,224] [--loops 2] [--device cpu]
"""
import argparse, tempfile, time, warnings
from pathlib import Path
import numpy as np, torch
from fetal_us.config import ScanConfig
from fetal_us.data import resize_gray
from fetal_us.model import build_model, normalize, save_checkpoint
from fetal_us.predict import Predictor
import os
from fetal_us.scan import contrast, iter_frames, open_loop, scan, sharpness
from fetal_us.sweeps import LoopWriter, sweep_frames

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--sizes', default='128,224'); ap.add_argument('--loops', type=int, default=2, help='sweeps joined into the one video')
    ap.add_argument('--batch-size', type=int, default=32); ap.add_argument('--device', default='cpu')
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    with LoopWriter(tmp/'sweep', formats=('mp4',)) as w:
        for k in range(a.loops):
            g = sweep_frames(k, size=(959, 661)); next(g)
            for f, _ in g: w.add(f)
    loop = open_loop(tmp/'sweep.mp4')
    frames = [f for _, _, f in iter_frames(loop)]
    cpu = time.process_time()
    for _, _, f in iter_frames(loop): resize_gray(f, 128); contrast(f); sharpness(f)   # what the decoder thread does per frame
    decode_cpu = (time.process_time() - cpu) / len(frames)
    print(f"one H.264 video of {len(frames)} frames at {frames[0].shape[1]}x{frames[0].shape[0]}, batch {a.batch_size}, {a.device}, "
          f"{torch.get_num_threads()} torch threads")
    for size in map(int, a.sizes.split(',')):
        ckpt = save_checkpoint(tmp/f'{size}'/'best.pt', build_model('none'), size, 'imagenet', {'resize': 'stretch'})
        cfg = ScanConfig(device=a.device, batch_size=a.batch_size, cam=False, progress=False)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            scan([tmp/'sweep.mp4'], ckpt, tmp/f'{size}'/'warm', cfg, say=lambda _: None)   # warm-up (and the kNN check, fitted here: none)
            t = time.perf_counter(); scan([tmp/'sweep.mp4'], ckpt, tmp/f'{size}'/'scan', cfg, say=lambda _: None); t_scan = time.perf_counter() - t
            model = Predictor(ckpt, a.device, workers=0, ood=False).model
        x = np.stack([resize_gray(f, size) for f in frames]); dev = torch.device(a.device)
        with torch.no_grad():
            model(normalize(torch.from_numpy(x[:a.batch_size]).to(dev).unsqueeze(1).float().div_(255), 'imagenet').contiguous(memory_format=torch.channels_last))
            t, cpu = time.perf_counter(), time.process_time()
            for i in range(0, len(x), a.batch_size):
                b = torch.from_numpy(x[i:i + a.batch_size]).to(dev).unsqueeze(1).float().div_(255)
                model(normalize(b, 'imagenet').contiguous(memory_format=torch.channels_last))
            if dev.type == 'cuda': torch.cuda.synchronize()
            t_bare, forward_cpu = time.perf_counter() - t, (time.process_time() - cpu) / len(x)
        n = len(frames)
        print(f"{size} px: fetal-us scan {n / t_scan:6.1f} frames/s ({t_scan:.1f} s) | bare forward {n / t_bare:6.1f} frames/s ({t_bare:.1f} s) | "
              f"ratio {t_bare / t_scan:.2f} (target >= 0.85{', and >= 30 frames/s' if size == 128 else ''})")
        cores = len(os.sched_getaffinity(0))
        best = cores / (forward_cpu + decode_cpu)
        print(f"        CPU per frame: decoding and preparing {decode_cpu * 1e3:.1f} ms, forward {forward_cpu * 1e3:.1f} ms; on {cores} cores "
              f"a scan can reach at most {best:.0f} frames/s, a ratio of {best * t_bare / n:.2f}")

if __name__ == '__main__': main()
