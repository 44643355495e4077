"""Train the vanilla GAN on every unique EMNIST image (unconditional), checkpointing every epoch.

  /usr/bin/python3 training/train.py                      # CPU, defaults below
  /usr/bin/python3 training/train.py --resume             # continue from runs/<name>/ckpt.pt
  /usr/bin/python3 training/train.py --device cuda --batch_size 128

Any default below can be overridden as --name value. Outputs go to training/runs/<name>/:
ckpt.pt (G, D, optimisers, config, epoch), samples_eNNN.png, log.csv, and at the end generator.pt
(torch.save(G.state_dict()), the input of fontgan-convert).
"""
import argparse
import csv
import os
import sys
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from atomic import replacing  # noqa: E402
import emnist  # noqa: E402
from models import Discriminator, Generator, LATENT, save_grid  # noqa: E402

# ---------------------------------------------------------------------------- defaults
config = dict(
    data=emnist.DEFAULT_ROOT,  # shared/data/emnist/raw
    cache=None,                # uint8 .npz cache of the decoded data (default ~/.cache/fontgan)
    out_dir=os.path.join(os.path.dirname(os.path.abspath(__file__)), "runs"),
    name="emnist",             # run folder under out_dir
    epochs=40,                 # passes over all unique images
    batch_size=256,            # more steps per hour than 1024 (which ran 1.5x the img/s but had only made
                               # noisy '1's after 5 epochs = 1,380 steps); 128 would be slower still per image
    lr=2e-4,                   # Adam, as in the original post
    lr_g=0.0,                  # >0: the generator's own lr (D keeps lr). Going on from a trained G with a fresh
                               # D at equal lrs (measured, epochs 21-26): D went blind (real-vs-fake AUC 0.52)
                               # and G drifted into speckle (high-frequency energy 1.5x real). A slower G helps
                               # D keep up (two time-scale update rule, Heusel et al. 2017) but was not enough
                               # alone: training/restart_trials.json has the tries, noisy_negatives the fix.
    beta1=0.5,                 # Adam beta1: the usual GAN setting, steadier than 0.9
    d_steps=1,                 # discriminator steps per generator step; each D step takes a new real batch, so an
                               # epoch is still one pass over the images (with 2, G takes half as many steps)
    noisy_negatives=0.0,       # >0: this share of each real batch, plus pixel noise, is shown to D as fake too
                               # (negative data augmentation, Sinha et al. 2021). A fresh D warmed up on a clean
                               # trained G never sees noise and ignores it (measured: D(x + 0.3 N(0,1)) = D(x)),
                               # so G speckles unchecked; this teaches D what an early-training D knew.
    negative_sigma=0.4,        # that noise's std is drawn per image from U(0, negative_sigma)
    real_label=0.9,            # one-sided label smoothing (BCE target for real images): keeps D from winning
    seed=1337,
    threads=2,                 # torch starts at 1 thread here
    device="cpu",              # or cuda
    max_images=0,              # >0: use only the first N images (smoke tests)
    max_steps=0,               # >0: stop after N steps in total (smoke tests)
    resume=False,
    init_generator="",         # no ckpt.pt yet: start G from this state_dict (e.g. weights/generator.pt);
                               # D and both optimisers start fresh. Used when a full checkpoint is lost.
    init_epoch=0,              # epochs that generator has already had; log.csv rows up to it are kept
    d_warmup_steps=0,          # D-only steps (G frozen) first, so a fresh D does not steer a trained G at random
    lr_warmup_steps=0,         # then ramp both lrs up from 0 over N steps: fresh Adam moments make full-size
                               # steps at once, which (measured) speckled a trained G within one epoch
)


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for k, v in config.items():
        if isinstance(v, bool):
            ap.add_argument("--" + k, action="store_true", default=v)
        else:
            ap.add_argument("--" + k, type=type(v) if v is not None else str, default=v)
    return vars(ap.parse_args(argv))


def prior_log(log_path, epochs):
    """(epochs, seconds, steps) that log.csv records for the first `epochs` epochs; rows after are dropped."""
    if not epochs:
        return 0, 0.0, 0
    with open(log_path, newline="") as f:
        rows = list(csv.reader(f))
    header, kept = rows[0], [r for r in rows[1:] if int(r[0]) <= epochs]
    if [int(r[0]) for r in kept] != list(range(1, epochs + 1)):
        raise SystemExit(f"train.py: {log_path} must hold epochs 1..{epochs} to continue from epoch {epochs}")
    with replacing(log_path) as tmp, open(tmp, "w", newline="") as f:
        csv.writer(f).writerows([header] + kept)
    return epochs, sum(float(r[6]) for r in kept), int(kept[-1][1])


def set_lrs(optD, optG, cfg, scale=1.0):
    """Both optimisers at scale x their configured lr (D: lr, G: lr_g or lr)."""
    for opt, lr in ((optD, cfg["lr"]), (optG, cfg["lr_g"] or cfg["lr"])):
        for g in opt.param_groups:
            g["lr"] = lr * scale


