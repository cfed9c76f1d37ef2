"""Does the quick profile's from-scratch `finetune` learn the built-in data every time, on any CPU?

Trains the quick profile's `finetune` run (built-in synthetic data, `--weights none`, 128 px, the recipe's own
epochs) for several training seeds, evaluates each on the test patients, and prints per seed: test macro-F1 with
its patient-bootstrap 95% interval, the largest validation loss over the first epoch's, and the raw-pixel
baseline's macro-F1 on the same test images. Then the summary against the targets of issue #16:
mean macro-F1 >= 0.60, spread (max - min) <= 0.10, no epoch's validation loss over 3x the first's, and every
seed's interval above the pixel baseline's macro-F1. For the brain sub-plane head (issue #19) it prints, per seed,
the test sub-plane macro-F1 with its interval and the raw-pixel baseline's on the same brain images, and in the
summary the mean, the spread and in how many seeds the point estimate (and the interval) is above that baseline
(target: the point estimate in every seed).

Training from random weights depends on the CPU's kernels (rounding differs between instruction sets), so run it
under stand-ins for other CPUs as well, in separate processes:

    python benchmarks/quick_stability.py                                   # this CPU's own kernels
    ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 python benchmarks/quick_stability.py
    ATEN_CPU_CAPABILITY=default python benchmarks/quick_stability.py

`--jobs 2` trains two seeds at once on one thread each (faster on 2 cores than one seed on two threads).
`-p FIELD VALUE` overrides a recipe field, e.g. `-p epochs 30`, to try a variant.
"""
import argparse, json, os, subprocess, sys, tempfile, time
from pathlib import Path

TARGETS = dict(mean_f1=0.60, spread=0.10, loss_ratio=3.0)


