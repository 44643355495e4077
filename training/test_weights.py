"""The committed default weights, checked against their own records: weights/generator.pt with weights/map.json
renders 62 glyphs that the independent judge (training/classifier_judge.pt) reads as weights/map_report.json
says, at least 90% of them as intended; weights/train_log.csv holds every epoch. Run by ctest; exits 77
(ctest: skipped) only where torch is absent.

  /usr/bin/python3 training/test_weights.py
"""
import csv
import json
import os
import sys

try:
    import torch
except ImportError as e:  # no torch here: the one reason to skip
    print(f"SKIP: {e}")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import emnist  # noqa: E402
from classifier import load_model  # noqa: E402
from invert import legibility, load_generator, misreads  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
WEIGHTS = os.path.join(ROOT, "weights")
MIN_LEGIBILITY = 0.90  # issue 3: the judge reads at least 90% of the 62 glyphs as intended (cases merged)
MIN_EPOCHS = 40


def main():
    torch.set_num_threads(2)
    with open(os.path.join(WEIGHTS, "map.json")) as f:
        glyph_map = json.load(f)
    with open(os.path.join(WEIGHTS, "map_report.json")) as f:
        report = json.load(f)
    assert sorted(glyph_map) == sorted(emnist.CHARS), sorted(set(emnist.CHARS) ^ set(glyph_map))
    chars = emnist.CHARS
    z = torch.tensor([glyph_map[c] for c in chars])
    assert z.shape == (62, 100) and z.abs().max() <= 1, "map latents must be 100-d and clamped to [-1, 1]"

    G = load_generator(os.path.join(WEIGHTS, "generator.pt"))
    with torch.no_grad():
        glyphs = G(z)
    merged, exact, readings = legibility(load_model(os.path.join(ROOT, "training", "classifier_judge.pt")),
                                         glyphs, chars)
    misread = misreads(chars, readings)
    print(f"judge reads {merged:.1%} of the committed map as intended ({exact:.1%} exactly); misreads {misread}")
    # the report (and so weights/README.md) says what these weights measure, not an older map's numbers
    assert abs(merged - report["judge_legibility_merged"]) < 1e-3, (merged, report["judge_legibility_merged"])
    assert abs(exact - report["judge_legibility_exact"]) < 1e-3, (exact, report["judge_legibility_exact"])
    assert misread == report["judge_misreads"], (misread, report["judge_misreads"])
    assert merged >= MIN_LEGIBILITY, f"map legibility {merged:.1%} < {MIN_LEGIBILITY:.0%}"

    with open(os.path.join(WEIGHTS, "train_log.csv"), newline="") as f:
        epochs = [int(r["epoch"]) for r in csv.DictReader(f)]
    assert epochs == list(range(1, len(epochs) + 1)), "train_log.csv must hold epochs 1..N in order"
    assert len(epochs) >= MIN_EPOCHS, f"{len(epochs)} epochs < {MIN_EPOCHS}"
    print("committed weights test: 1 passed, 0 failed")


if __name__ == "__main__":
    main()
