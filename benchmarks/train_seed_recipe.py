"""The original project's training pipeline versus this project's `seed` recipe, timed in one run on the same images.

Original (re-implemented as that project ran it): torchvision ImageFolder over a {train,val}/<class>/ tree, PIL
decoding and transforms every epoch (Grayscale(3), Resize((224, 224)), RandomHorizontalFlip, RandomRotation(15),
ToTensor, Normalize(0.5, 0.5)), EfficientNet-B0 with its base frozen (requires_grad=False, model.train() as usual,
so BatchNorm runs on batch statistics), only the classifier trained by plain fp32 forward passes, CrossEntropyLoss,
Adam lr 3e-4, batch 64, 10 epochs, validation accuracy after each epoch.

Ours: `fetal_us.train.train(recipe='seed')` from a cold start: catalog, decode-once cache (built inside the
timing), frozen-base fast path (BatchNorm-folded features of the plain image and 1 augmented view, computed once),
head trained for 10 epochs, validation and an atomic checkpoint after each epoch.

Both start from the same base weights. Offline there are no ImageNet weights, so by default a stand-in
pretrained base is made first (untimed): `finetune` from scratch at 128 px, then its BatchNorm statistics
re-estimated on 224 px training images normalised as both pipelines feed them, as a base pretrained at 224 px would
carry. (Without that step the frozen statistics of a 128 px base don't fit 224 px inputs, and the original's
train-mode BatchNorm, which adapts, would win for a reason that has nothing to do with either pipeline.)
Pass --weights imagenet where the file is in the torch hub cache.
Run: `python benchmarks/train_seed_recipe.py [--n-per-class 100]`.
"""
import argparse, math, os, tempfile, time
from pathlib import Path
import torch, torchvision
from torch import nn
from torch.utils.data import DataLoader
from torchvision import transforms as T
from torchvision.datasets import ImageFolder
from fetal_us.cache import build_cache
from fetal_us.data import CLASSES, load_catalog
from fetal_us.model import calibrate_batchnorm, imagenet_state_dict, load_checkpoint, load_weights_file, model_from_checkpoint, save_checkpoint
from fetal_us.synthetic import write_synthetic
from fetal_us.model import to_input
from fetal_us.train import fit, make_recipe, train


def folder_tree(catalog, root):
    "Symlink the catalog's train and val images into ImageFolder's {split}/{class}/ layout."
    for r in catalog.items.itertuples():
        if r.split not in ('train', 'val'): continue
        d = root/r.split/r.plane; d.mkdir(parents=True, exist_ok=True)
        link = d/Path(r.image).name
        if not link.exists(): os.symlink(r.image, link)
    return root


def torchvision_state(weights):
    "Base weights in torchvision's 3-channel layout (a fetal_us checkpoint's folded first conv is unfolded: w/3 per channel)."
    if weights == 'imagenet': return imagenet_state_dict()
    if weights == 'none': return None
    sd = {k: v for k, v in load_weights_file(weights).items() if k.startswith('features.')}
    sd['features.0.0.weight'] = sd['features.0.0.weight'].repeat(1, 3, 1, 1) / 3
    return sd


def stand_in_base(catalog, out, epochs):
    "A base trained from scratch at 128 px, with BatchNorm statistics re-estimated at 224 px; returns its checkpoint path."
    base = fit(build_cache(catalog, out/'cache-base', 128), out/'base', make_recipe('finetune', img_size=128, freeze='full', base_lr_mult=1.0,
                                                                                  lr=2e-3, epochs=epochs, patience=0), weights='none', resume=(out/'base'/'last.pt').exists())
    model = model_from_checkpoint(load_checkpoint(base.best))
    cache = build_cache(catalog, out/'cache-base', 224)
    x = torch.from_numpy(cache.load(cache.split('train')[0]))
    calibrate_batchnorm(model, (to_input(x[i:i + 64], 'cpu', 'half') for i in range(0, len(x), 64)))
    print(f"stand-in base: validation accuracy {base.history['val_acc'].max():.3f} at 128 px after {epochs} epochs; BatchNorm re-estimated at 224 px")
    return str(save_checkpoint(out/'stand_in_base.pt', model, 224, 'half'))