def scaled(images_u8):
    """uint8 pixels -> floats in [-1, 1], the generator's range."""
    return images_u8.float() / 127.5 - 1


def health_sample(images, k=2048):
    """The same k real images every time, from (N, 784) uint8, for health()."""
    return scaled(images[torch.randperm(len(images), generator=torch.Generator().manual_seed(1))[:k]])


def noisy_negative_loss(D, bce, real, cfg):
    """BCE of D calling noisy copies of some real images fake (0 when noisy_negatives is off)."""
    k = int(len(real) * cfg["noisy_negatives"])
    if not k:
        return 0.0
    sigma = torch.rand(k, 1, device=real.device) * cfg["negative_sigma"]
    noisy = (real[:k] + sigma * torch.randn_like(real[:k])).clamp(-1, 1)
    return bce(D(noisy), torch.zeros(k, 1, device=real.device))


def discriminator_loss(D, bce, real, fake, cfg):
    """D's loss (real -> real_label, fake -> 0, noisy real -> 0) and its logits on real and on fake."""
    d_real, d_fake = D(real), D(fake)
    loss = bce(d_real, torch.full_like(d_real, cfg["real_label"])) + bce(d_fake, torch.zeros_like(d_fake)) + \
        noisy_negative_loss(D, bce, real, cfg)
    return loss, d_real, d_fake


def warm_up_discriminator(G, D, optD, bce, images, cfg, dev):
    """Train a fresh D alone against the (frozen) generator so its first gradients to G mean something."""
    bs, n = cfg["batch_size"], len(images)
    for i in range(cfg["d_warmup_steps"]):
        real = scaled(images[torch.randint(n, (bs,))].to(dev))
        with torch.no_grad():
            fake = G(torch.randn(bs, LATENT, device=dev))
        loss, _, _ = discriminator_loss(D, bce, real, fake, cfg)
        optD.zero_grad(set_to_none=True)
        loss.backward()
        optD.step()
        if (i + 1) % 100 == 0:
            print(f"D warm-up {i + 1}/{cfg['d_warmup_steps']}: D loss {loss.item():.3f}", flush=True)


def high_frequency(x):
    """Mean |pixel - mean of its 4 neighbours| of (n, 784) images: speckle shows up here before the eye sees it."""
    x = x.view(-1, 28, 28)
    around = (x[:, 1:-1, :-2] + x[:, 1:-1, 2:] + x[:, :-2, 1:-1] + x[:, 2:, 1:-1]) / 4
    return (x[:, 1:-1, 1:-1] - around).abs().mean().item()


def health(G, D, real, dev):
    """Two numbers the losses hide: how well D (eval mode) ranks real above fake (AUC; 0.5 = blind), and the
    generator's high-frequency energy relative to real images (1.0 = as smooth as handwriting)."""
    was_training = D.training
    D.eval()
    with torch.no_grad():
        fake = G(torch.randn(len(real), LATENT, generator=torch.Generator().manual_seed(1)).to(dev))
        r, f = D(real.to(dev)).flatten().cpu(), D(fake).flatten().cpu()
    D.train(was_training)
    auc = (r[:, None] > f[None, :]).float().mean().item()
    return auc, high_frequency(fake.cpu()) / high_frequency(real)


