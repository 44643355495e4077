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
    beta1=0.5,                 # Adam beta1: the usual GAN setting, steadier than 0.9
    real_label=0.9,            # one-sided label smoothing (BCE target for real images): keeps D from winning
    seed=1337,
    threads=2,                 # torch starts at 1 thread here
    device="cpu",              # or cuda
    max_images=0,              # >0: use only the first N images (smoke tests)
    max_steps=0,               # >0: stop after N steps in total (smoke tests)
    resume=False,
)


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for k, v in config.items():
        if isinstance(v, bool):
            ap.add_argument("--" + k, action="store_true", default=v)
        else:
            ap.add_argument("--" + k, type=type(v) if v is not None else str, default=v)
    return vars(ap.parse_args(argv))


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
    save_grid(images[torch.randperm(n)[:128]].float() / 127.5 - 1, os.path.join(run, "real_samples.png"))

    G, D = Generator().to(dev), Discriminator().to(dev)
    optG = torch.optim.Adam(G.parameters(), lr=cfg["lr"], betas=(cfg["beta1"], 0.999))
    optD = torch.optim.Adam(D.parameters(), lr=cfg["lr"], betas=(cfg["beta1"], 0.999))
    bce = nn.BCEWithLogitsLoss()
    fixed_z = torch.randn(128, LATENT, generator=torch.Generator().manual_seed(0)).to(dev)
    start_epoch, elapsed, step = 0, 0.0, 0
    ckpt_path = os.path.join(run, "ckpt.pt")
    if cfg["resume"] and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location=dev)
        G.load_state_dict(ck["G"]); D.load_state_dict(ck["D"])
        optG.load_state_dict(ck["optG"]); optD.load_state_dict(ck["optD"])
        start_epoch, elapsed, step = ck["epoch"], ck["elapsed"], ck["step"]
        torch.set_rng_state(ck["rng"])
        print(f"resumed from epoch {start_epoch} ({elapsed / 60:.1f} min so far)")

    log_path = os.path.join(run, "log.csv")
    new_log = not os.path.exists(log_path) or not cfg["resume"]
    log = open(log_path, "w" if new_log else "a", newline="")
    writer = csv.writer(log)
    if new_log:
        writer.writerow(["epoch", "step", "loss_d", "loss_g", "d_real", "d_fake", "seconds", "samples_per_s"])

    bs = cfg["batch_size"]
    for epoch in range(start_epoch, cfg["epochs"]):
        t0 = time.time()
        perm = torch.randperm(n)
        sums = np.zeros(4)
        batches = 0
        for b in range(0, n - bs + 1, bs):
            real = images[perm[b: b + bs]].to(dev).float() / 127.5 - 1
            ones = torch.ones(bs, 1, device=dev)
            real_target = torch.full((bs, 1), cfg["real_label"], device=dev)
            zeros = torch.zeros(bs, 1, device=dev)
            # ---- discriminator: real -> 1, fake -> 0
            fake = G(torch.randn(bs, LATENT, device=dev))
            d_real, d_fake = D(real), D(fake.detach())
            loss_d = bce(d_real, real_target) + bce(d_fake, zeros)
            optD.zero_grad(set_to_none=True)
            loss_d.backward()
            optD.step()
            # ---- generator: make D say 1 on fakes (non-saturating loss). D's weight gradients are not
            # needed here; freezing them saves ~10% of the step.
            D.requires_grad_(False)
            loss_g = bce(D(fake), ones)
            optG.zero_grad(set_to_none=True)
            loss_g.backward()
            optG.step()
            D.requires_grad_(True)
            sums += [loss_d.item(), loss_g.item(), torch.sigmoid(d_real).mean().item(),
                     torch.sigmoid(d_fake).mean().item()]
            batches += 1
            step += 1
            if cfg["max_steps"] and step >= cfg["max_steps"]:
                break
        secs = time.time() - t0
        elapsed += secs
        m = sums / max(batches, 1)
        writer.writerow([epoch + 1, step, *(f"{x:.4f}" for x in m), f"{secs:.1f}", f"{batches * bs / secs:.0f}"])
        log.flush()
        with torch.no_grad():
            G.eval()
            save_grid(G(fixed_z), os.path.join(run, f"samples_e{epoch + 1:03d}.png"))
            G.train()
        ck = dict(G=G.state_dict(), D=D.state_dict(), optG=optG.state_dict(), optD=optD.state_dict(),
                  epoch=epoch + 1, elapsed=elapsed, step=step, config=cfg, rng=torch.get_rng_state())
        with replacing(ckpt_path) as tmp:
            torch.save(ck, tmp)
        print(f"epoch {epoch + 1}/{cfg['epochs']}  D {m[0]:.3f}  G {m[1]:.3f}  D(x) {m[2]:.2f}  D(G(z)) {m[3]:.2f}  "
              f"{secs:.0f}s ({batches * bs / secs:.0f} img/s), total {elapsed / 60:.1f} min", flush=True)
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
