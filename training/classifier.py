"""A small CNN that reads EMNIST characters: the legibility judge of the inversion search.

Trained on the images that carry an exact character label (byclass / digits / mnist). A fixed 10% of them
(chosen by a hash of the pixels, so it never changes) is held out for the accuracy we report. Two models are
trained on disjoint halves of the rest: `select` picks the best inversion candidates and `judge`, which never
saw the selector's data and never takes part in the search, scores the final map.

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

HERE = os.path.dirname(os.path.abspath(__file__))
# bymerge class of each of the 62 classes, as an index into emnist.CHARS
MERGE_INDEX = torch.tensor([emnist.CHARS.index(emnist.merge_case(c)) for c in emnist.CHARS])


class CharNet(nn.Module):
    """(n, 784) in [-1, 1] -> (n, 62) logits over emnist.CHARS."""

    def __init__(self):
        super().__init__()
        # small on purpose: ~1.2 M multiply-adds per image, so it trains in minutes on 2 cores
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)   # (16, 28, 28) -> pool (16, 14, 14)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)  # (32, 14, 14) -> pool (32, 7, 7)
        self.fc1 = nn.Linear(32 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, len(emnist.CHARS))
        self.drop = nn.Dropout(0.3)

    def forward(self, x):
        x = x.view(-1, 1, 28, 28)
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(self.drop(F.relu(self.fc1(x.flatten(1)))))


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


def accuracy(model, x, y):
    """(exact 62-way accuracy, accuracy with cases merged as EMNIST bymerge merges them)."""
    model.eval()
    with torch.no_grad():
        logits = torch.cat([model(x[i:i + 4096]) for i in range(0, len(x), 4096)])
    pred = logits.argmax(1)
    exact = (pred == y).float().mean().item()
    merged = (MERGE_INDEX[pred] == MERGE_INDEX[y]).float().mean().item()
    return exact, merged


def train_one(x, y, epochs, seed, batch=256, lr=1e-3, max_steps=0):
    torch.manual_seed(seed)
    model = CharNet()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
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
            loss = F.cross_entropy(model(xb), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            if max_steps and step >= max_steps:
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
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--out_dir", default=HERE)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max_steps", type=int, default=0, help="smoke tests: stop each model after N steps")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    np.random.seed(0)
    data = emnist.load(a.data, a.cache)
    test, half_a, half_b = split(data)
    labels = torch.from_numpy(data["char"].astype(np.int64))
    xt, yt = to_input(data["images"][test]), labels[test]
    report = {"held_out_images": int(len(test))}
    for name, half, seed in (("select", half_a, 1), ("judge", half_b, 2)):
        t0 = time.time()
        model = train_one(to_input(data["images"][half]), labels[half], a.epochs, seed, max_steps=a.max_steps)
        exact, merged = accuracy(model, xt, yt)
        report[name] = {"train_images": int(len(half)), "epochs": a.epochs, "seconds": round(time.time() - t0),
                        "held_out_accuracy_exact": round(exact, 4), "held_out_accuracy_merged_case": round(merged, 4)}
        path = os.path.join(a.out_dir, f"classifier_{name}.pt")
        torch.save(model.state_dict(), path + ".tmp")
        os.replace(path + ".tmp", path)
        print(name, report[name], flush=True)
    path = os.path.join(a.out_dir, "classifier_report.json")
    with open(path + ".tmp", "w") as f:
        json.dump(report, f, indent=1)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