def main(argv=None):
    cfg = parse_args(argv)
    torch.set_num_threads(cfg["threads"])
    torch.manual_seed(cfg["seed"])
    dev = torch.device(cfg["device"])
    run = os.path.join(cfg["out_dir"], cfg["name"])
    os.makedirs(run, exist_ok=True)

    data = emnist.load(cfg["data"], cfg["cache"])["images"]
    if cfg["max_images"]:
        data = data[: cfg["max_images"]]
    images = torch.from_numpy(data.reshape(len(data), -1))  # (N, 784) uint8, scaled per batch
    n = len(images)
    save_grid(scaled(images[torch.randperm(n)[:128]]), os.path.join(run, "real_samples.png"))

    G, D = Generator().to(dev), Discriminator().to(dev)
    optG = torch.optim.Adam(G.parameters(), lr=cfg["lr_g"] or cfg["lr"], betas=(cfg["beta1"], 0.999))
    optD = torch.optim.Adam(D.parameters(), lr=cfg["lr"], betas=(cfg["beta1"], 0.999))
    bce = nn.BCEWithLogitsLoss()
    fixed_z = torch.randn(128, LATENT, generator=torch.Generator().manual_seed(0)).to(dev)
    start_epoch, elapsed, step = 0, 0.0, 0
    ramp = 0  # steps of lr warm-up still to go (only after init_generator)
    ckpt_path = os.path.join(run, "ckpt.pt")
    if cfg["resume"] and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location=dev)
        G.load_state_dict(ck["G"]); D.load_state_dict(ck["D"])
        optG.load_state_dict(ck["optG"]); optD.load_state_dict(ck["optD"])
        start_epoch, elapsed, step = ck["epoch"], ck["elapsed"], ck["step"]
        torch.set_rng_state(ck["rng"])
        set_lrs(optD, optG, cfg)  # not a half-ramped lr saved mid-warm-up
        print(f"resumed from epoch {start_epoch} ({elapsed / 60:.1f} min so far)")
    elif cfg["init_generator"]:
        G.load_state_dict(torch.load(cfg["init_generator"], map_location=dev))
        start_epoch, elapsed, step = prior_log(os.path.join(run, "log.csv"), cfg["init_epoch"])
        print(f"generator from {cfg['init_generator']} after {start_epoch} epochs ({elapsed / 60:.1f} min); "
              f"fresh D and optimisers", flush=True)
        t0 = time.time()
        warm_up_discriminator(G, D, optD, bce, images, cfg, dev)
        elapsed += time.time() - t0
        ramp = cfg["lr_warmup_steps"]

    log_path = os.path.join(run, "log.csv")
    new_log = not os.path.exists(log_path) or not (cfg["resume"] or cfg["init_generator"])
    log = open(log_path, "w" if new_log else "a", newline="")
    writer = csv.writer(log)
    if new_log:
        writer.writerow(["epoch", "step", "loss_d", "loss_g", "d_real", "d_fake", "seconds", "samples_per_s"])

    bs = cfg["batch_size"]
    health_real = health_sample(images)
    for epoch in range(start_epoch, cfg["epochs"]):
        t0 = time.time()
        perm = torch.randperm(n)
        sums = np.zeros(4)
        batches = g_steps = 0
        for b in range(0, n - bs + 1, bs):
            if ramp:
                set_lrs(optD, optG, cfg, (cfg["lr_warmup_steps"] - ramp + 1) / cfg["lr_warmup_steps"])
                ramp -= 1
            real = scaled(images[perm[b: b + bs]].to(dev))
            take_g_step = (batches + 1) % cfg["d_steps"] == 0
            # ---- discriminator: real -> 1, fake -> 0
            with torch.set_grad_enabled(take_g_step):  # the graph through G is needed only for a G step
                fake = G(torch.randn(bs, LATENT, device=dev))
            loss_d, d_real, d_fake = discriminator_loss(D, bce, real, fake.detach(), cfg)
            optD.zero_grad(set_to_none=True)
            loss_d.backward()
            optD.step()
            # ---- generator: make D say 1 on fakes (non-saturating loss). D's weight gradients are not
            # needed here; freezing them saves ~10% of the step.
            if take_g_step:
                D.requires_grad_(False)
                loss_g = bce(D(fake), torch.ones(bs, 1, device=dev))
                optG.zero_grad(set_to_none=True)
                loss_g.backward()
                optG.step()
                D.requires_grad_(True)
                sums[1] += loss_g.item()
                g_steps += 1
            sums[[0, 2, 3]] += [loss_d.item(), torch.sigmoid(d_real).mean().item(), torch.sigmoid(d_fake).mean().item()]
            batches += 1
            step += 1
            if cfg["max_steps"] and step >= cfg["max_steps"]:
                break
        secs = time.time() - t0
        elapsed += secs
        m = sums / max(batches, 1)
        m[1] = sums[1] / max(g_steps, 1)
        writer.writerow([epoch + 1, step, *(f"{x:.4f}" for x in m), f"{secs:.1f}", f"{batches * bs / secs:.0f}"])
        log.flush()
        with torch.no_grad():
            G.eval()
            save_grid(G(fixed_z), os.path.join(run, f"samples_e{epoch + 1:03d}.png"))
            G.train()
            auc, speckle = health(G, D, health_real, dev)
        ck = dict(G=G.state_dict(), D=D.state_dict(), optG=optG.state_dict(), optD=optD.state_dict(),
                  epoch=epoch + 1, elapsed=elapsed, step=step, config=cfg, rng=torch.get_rng_state())
        with replacing(ckpt_path) as tmp:
            torch.save(ck, tmp)
        print(f"epoch {epoch + 1}/{cfg['epochs']}  D {m[0]:.3f}  G {m[1]:.3f}  D(x) {m[2]:.2f}  D(G(z)) {m[3]:.2f}  "
              f"{secs:.0f}s ({batches * bs / secs:.0f} img/s), total {elapsed / 60:.1f} min; "
              f"D's real-vs-fake AUC {auc:.2f}, speckle {speckle:.2f}x real", flush=True)
        if cfg["max_steps"] and step >= cfg["max_steps"]:
            break

    # ---- export: the plain generator state_dict that fontgan-convert reads
    gen_path = os.path.join(run, "generator.pt")
    with replacing(gen_path) as tmp:
        torch.save(G.cpu().state_dict(), tmp)
    print(f"wrote {gen_path}; convert with: fontgan-convert {gen_path} -o weights/fontgan.bin --dtype q8")
    return G


if __name__ == "__main__":
    main()
