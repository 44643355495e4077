"""Export a trained generator to weights/: the PyTorch state_dict, the blob the page bakes in, and a
picture of random samples. The blob is made by fontgan-convert (the native converter), never here.

  /usr/bin/python3 training/export.py --generator training/runs/emnist/ckpt.pt --map weights/map.json

Runs the converter once per dtype, prints each one's size and measured error against f32, and writes the
chosen dtype (default q8, see weights/README.md for why) to weights/fontgan.bin.
"""
import argparse
import os
import re
import subprocess
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from invert import load_generator  # noqa: E402
from models import LATENT, save_grid  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--generator", default=os.path.join(ROOT, "training", "runs", "emnist", "ckpt.pt"))
    ap.add_argument("--map", default=os.path.join(ROOT, "weights", "map.json"))
    ap.add_argument("--out_dir", default=os.path.join(ROOT, "weights"))
    ap.add_argument("--converter", default=os.path.join(ROOT, "build", "converter", "fontgan-convert"))
    ap.add_argument("--dtype", default="q8", choices=["f32", "f16", "q8"])
    ap.add_argument("--notes", default="")
    a = ap.parse_args(argv)

    ck = torch.load(a.generator, map_location="cpu")
    epochs = ck.get("epoch") if isinstance(ck, dict) and "G" in ck else None
    G = load_generator(a.generator)
    state_path = os.path.join(a.out_dir, "generator.pt")
    torch.save(G.state_dict(), state_path + ".tmp")
    os.replace(state_path + ".tmp", state_path)

    notes = a.notes or (f"vanilla GAN trained on EMNIST for {epochs} epochs" if epochs else "vanilla GAN, EMNIST")
    summary = {}
    for dtype in ("f32", "f16", "q8"):
        out = os.path.join(a.out_dir, f"fontgan_{dtype}.bin.candidate")
        r = subprocess.run([a.converter, state_path, "-o", out, "--dtype", dtype, "--map", a.map,
                            "--name", "fontgan-emnist", "--notes", notes], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"export: fontgan-convert failed for {dtype}:\n{r.stderr}")
        print(r.stdout)
        m = re.search(r"mean ([0-9.e-]+), max ([0-9.e-]+)", r.stdout)
        summary[dtype] = (os.path.getsize(out), float(m.group(1)) if m else 0.0, float(m.group(2)) if m else 0.0)
        if dtype == a.dtype:
            os.replace(out, os.path.join(a.out_dir, "fontgan.bin"))
        else:
            os.remove(out)
    print("dtype   bytes       mean err   max err")
    for d, (size, mean, mx) in summary.items():
        print(f"{d:5} {size:10,d}   {mean:.6f}   {mx:.4f}{'   <- weights/fontgan.bin' if d == a.dtype else ''}")

    with torch.no_grad():
        z = torch.randn(160, LATENT, generator=torch.Generator().manual_seed(2026))
        save_grid(G(z), os.path.join(a.out_dir, "samples.png"))


if __name__ == "__main__":
    main()
