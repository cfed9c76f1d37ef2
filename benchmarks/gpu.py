"""GPU throughput and the wall time of a full-size `finetune` run, sized to finish within 5 minutes on one H100.

Reports, at 224 px with bf16 autocast and channels_last:
  - training images/s with the whole network trained (`full`) and with the base frozen (`frozen`, head only,
    base run forward every step: the slow path);
  - frozen-base feature extraction images/s (the fast path) and inference images/s;
  - the wall time of a 12,400-image (FETAL_PLANES_DB's size), 224 px, 10-epoch `finetune` run, including building
    the decode-once cache (the synthetic images are rendered first, outside the timing). Target: under 60 s.

Run: `python benchmarks/gpu.py` on a machine with a CUDA GPU; `--smoke` runs tiny sizes on any device to check
the script itself. Record the output, with the card's name, in benchmarks/README.md.
"""
import argparse, json, shutil, tempfile, time
from pathlib import Path
import torch
import torch.nn.functional as F
from fetal_us.cache import build_cache
from fetal_us.data import load_catalog
from fetal_us.model import build_model
from fetal_us.synthetic import write_synthetic
from fetal_us.train import fit, make_recipe


def sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize()


def throughput(step, n_images, dev, warmup=3, iters=10):
    "Images per second of `step()` (one batch of `n_images`), after warm-up."
    for _ in range(warmup): step()
    sync(dev); t0 = time.perf_counter()
    for _ in range(iters): step()
    sync(dev)
    return n_images * iters / (time.perf_counter() - t0)


def model_rates(dev, size, batch, iters):
    model = build_model('none').to(dev, memory_format=torch.channels_last)
    x = torch.randn(batch, 1, size, size, device=dev).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 6, (batch,), device=dev)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    amp = dict(device_type=dev.type, dtype=torch.bfloat16, enabled=dev.type == 'cuda')

    def train_step():
        with torch.autocast(**amp): loss = F.cross_entropy(model(x).float(), y)
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()

    rates = {}
    model.freeze_base(False).train(); rates['train_full_img_s'] = throughput(train_step, batch, dev, iters=iters)
    model.freeze_base(True).train(); rates['train_frozen_img_s'] = throughput(train_step, batch, dev, iters=iters)
    model.eval()

    @torch.inference_mode()
    def embed():
        with torch.autocast(**amp): model.embed(x)

    @torch.inference_mode()
    def infer():
        with torch.autocast(**amp): model(x).argmax(1)

    rates['features_img_s'] = throughput(embed, batch, dev, iters=iters)
    rates['inference_img_s'] = throughput(infer, batch, dev, iters=iters)
    return {k: round(v, 1) for k, v in rates.items()}


def full_run(dev, n_per_class, size, epochs, batch, work):
    data = write_synthetic(work/'synthetic', n_per_class=n_per_class, seed=0)   # rendering is not timed
    sync(dev); t0 = time.perf_counter()
    cache = build_cache(load_catalog(data), work/'cache', size)
    t_cache = time.perf_counter() - t0
    recipe = make_recipe('finetune', img_size=size, epochs=epochs, batch_size=batch, patience=0)
    result = fit(cache, work/'run', recipe, weights='none', device=dev.type)
    sync(dev)
    total = time.perf_counter() - t0
    h = result.history
    return {'images': len(cache.items), 'train_images': result.config['n_train'], 'epochs': len(h), 'batch_size': batch,
            'cache_build_s': round(t_cache, 1), 'training_s': round(h['seconds'].sum(), 1), 'wall_s_including_cache': round(total, 1),
            'best_val_macro_f1': round(h['val_macro_f1'].max(), 3)}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--smoke', action='store_true', help='tiny sizes, any device: checks the script, measures nothing')
    p.add_argument('--batch-size', type=int, default=128, help='batch for the finetune run (default 128: fills a GPU better than the recipe\'s 32)')
    a = p.parse_args()
    dev = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    if dev.type != 'cuda' and not a.smoke: raise SystemExit('no CUDA GPU here: run on a GPU machine, or pass --smoke to check the script')
    torch.backends.cudnn.benchmark = True
    size = 64 if a.smoke else 224
    work = Path(tempfile.mkdtemp(prefix='fetal_us_gpu_'))
    try:
        out = {'device': torch.cuda.get_device_name() if dev.type == 'cuda' else 'cpu', 'torch': torch.__version__, 'img_size': size}
        out.update(model_rates(dev, size, 8 if a.smoke else 256, 2 if a.smoke else 20))
        print(json.dumps(out), flush=True)
        run = full_run(dev, 12 if a.smoke else 12_400 // 6 + 1, size, 2 if a.smoke else 10, 8 if a.smoke else a.batch_size, work)
        out['finetune_run'] = run
        print(json.dumps(out, indent=2))
        if not a.smoke: print(f"target: 10-epoch finetune run under 60 s including the cache: {'met' if run['wall_s_including_cache'] < 60 else 'NOT met'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
