"""Where the first GPU epoch's extra time goes: the cost of the first training and inference steps of EfficientNet-B0
at 224 px, per numeric format, memory layout and cuDNN autotuning setting, each in a fresh process (so that nothing
is cached from another configuration), beside the steady-state rate.

Prints one JSON line per configuration: CUDA start-up, model build, the first, second and tenth training step,
the first inference step, and steady-state images/s. Run: `python benchmarks/gpu_warmup.py` on a CUDA machine.
"""
import json, subprocess, sys, time

CONFIGS = [dict(dtype='bf16', layout='channels_last', autotune=True), dict(dtype='bf16', layout='channels_last', autotune=False),
           dict(dtype='bf16', layout='contiguous', autotune=False), dict(dtype='fp32', layout='channels_last', autotune=False)]


def measure(dtype:str, layout:str, autotune:bool, batch:int=128, size:int=224)->dict:
    t0 = time.perf_counter()
    import torch
    import torch.nn.functional as F
    from fetal_us.model import build_model
    out, tick = {}, lambda: (torch.cuda.synchronize(), time.perf_counter())[1]
    torch.zeros(1, device='cuda'); out['cuda_start_s'] = tick() - t0
    torch.backends.cudnn.benchmark = autotune
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    fmt = torch.channels_last if layout == 'channels_last' else torch.contiguous_format
    t = tick(); model = build_model('none').to('cuda', memory_format=fmt).train(); out['model_s'] = tick() - t
    x = torch.randn(batch, 1, size, size, device='cuda').contiguous(memory_format=fmt); y = torch.randint(0, 6, (batch,), device='cuda')
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    amp = dict(device_type='cuda', dtype=torch.bfloat16, enabled=dtype == 'bf16')
    def step():
        with torch.autocast(**amp): loss = F.cross_entropy(model(x).float(), y)
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
    times = []
    for i in range(10): t = tick(); step(); times.append(tick() - t)
    out.update(first_step_s=times[0], second_step_s=times[1], tenth_step_s=times[9])
    t = tick()
    for _ in range(20): step()
    out['train_img_s'] = 20 * batch / (tick() - t)
    model.eval()
    with torch.inference_mode():
        t = tick()
        with torch.autocast(**amp): model(x)
        out['first_inference_s'] = tick() - t
        t = tick()
        for _ in range(20):
            with torch.autocast(**amp): model(x)
        out['inference_img_s'] = 20 * batch / (tick() - t)
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}


if __name__ == '__main__':
    if len(sys.argv) > 1: print(json.dumps({**json.loads(sys.argv[1]), **measure(**json.loads(sys.argv[1]))}), flush=True)
    else:
        for c in CONFIGS:
            r = subprocess.run([sys.executable, __file__, json.dumps(c)], capture_output=True, text=True, timeout=240)
            print(r.stdout.strip() or f"{json.dumps(c)} failed: {r.stderr[-800:]}", flush=True)
