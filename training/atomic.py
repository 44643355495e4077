"""Write files without ever leaving a half-written one: write to a temp name beside the target, then rename.

  with replacing(path) as tmp:
      torch.save(obj, tmp)
"""
import contextlib
import json
import os


@contextlib.contextmanager
def replacing(path, suffix=""):
    """Yields a temp path next to `path`; renames it over `path` only if the block succeeds, else removes it.
    `suffix` keeps an extension some writers need (PIL picks the format from '.png')."""
    tmp = f"{path}.tmp{suffix}"
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_json(path, obj, **kw):
    with replacing(path) as tmp, open(tmp, "w") as f:
        json.dump(obj, f, **kw)


def write_text(path, text):
    with replacing(path) as tmp, open(tmp, "w") as f:
        f.write(text)