def one_seed(seed:int, out:Path, overrides:dict)->dict:
    "Train and evaluate one seed of the quick profile's finetune run; the numbers this benchmark judges."
    from fetal_us.evaluate import evaluate
    from fetal_us.pipeline import DEFAULT_DATA, DEFAULT_SYNTHETIC, profile_params
    from fetal_us.synthetic import write_synthetic
    from fetal_us.train import best_epoch_row, train
    p = profile_params('quick')
    write_synthetic(DEFAULT_DATA, **DEFAULT_SYNTHETIC, overwrite=(DEFAULT_DATA/'synthetic.json').is_file())
    t = time.perf_counter()
    run = train(DEFAULT_DATA, out, 'finetune', weights=p['weights'], device='cpu', seed=seed, cache_dir=p['cache_dir'], img_size=p['img_size'],
                verbose=False, **overrides)
    seconds = time.perf_counter() - t
    ev = evaluate(out, device='cpu', cache_dir=p['cache_dir'], n_boot=p['n_boot'], figures=False)
    h = run.history
    f1, ci = ev.metrics.macro_f1, ev.ci['macro_f1']
    s = ev.subplanes   # None where the run has no sub-plane head, or the test split no brain image with one
    sub = dict(sub_f1=s.ci['macro_f1'].estimate, sub_low=s.ci['macro_f1'].low, sub_high=s.ci['macro_f1'].high, sub_images=s.images,
               sub_baseline_f1=s.baseline.macro_f1 if s.baseline and not s.baseline.skipped else None) if s else dict(sub_f1=None, sub_why=ev.subplane_note)
    return dict(seed=seed, macro_f1=f1, low=ci.low, high=ci.high, accuracy=ev.metrics.accuracy, **sub,
                baseline_f1=ev.baseline.macro_f1 if ev.baseline else None, epochs=len(h), best_epoch=int(best_epoch_row(h)['epoch']),
                loss_ratio=float(h['val_loss'].max() / h['val_loss'].iloc[0]), max_val_loss=float(h['val_loss'].max()),
                train_seconds=round(seconds, 1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--seeds', type=int, default=5, help='training seeds 0..N-1 (default 5)')
    ap.add_argument('--jobs', type=int, default=2, help='seeds trained at once, one thread each (default 2)')
    ap.add_argument('-p', nargs=2, action='append', default=[], metavar=('FIELD', 'VALUE'), help='recipe override')
    ap.add_argument('--one', type=int, help=argparse.SUPPRESS)  # internal: train one seed, print its JSON
    ap.add_argument('--out', help=argparse.SUPPRESS)
    a = ap.parse_args()
    overrides = {k: json.loads(v) if v[:1].isdigit() or v in ('true', 'false') else v for k, v in a.p}
    if a.one is not None:
        import torch; torch.set_num_threads(1)
        print('RESULT ' + json.dumps(one_seed(a.one, Path(a.out), overrides)), flush=True); return
    import torch
    from fetal_us.pipeline import DEFAULT_DATA, DEFAULT_SYNTHETIC
    from fetal_us.synthetic import write_synthetic
    write_synthetic(DEFAULT_DATA, **DEFAULT_SYNTHETIC, overwrite=(DEFAULT_DATA/'synthetic.json').is_file())  # once, before the workers
    isa = os.environ.get('ATEN_CPU_CAPABILITY', '(own)'), os.environ.get('ONEDNN_MAX_CPU_ISA', '(own)')
    cpu = next((l.split(':', 1)[1].strip() for l in Path('/proc/cpuinfo').read_text().splitlines() if l.startswith('model name')), '?')
    avx512 = 'avx512f' in Path('/proc/cpuinfo').read_text()
    print(f"CPU {cpu} ({'with' if avx512 else 'without'} AVX-512); torch {torch.__version__}, kernels {torch.backends.cpu.get_cpu_capability()} "
          f"(ATEN_CPU_CAPABILITY={isa[0]}, ONEDNN_MAX_CPU_ISA={isa[1]}); overrides {overrides or 'none'}", flush=True)
    rows, t0 = [], time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        pending, seeds = [], list(range(a.seeds))
        env = {**os.environ, 'OMP_NUM_THREADS': '1'}
        while seeds or pending:
            while seeds and len(pending) < a.jobs:
                s = seeds.pop(0)
                cmd = [sys.executable, __file__, '--one', str(s), '--out', f'{tmp}/seed{s}'] + [x for kv in a.p for x in ('-p', *kv)]
                pending.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env))
            p = pending.pop(0); out, _ = p.communicate()
            line = next((l for l in out.splitlines() if l.startswith('RESULT ')), None)
            if p.returncode or line is None: sys.exit(f"a seed failed (exit {p.returncode}); run it alone with --one SEED --out DIR to see why")
            r = json.loads(line[7:]); rows.append(r)
            print(f"seed {r['seed']}: test macro-F1 {r['macro_f1']:.3f} (95% CI {r['low']:.3f}-{r['high']:.3f}), accuracy {r['accuracy']:.3f}; "
                  f"pixel baseline macro-F1 {r['baseline_f1']:.3f}; {r['epochs']} epochs (best {r['best_epoch']}); "
                  f"highest validation loss {r['max_val_loss']:.2f} = {r['loss_ratio']:.2f}x the first epoch's; {r['train_seconds']:.0f} s", flush=True)
            print(f"        sub-plane head: test macro-F1 {r['sub_f1']:.3f} (95% CI {r['sub_low']:.3f}-{r['sub_high']:.3f}) on {r['sub_images']} brain images; "
                  f"pixel baseline macro-F1 {r['sub_baseline_f1']:.3f}" if r['sub_f1'] is not None else f"        sub-plane head: none ({r['sub_why']})", flush=True)
    f1 = [r['macro_f1'] for r in rows]
    mean, spread, worst = sum(f1) / len(f1), max(f1) - min(f1), max(r['loss_ratio'] for r in rows)
    above = all(r['low'] > r['baseline_f1'] for r in rows)
    ok = mean >= TARGETS['mean_f1'] and spread <= TARGETS['spread'] and worst <= TARGETS['loss_ratio'] and above
    print(f"mean macro-F1 {mean:.3f} (target >= {TARGETS['mean_f1']}), spread {spread:.3f} (target <= {TARGETS['spread']}), "
          f"worst validation-loss ratio {worst:.2f} (target <= {TARGETS['loss_ratio']}), every interval above the pixel baseline: "
          f"{'yes' if above else 'no'}; {'MEETS' if ok else 'MISSES'} the targets ({time.perf_counter() - t0:.0f} s)")
    subs = [r for r in rows if r['sub_f1'] is not None and r['sub_baseline_f1'] is not None]
    if subs:
        sf = [r['sub_f1'] for r in subs]
        above = sum(r['sub_f1'] > r['sub_baseline_f1'] for r in subs)
        print(f"sub-plane head: mean macro-F1 {sum(sf) / len(sf):.3f}, spread {max(sf) - min(sf):.3f}; point estimate above the pixel baseline in "
              f"{above} of {len(subs)} seeds (target: every seed), whole interval above it in {sum(r['sub_low'] > r['sub_baseline_f1'] for r in subs)}; "
              f"{'MEETS' if above == len(subs) == len(rows) else 'MISSES'} the target")


if __name__ == '__main__':
    main()
