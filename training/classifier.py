"""A small CNN that reads EMNIST characters: the legibility judge of the inversion search.

Trained on the images that carry an exact character label (byclass / digits / mnist). A fixed 10% of them
(chosen by a hash of the pixels, so it never changes) is held out for the accuracy we report. Two models are
trained on disjoint halves of the rest: `select` picks the best inversion candidates and `judge`, which never
saw the selector's data and never takes part in the search, scores the final map.

Class balance: labelled EMNIST holds ~9,000 of each digit but only 300-4,000 of most letters, so a plainly
trained reader calls every doubtful glyph a digit ('B' -> '8', 'q' -> '8'). The map holds one glyph of each
character, so the question it must answer is "which of the 62 is this?" with no character more likely than
another. The loss is logit-adjusted (Menon et al. 2021, "Long-tail learning via logit adjustment"): training
adds log(class frequency) to the logits, so the network's own logits estimate the class-balanced posterior.
The frequencies are kept in the model (`log_prior`) so the plain, frequency-weighted reading can be reported too.

  /usr/bin/python3 training/classifier.py            # writes training/classifier_{select,judge}.pt
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import emnist  # noqa: E402
from atomic import replacing, write_json  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
# bymerge class of each of the 62 classes, as an index into emnist.CHARS
MERGE_INDEX = torch.tensor([emnist.CHARS.index(emnist.merge_case(c)) for c in emnist.CHARS])


class CharNet(nn.Module):
    """(n, 784) in [-1, 1] -> (n, 62) class-balanced logits over emnist.CHARS."""

    def __init__(self):
        super().__init__()
        # small on purpose: ~4.6 M multiply-adds per image, a few minutes per epoch on one core
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)   # (32, 28, 28) -> pool (32, 14, 14)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)  # (64, 14, 14) -> pool (64, 7, 7)
        self.fc1 = nn.Linear(64 * 7 * 7, 256)
        self.fc2 = nn.Linear(256, len(emnist.CHARS))
        self.drop = nn.Dropout(0.3)
        self.register_buffer("log_prior", torch.zeros(len(emnist.CHARS)))  # log class frequency in training

    def forward(self, x):
        x = x.view(-1, 1, 28, 28)
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(self.drop(F.relu(self.fc1(x.flatten(1)))))

    def natural_logits(self, x):
        """Logits weighted by how often each character occurs in EMNIST (a plainly trained reader's view)."""
        return self(x) + self.log_prior


def merged_probs(logits):
    """(n, 62) logits -> (n, 62) probabilities summed into their bymerge class (zero for folded classes)."""
    p = logits.softmax(1)
    return torch.zeros_like(p).index_add_(1, MERGE_INDEX, p)


def split(data):
    """Indices of labelled images: held-out test (10%, fixed by pixel hash), and the two training halves."""
    labelled = np.nonzero(data["char"] >= 0)[0]
    flat = data["images"][labelled].reshape(len(labelled), -1).astype(np.uint64)
    h = (flat * np.arange(1, 785, dtype=np.uint64)).sum(1) % np.uint64(100)
    test = labelled[h < 10]
    half_a = labelled[(h >= 10) & (h % 2 == 0)]
    half_b = labelled[(h >= 10) & (h % 2 == 1)]
    return test, half_a, half_b


def to_input(images_u8):
    return torch.from_numpy(images_u8.reshape(len(images_u8), -1)).float() / 127.5 - 1


def logits_of(model, x, natural=False, chunk=2048):
    """(n, 784) -> (n, 62) logits without gradients, in chunks (conv activations of 50k images would not fit)."""
    f = model.natural_logits if natural else model
    with torch.no_grad():
        return torch.cat([f(x[i:i + chunk]) for i in range(0, len(x), chunk)])


def read(model, x, natural=False):
    """Merged-class reading of (n, 784) images: index into emnist.CHARS of the most probable bymerge class."""
    return merged_probs(logits_of(model, x, natural)).argmax(1)


def accuracy(model, x, y, natural=False):
    """On labelled images: exact 62-way accuracy, accuracy with cases merged as EMNIST bymerge merges them,
    and the merged accuracy averaged over classes (each character counts once, as in the map)."""
    model.eval()
    logits = logits_of(model, x, natural)
    exact = (logits.argmax(1) == y).float().mean().item()
    hit = (merged_probs(logits).argmax(1) == MERGE_INDEX[y]).float()
    merged = hit.mean().item()
    per_class = [hit[MERGE_INDEX[y] == k].mean().item() for k in MERGE_INDEX[y].unique().tolist()]
    return exact, merged, float(np.mean(per_class))


def train_one(x, y, epochs, seed, batch=256, lr=2e-3, max_steps=0):
    torch.manual_seed(seed)
    model = CharNet()
    counts = torch.bincount(y, minlength=len(emnist.CHARS)).float() + 1
    model.log_prior.copy_((counts / counts.sum()).log())
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    total = max_steps or epochs * ((len(x) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=total)
    step = 0
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(x))
        for b in range(0, len(x), batch):
            idx = perm[b:b + batch]
            xb = x[idx]
            # small random shifts: generated glyphs are not centred exactly like EMNIST's
            dx, dy = np.random.randint(-2, 3, 2)
            xb = torch.roll(xb.view(-1, 28, 28), (int(dy), int(dx)), (1, 2)).reshape(len(idx), -1)
            loss = F.cross_entropy(model.natural_logits(xb), y[idx])  # logit-adjusted: see the module doc
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            if step >= total:
                return model
    return model


def load_model(path):
    m = CharNet()
    m.load_state_dict(torch.load(path, map_location="cpu"))
    m.eval()
    return m


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=emnist.DEFAULT_ROOT)
    ap.add_argument("--cache", default=None)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--out_dir", default=HERE)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max_steps", type=int, default=0, help="smoke tests: stop each model after N steps")
    ap.add_argument("--only", choices=["select", "judge"], help="train just this one of the two models")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    os.makedirs(a.out_dir, exist_ok=True)
    np.random.seed(0)
    data = emnist.load(a.data, a.cache)
    test, half_a, half_b = split(data)
    labels = torch.from_numpy(data["char"].astype(np.int64))
    xt, yt = to_input(data["images"][test]), labels[test]
    report = {"held_out_images": int(len(test))}
    for name, half, seed in (("select", half_a, 1), ("judge", half_b, 2)):
        if a.only and name != a.only:
            continue
        t0 = time.time()
        model = train_one(to_input(data["images"][half]), labels[half], a.epochs, seed, max_steps=a.max_steps)
        r = {"train_images": int(len(half)), "epochs": a.epochs, "seconds": round(time.time() - t0)}
        for view, natural in (("balanced", False), ("natural", True)):
            exact, merged, per_class = accuracy(model, xt, yt, natural)
            r[view] = {"held_out_accuracy_exact": round(exact, 4), "held_out_accuracy_merged_case": round(merged, 4),
                       "held_out_mean_per_class_merged_case": round(per_class, 4)}
        report[name] = r
        with replacing(os.path.join(a.out_dir, f"classifier_{name}.pt")) as tmp:
            torch.save(model.state_dict(), tmp)
        print(name, r, flush=True)
    path = os.path.join(a.out_dir, "classifier_report.json")
    if a.only and os.path.exists(path):  # keep the other model's record
        with open(path) as f:
            report = {**json.load(f), **report}
    write_json(path, report, indent=1)


if __name__ == "__main__":
    main()
