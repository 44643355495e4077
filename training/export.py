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
from atomic import replacing, write_json, write_text  # noqa: E402
from invert import load_generator  # noqa: E402
from models import LATENT, save_grid  # noqa: E402

GREY_LEVEL = 2 / 255  # one step of an 8-bit pixel, in the generator's [-1, 1] units
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
    with replacing(state_path) as tmp:
        torch.save(G.state_dict(), tmp)

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
    if isinstance(ck, dict) and "G" in ck:
        write_readme(a, ck, summary)


def write_readme(a, ck, summary):
    """weights/README.md from the measured records: the training log, the classifier and map reports."""
    import csv
    import json
    run = os.path.dirname(os.path.abspath(a.generator))
    with open(os.path.join(run, "log.csv")) as f:
        log = [r for r in csv.DictReader(f) if int(r["epoch"]) <= int(ck["epoch"])]
    with open(os.path.join(ROOT, "training", "classifier_report.json")) as f:
        cls = json.load(f)
    write_json(os.path.join(a.out_dir, "classifier_report.json"), cls, indent=1)  # the records travel together
    with open(os.path.join(os.path.dirname(os.path.abspath(a.map)), "map_report.json")) as f:
        mp = json.load(f)
    cfg = ck["config"]
    import emnist
    from models import Discriminator, Generator
    from train import health, health_sample
    images = emnist.load(cfg["data"], cfg["cache"])["images"]
    n_images = len(images)
    last = log[-1]
    rows = "\n".join(f"| {r['epoch']} | {r['step']} | {r['loss_d']} | {r['loss_g']} | {r['d_real']} | {r['d_fake']} | "
                     f"{float(r['seconds']):.0f} |" for r in log)
    dt = "\n".join(f"| {d} | {size:,} | {mean:.6f} | {mx:.4f} |" for d, (size, mean, mx) in summary.items())
    roles = {"select": "picks the best inversion candidate", "judge": "scores the final map only"}
    cls_rows = "\n".join(
        f"| {name} | {roles[name]} | {view} | {r['held_out_accuracy_exact']:.1%} | "
        f"{r['held_out_accuracy_merged_case']:.1%} | {r['held_out_mean_per_class_merged_case']:.1%} |"
        for name in ("select", "judge") for view, r in (("balanced", cls[name]["balanced"]),
                                                        ("frequency-weighted", cls[name]["natural"])))
    restart = ""
    if cfg.get("init_generator"):  # the run went on from an exported generator: say so, the curve shows it
        with open(os.path.join(ROOT, "training", "restart_trials.json")) as f:
            trials = "".join(f"\n  - `{t['flags']}`: by epoch {t['epoch']} D AUC {t['d_auc']:.2f}, speckle "
                             f"{t['speckle']:.2f}x real; {t['seen']}." for t in json.load(f)["trials"])
        restart = (f"- Epochs {cfg['init_epoch'] + 1}-{ck['epoch']} went on from the generator exported after epoch "
                   f"{cfg['init_epoch']} (`weights/generator.pt` as of commit cd6e25d): that run's full "
                   f"checkpoint (discriminator, Adam state) was lost with its machine, so D and both optimisers "
                   f"started fresh, D trained alone for {cfg['d_warmup_steps']} steps first and both lrs ramped up over "
                   f"{cfg['lr_warmup_steps']} steps (that time is counted above). The jump in the losses at epoch "
                   f"{cfg['init_epoch'] + 1} is that restart; from there the D loss also holds the noisy-negative "
                   f"term. Log rows 1-{cfg['init_epoch']} were recovered from the table the earlier export wrote "
                   f"(seconds rounded).\n"
                   f"- A fresh D warmed up on a clean trained G ignores pixel noise, and G then drifts into speckle:"
                   f"{trials}\n\n  So from epoch {cfg['init_epoch'] + 1}: "
                   f"G lr {cfg.get('lr_g') or cfg['lr']} (D {cfg['lr']}), {cfg.get('d_steps', 1)} D steps per G step "
                   f"(each on new real images, so an epoch is still one pass), and D also learns to call "
                   f"{cfg.get('noisy_negatives', 0):.0%} of each real batch fake once pixel noise (std up to "
                   f"{cfg.get('negative_sigma', 0)}) is added (negative data augmentation, Sinha et al. 2021).\n")
    real = health_sample(torch.from_numpy(images.reshape(n_images, -1)))
    G, D = Generator(), Discriminator()
    G.load_state_dict(ck["G"])
    D.load_state_dict(ck["D"])
    auc, speckle = health(G, D, real, "cpu")
    with replacing(os.path.join(a.out_dir, "train_log.csv")) as tmp, open(tmp, "w", newline="") as f:
        out = csv.DictWriter(f, fieldnames=list(log[0]))  # the log travels with the weights it made
        out.writeheader()
        out.writerows(log)
    misreads = ", ".join(f"`{c}`→`{r}`" for c, r in mp["judge_misreads"].items()) or "none"
    text = f"""# weights/: the trained default

Made by `training/` from EMNIST; nothing here is hand-edited. This page is written by `training/export.py`
from the measured records (training log, classifier and map reports).

| file | what |
|---|---|
| `fontgan.bin` | the blob the page bakes in: {a.dtype}, with the 62-character map and metadata ({summary[a.dtype][0]:,} bytes) |
| `generator.pt` | `torch.save(generator.state_dict())`, the converter's input (f32, 100→256→512→1024→784) |
| `map.json` | the character map `{{"A": [100 floats], ...}}` from `training/invert.py` |
| `map.png`, `samples.png` | the whole map (0-9, A-Z, a-z in rows of 10) and 160 random samples |
| `map_report.json`, `classifier_report.json` | the inversion search's measured legibility; the readers' accuracy |
| `train_log.csv` | the training log, one row per epoch (the table below) |

## Training

- Data: every unique image (exact-pixel dedup) of every EMNIST chunk in `shared/data/emnist/raw`, labelled
  or not: {n_images:,} images per epoch, scaled to [-1, 1]. Tiles are upright:
  `docs/real_samples.png` is a grid of real training images as the trainer reads them.
- Model and optimiser: the vanilla GAN of the original post (G 100→256→512→1024→784 LeakyReLU 0.2, Tanh;
  D 784→1024→512→256→1, LeakyReLU 0.2, Dropout 0.3), BCE, Adam lr {cfg['lr']}, beta1 {cfg['beta1']},
  batch {cfg['batch_size']}, real-label target {cfg.get('real_label', 1.0)}.
- Epochs: **{ck['epoch']}** ({ck['step']:,} discriminator steps), **{ck['elapsed'] / 60:.0f} minutes** of training on
  {cfg['device']} ({cfg['threads']} threads, shared with other work on a 2-core machine).
{restart}- Last epoch: D loss {last['loss_d']}, G loss {last['loss_g']}, mean D(x) {last['d_real']}, mean D(G(z)) {last['d_fake']}.
  Measured on the final checkpoint: D ranks real above fake with AUC {auc:.2f} (0.5 = blind), and G's
  high-frequency energy (mean |pixel − mean of its 4 neighbours|) is {speckle:.2f}x that of real images.

| epoch | step | D loss | G loss | D(x) | D(G(z)) | seconds |
|---|---|---|---|---|---|---|
{rows}

## Legibility judges (`training/classifier.py`)

Two small CNNs ({cls['judge']['epochs']} epochs each) trained on disjoint halves of the exactly labelled images
(byclass, digits, mnist); a fixed 10% ({cls['held_out_images']:,} images, chosen by pixel hash) is held out from both.

Labelled EMNIST holds ~9,000 of each digit but 300-4,000 of most letters. The map has one glyph per character,
so the readers answer "which of the 62 is this?" with every character equally likely: they are trained with a
logit-adjusted loss (Menon et al., 2021) and read class-balanced. The frequency-weighted reading, which favours
digits (a doubtful `B` becomes `8`), is shown beside it. "Per class" averages the accuracy over characters, each
counted once, as in the map.

| model | role | reading | held-out accuracy, 62 classes | cases merged as EMNIST bymerge | merged, per class |
|---|---|---|---|---|---|
{cls_rows}

## The map (`training/invert.py`)

{mp['targets']} real targets per character × {mp['restarts']} restarts, {mp['steps']} clamped Adam steps each,
the best candidate picked by the selector's probability of the intended character, averaged over the glyph and
{mp['jitters']} copies moved by {mp['jitter']} × N(0, I), as the page's default wander moves it (MSE as a tie-break).
Search time {mp['seconds']} s.

- **Judge reads {mp['judge_legibility_merged']:.1%} of the 62 glyphs as intended** (cases merged where
  EMNIST merges them; {mp['judge_legibility_exact']:.1%} exactly). Read frequency-weighted instead:
  {mp['judge_legibility_merged_frequency_weighted']:.1%}.
- While wandering ({4 * mp['jitters']} fresh jitters per glyph at {mp['jitter']}), the judge reads
  {mp['judge_legibility_wandering']:.1%} of the frames as intended.
- The selector, which did the picking, reads {mp['selector_legibility_merged']:.1%} (exact {mp['selector_legibility_exact']:.1%}).
- The judge's misreads: {misreads}.

![map](map.png)

Random samples: ![samples](samples.png)

## Dtype

Measured by `fontgan-convert` against f32 on 1,000 seeded latents (absolute error in pixel units, range
-1..1):

| dtype | bytes | mean error | max error |
|---|---|---|---|
{dt}

{a.dtype} is the default: {summary[a.dtype][0] / summary['f32'][0]:.0%} of f32's download; its mean error is
{summary[a.dtype][1] / GREY_LEVEL:.2f} of one grey level ({GREY_LEVEL:.4f} in these units) and its largest single-pixel
error is in the table above.
"""
    write_text(os.path.join(a.out_dir, "README.md"), text)


if __name__ == "__main__":
    main()