def original_pipeline(tree, weights, epochs, batch, workers, seed):
    torch.manual_seed(seed)
    norm = T.Normalize([0.5] * 3, [0.5] * 3)
    train_tf = T.Compose([T.Grayscale(3), T.Resize((224, 224)), T.RandomHorizontalFlip(), T.RandomRotation(15), T.ToTensor(), norm])
    val_tf = T.Compose([T.Grayscale(3), T.Resize((224, 224)), T.ToTensor(), norm])
    train_ds, val_ds = ImageFolder(tree/'train', train_tf), ImageFolder(tree/'val', val_tf)
    assert train_ds.classes == list(CLASSES), train_ds.classes
    train_dl = DataLoader(train_ds, batch_size=batch, shuffle=True, num_workers=workers)
    val_dl = DataLoader(val_ds, batch_size=batch, num_workers=workers)
    model = torchvision.models.efficientnet_b0(weights=None)
    sd = torchvision_state(weights)
    if sd is not None: model.load_state_dict(sd, strict=False)
    for p in model.parameters(): p.requires_grad = False
    model.classifier[1] = nn.Linear(1280, len(CLASSES))
    opt = torch.optim.Adam(model.classifier.parameters(), lr=3e-4)
    loss_fn = nn.CrossEntropyLoss()
    acc = 0.0
    for epoch in range(epochs):
        model.train()
        for x, y in train_dl:
            loss = loss_fn(model(x), y)
            opt.zero_grad(); loss.backward(); opt.step()
        model.eval(); correct = 0
        with torch.no_grad():
            for x, y in val_dl: correct += (model(x).argmax(1) == y).sum().item()
        acc = correct / len(val_ds)
        print(f"  original epoch {epoch + 1}/{epochs}: validation accuracy {acc:.3f}", flush=True)
    return acc, len(val_ds)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--n-per-class', type=int, default=100)
    p.add_argument('--epochs', type=int, default=10)
    p.add_argument('--weights', default='none', help='none (train a stand-in base first), imagenet, or a weights file')
    p.add_argument('--pretrain-epochs', type=int, default=10, help='epochs of the stand-in base when --weights none (0: random base)')
    p.add_argument('--loader-workers', type=int, default=2, help="the original pipeline's DataLoader workers")
    p.add_argument('--out', type=Path, default=None)
    a = p.parse_args()
    out = a.out or Path(tempfile.mkdtemp(prefix='fetal_us_bench_'))
    data = write_synthetic(out/'synthetic', n_per_class=a.n_per_class, seed=0)
    catalog = load_catalog(data)
    weights = a.weights
    if weights == 'none' and a.pretrain_epochs: weights = stand_in_base(catalog, out, a.pretrain_epochs)
    tree = folder_tree(catalog, out/'tree')

    t0 = time.perf_counter()
    acc_orig, n_val = original_pipeline(tree, weights, a.epochs, 64, a.loader_workers, seed=0)
    t_orig = time.perf_counter() - t0

    cache_dir = out/f'cache-{time.time_ns()}'   # a cold cache: its build is part of our time
    t0 = time.perf_counter()
    ours = train(data, out/f'seed-{time.time_ns()}', 'seed', weights=weights, device='cpu', seed=0, cache_dir=cache_dir, epochs=a.epochs)
    t_ours = time.perf_counter() - t0
    acc_ours = ours.history['val_acc'].iloc[-1]

    se = math.sqrt(2 * 0.25 / n_val)
    print(f"\n{len(catalog.items)} synthetic images ({ours.config['n_train']} train, {n_val} validation), 224 px, {a.epochs} epochs, base: {a.weights if a.weights != 'none' else 'stand-in'}")
    print(f"original pipeline: {t_orig:.1f}s, validation accuracy {acc_orig:.3f}")
    print(f"fetal_us seed recipe: {t_ours:.1f}s (features {ours.timing['features']:.1f}s, cache build included), validation accuracy {acc_ours:.3f}")
    print(f"accuracy difference {acc_ours - acc_orig:+.3f} (one standard error of a difference at n={n_val}: at most {se:.3f})")
    print(f"ratio (original / seed recipe): {t_orig / t_ours:.1f}x")


if __name__ == '__main__':
    main()
