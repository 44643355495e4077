"""EMNIST loader: the shared data set's WebP sprite sheets -> one deduplicated uint8 array.

Reads ../shared/data/emnist/raw (see PROVENANCE.txt there): every chunk of every split, labelled or not.
Tiles are already upright (white ink on black, 0..255); nothing is transposed here.

Each unique image (exact-pixel dedup) keeps the most specific label any split gives it:
  char   -- the exact character (0-9A-Za-z) from byclass / digits / mnist, or '' if unknown;
  merged -- the EMNIST 'bymerge' class (case merged for c i j k l m o p s u v w x y z), or '' if unknown.
The result is cached as a compact .npz so training starts in seconds after the first run.
"""
import glob
import hashlib
import json
import os
import re

import numpy as np
from PIL import Image

from atomic import replacing

DEFAULT_ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "emnist", "raw")
CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"  # the 62 byclass classes, in order
# EMNIST bymerge folds these lower-case letters into their upper case (they look alike when scaled).
MERGED_LOWER = set("cijklmopsuvwxyz")
CHUNK_RE = re.compile(r"X_(train|test)_(\d+)_to_(\d+)\.webp$")
EXACT_SPLITS = ("byclass", "digits", "mnist")  # labels that name the exact character


def merge_case(ch):
    """The bymerge class of a character: 'o' -> 'O', 'a' -> 'a'."""
    return ch.upper() if ch in MERGED_LOWER else ch


def decode_sheet(path, count):
    """A sprite sheet -> (count, 28, 28) uint8, tiles in row-major order."""
    img = np.asarray(Image.open(path).convert("L"))
    cols = img.shape[1] // 28
    rows = (count + cols - 1) // cols
    if img.shape[0] < rows * 28:
        raise ValueError(f"{path}: sheet {img.shape} too small for {count} tiles")
    tiles = img[: rows * 28, : cols * 28].reshape(rows, 28, cols, 28).transpose(0, 2, 1, 3).reshape(-1, 28, 28)
    return np.ascontiguousarray(tiles[:count])


def load_raw(root):
    """Decode every chunk; returns images (N,28,28) uint8, char labels, merged labels (lists of str)."""
    packed = os.path.join(root, "emnist-packed")
    if not os.path.isdir(packed):
        raise FileNotFoundError(f"no EMNIST data at {packed} (pass --data to point at shared/data/emnist/raw)")
    seen = {}  # sha1 of pixels -> index
    images, chars, merged = [], [], []
    for split_dir in sorted(glob.glob(os.path.join(packed, "emnist-*"))):
        split = os.path.basename(split_dir)[len("emnist-"):]
        meta = {}
        for part in ("train", "test"):
            p = os.path.join(split_dir, part + ".json")
            if os.path.exists(p):
                with open(p) as f:
                    meta[part] = json.load(f)
        for sheet in sorted(glob.glob(os.path.join(split_dir, "X_*.webp"))):
            m = CHUNK_RE.search(os.path.basename(sheet))
            part, first, last = m.group(1), int(m.group(2)), int(m.group(3))
            tiles = decode_sheet(sheet, last - first + 1)
            labels = meta.get(part)
            for k, tile in enumerate(tiles):
                ch = mg = ""
                if labels is not None:
                    lid = labels["id"][first + k]
                    code = labels["mapping"][lid - 1 if split == "letters" else lid]
                    c = chr(code)
                    if split in EXACT_SPLITS:
                        ch, mg = c, merge_case(c)
                    elif split in ("bymerge", "balanced"):
                        mg = c  # already the merged class
                    # letters: case unknown -> neither label is exact; left unlabelled for the classifier
                key = hashlib.sha1(tile.tobytes()).digest()
                i = seen.get(key)
                if i is None:
                    seen[key] = len(images)
                    images.append(tile)
                    chars.append(ch)
                    merged.append(mg)
                else:
                    chars[i] = chars[i] or ch
                    merged[i] = merged[i] or mg
    return np.stack(images), chars, merged


def load(root=DEFAULT_ROOT, cache=None):
    """Cached load. Returns dict(images=(N,28,28) uint8, char=(N,) int16 index into CHARS or -1,
    merged=(N,) int16 index into CHARS of the merged class or -1)."""
    root = os.path.abspath(root)
    if cache is None:
        cache = os.path.join(os.path.expanduser("~"), ".cache", "fontgan", "emnist_u8.npz")
    if os.path.exists(cache):
        d = np.load(cache)
        return {k: d[k] for k in d.files}
    images, chars, merged = load_raw(root)
    idx = {c: i for i, c in enumerate(CHARS)}
    out = dict(images=images,
               char=np.array([idx.get(c, -1) for c in chars], np.int16),
               merged=np.array([idx.get(c, -1) for c in merged], np.int16))
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    with replacing(cache, ".npz") as tmp:  # numpy appends .npz to names without it
        np.savez_compressed(tmp, **out)
    return out


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", default=DEFAULT_ROOT)
    ap.add_argument("--cache", default=None)
    a = ap.parse_args()
    d = load(a.data, a.cache)
    n = len(d["images"])
    print(f"{n} unique images; exact char label: {(d['char'] >= 0).sum()}; merged label: {(d['merged'] >= 0).sum()}; "
          f"unlabelled: {((d['char'] < 0) & (d['merged'] < 0)).sum()}")
