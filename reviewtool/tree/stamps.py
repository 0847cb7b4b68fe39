"""One rule for trusting a file or directory unchanged across runs by its stat signature.

The cross-run caches (tree/listing.py, analysis/vocab/tree.py, analysis/scan_store.py) key
what they keep on a path's (modification time, change time, inode, size): what make and git
trust to say a file did not change. A path modified or changed in the last SETTLE_SECONDS
gets no signature, so nothing is kept under it: a second change within a file system's time
granularity would not show."""

from __future__ import annotations

import os
import time
from typing import TypeVar

SETTLE_SECONDS = 2
Signature = tuple[int, int, int, int]  # mtime_ns, ctime_ns, inode, size
_Missing = TypeVar("_Missing")


def settled_signature(
    path: str | os.DirEntry, *, missing: _Missing | None = None
) -> Signature | _Missing | None:
    """`path`'s signature; `missing` when nothing is there; None when it cannot be stat'ed
    or changed just now."""
    try:
        info = path.stat() if isinstance(path, os.DirEntry) else os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return missing
    except OSError:
        return None
    if time.time() - max(info.st_mtime, info.st_ctime) < SETTLE_SECONDS:
        return None
    return info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_size
