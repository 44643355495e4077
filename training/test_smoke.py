"""Smoke test of the training side: one GAN training step, a classifier step and one inversion step on a
few real EMNIST images. Run by ctest; exits 77 (ctest: skipped) only where torch is absent.

  /usr/bin/python3 training/test_smoke.py [--data ../shared/data/emnist/raw]
"""
import argparse
import glob
import json
import os
import sys
import tempfile

try:
    import numpy as np
    import torch
except ImportError as e:  # no torch here: the one reason to skip
    print(f"SKIP: {e}")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import atomic  # noqa: E402
import classifier  # noqa: E402
import emnist  # noqa: E402
import invert  # noqa: E402
import train  # noqa: E402


def tiny_cache(root, path, n=512):
    """A few real images from one labelled sheet, in the cache format emnist.load writes."""
    sheets = sorted(glob.glob(os.path.join(root, "emnist-packed", "emnist-byclass", "X_test_0_to_*.webp")))
    if not sheets:  # the data is part of the test's inputs, not optional: say where it looked
        raise SystemExit(f"test_smoke: no EMNIST byclass test sheet under {os.path.abspath(root)} (--data to change)")
    sheet = sheets[0]
    images = emnist.decode_sheet(sheet, n)
    with open(os.path.join(root, "emnist-packed", "emnist-byclass", "test.json")) as f:
        ids = json.load(f)["id"][:n]
    char = np.array(ids, np.int16)  # byclass ids index emnist.CHARS directly
    np.savez(path, images=images, char=char, merged=np.array(
        [emnist.CHARS.index(emnist.merge_case(emnist.CHARS[i])) for i in ids], np.int16))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=emnist.DEFAULT_ROOT)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cache = os.path.join(tmp, "tiny.npz")
        tiny_cache(a.data, cache)
        d = emnist.load(a.data, cache)
        assert d["images"].shape == (512, 28, 28) and d["images"].dtype == np.uint8
        # orientation: EMNIST ink sits mostly in the middle rows; a transposed or flipped sheet would not
        # change that, but a broken decode (wrong tile width) smears ink across tile borders
        assert d["images"][:, :2, :].mean() < 5 and d["images"][:, 10:18, 10:18].mean() > 40

        G = train.main(["--cache", cache, "--out_dir", tmp, "--name", "smoke", "--epochs", "1",
                        "--batch_size", "64", "--max_steps", "1"])
        ck = torch.load(os.path.join(tmp, "smoke", "ckpt.pt"))
        assert ck["epoch"] == 1 and ck["step"] == 1 and ck["config"]["batch_size"] == 64
        assert os.path.exists(os.path.join(tmp, "smoke", "generator.pt"))
        # --resume picks the checkpoint up and trains on from it
        train.main(["--cache", cache, "--out_dir", tmp, "--name", "smoke", "--epochs", "2",
                    "--batch_size", "64", "--max_steps", "2", "--resume"])
        assert torch.load(os.path.join(tmp, "smoke", "ckpt.pt"))["step"] == 2
        # a lost checkpoint: go on from the exported generator alone, keeping the log of its first epoch
        os.makedirs(os.path.join(tmp, "again"))
        with open(os.path.join(tmp, "smoke", "log.csv")) as src, \
                open(os.path.join(tmp, "again", "log.csv"), "w") as dst:
            dst.write(src.read())
        exported = torch.load(os.path.join(tmp, "smoke", "generator.pt"))
        G2 = train.main(["--cache", cache, "--out_dir", tmp, "--name", "again", "--epochs", "2",
                         "--batch_size", "64", "--max_steps", "3", "--init_generator",
                         os.path.join(tmp, "smoke", "generator.pt"), "--init_epoch", "1", "--d_warmup_steps", "2"])
        ck = torch.load(os.path.join(tmp, "again", "ckpt.pt"))
        assert ck["epoch"] == 2 and ck["step"] == 3, (ck["epoch"], ck["step"])  # step 1 from the log, then 2
        with open(os.path.join(tmp, "again", "log.csv")) as f:
            assert [r.split(",")[0] for r in f.read().split()[1:]] == ["1", "2"]
        # it trained on from the exported weights, not from a fresh init
        w0, w1 = exported["hidden0.0.weight"], G2.state_dict()["hidden0.0.weight"]
        assert 0 < (w1 - w0).abs().max() < 0.01
        # two D steps per G step, G at its own lr: 4 D steps move G twice; the checkpoint keeps both lrs
        train.main(["--cache", cache, "--out_dir", tmp, "--name", "ttur", "--epochs", "1", "--batch_size", "64",
                    "--max_steps", "4", "--d_steps", "2", "--lr_g", "1e-4", "--seed", "3",
                    "--noisy_negatives", "0.5"])
        ck = torch.load(os.path.join(tmp, "ttur", "ckpt.pt"))
        assert ck["step"] == 4 and ck["optG"]["param_groups"][0]["lr"] == 1e-4
        assert ck["optD"]["param_groups"][0]["lr"] == 2e-4
        assert ck["optG"]["state"][0]["step"].item() == 2 and ck["optD"]["state"][0]["step"].item() == 4

        classifier.main(["--cache", cache, "--out_dir", tmp, "--epochs", "1", "--max_steps", "1"])
        with open(os.path.join(tmp, "classifier_report.json")) as f:
            judged = json.load(f)["judge"]
        assert 0 <= judged["balanced"]["held_out_mean_per_class_merged_case"] <= 1, judged
        # the training frequencies travel with the model: digits are the most common labels in the sheet
        prior = classifier.load_model(os.path.join(tmp, "classifier_judge.pt")).log_prior
        assert abs(prior.exp().sum().item() - 1) < 1e-4 and prior[:10].mean() > prior[10:].mean()
        report = invert.main(["--generator", os.path.join(tmp, "smoke", "generator.pt"), "--cache", cache,
                              "--selector", os.path.join(tmp, "classifier_select.pt"),
                              "--judge", os.path.join(tmp, "classifier_judge.pt"),
                              "--out", os.path.join(tmp, "map.json"), "--picture", os.path.join(tmp, "map.png"),
                              "--report", "", "--chars", "0A", "--targets", "2", "--restarts", "2", "--steps", "1"])
        with open(os.path.join(tmp, "map.json")) as f:
            m = json.load(f)
        assert sorted(m) == ["0", "A"] and all(len(v) == 100 and max(map(abs, v)) <= 1 for v in m.values())
        assert report["chars"] == 2 and 0 <= report["judge_legibility_wandering"] <= 1

        # a failed write leaves the old file whole and no temp file behind
        target = os.path.join(tmp, "keep.json")
        atomic.write_json(target, {"v": 1})
        try:
            atomic.write_json(target, {"v": object()})  # not JSON-serialisable: fails half-way
        except TypeError:
            pass
        with open(target) as f:
            assert json.load(f) == {"v": 1}
        assert os.listdir(tmp).count("keep.json.tmp") == 0
    print("training smoke test: 1 passed, 0 failed")


if __name__ == "__main__":
    main()
