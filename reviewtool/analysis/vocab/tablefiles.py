"""Where the tree vocabulary's tables are kept on disk (analysis/vocab/tree.py derives
them): a git base's in its repository's git directory (reviewtool-vocab-cache/), a
directory's under $XDG_CACHE_HOME/reviewtool/vocab; the tables and stat indexes used last
are kept, a private scope's tables in a directory of their own. Nothing is read or written
with the on-disk caches off (reviewtool/diskcache.py)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from reviewtool import diskcache

CACHE_NAME = "reviewtool-vocab-cache"
# Cache files kept per directory, newest use first: a bot checking series against many trees
# (or a test suite making tiny ones) must not fill the disk with tables (~80 KB each).
KEEP_TABLES = 32
KEEP_INDEXES = 128
INDEX_PREFIX = "stat-"
SCOPED = "scoped"  # the directory of private scopes' tables


def load_index(path: Path | None) -> tuple[str, int] | None:
    data = _read(path)
    key, count = data.get("key"), data.get("count")
    if not (isinstance(key, str) and len(key) == 40 and isinstance(count, int)):
        return None
    _touch(path)
    return key, count


def store_index(path: Path, key: str, count: int) -> None:
    store(path, {"key": key, "count": count})


def cache_file(tree: Any, key: str) -> Path | None:
    """Where the table under `key` is kept; None with the caches off (--no-cache)."""
    if not diskcache.enabled():
        return None
    if hasattr(tree, "commit"):
        try:
            common = subprocess.run(
                ["git", "-C", str(tree.repo), "rev-parse", "--git-common-dir"],
                capture_output=True,
                text=True,
                timeout=30,
            ).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return None
        if not common:
            return None
        root = Path(common) if Path(common).is_absolute() else Path(tree.repo) / common
        return root / CACHE_NAME / f"{key}.json"
    return diskcache.root() / "vocab" / f"{key}.json"


def scoped_file(tree: Any, key: str) -> Path | None:
    """Where a private scope's table is kept: beside the global tables, in a directory of
    its own (a scan meets many scopes; their pruning must not evict the global tables)."""
    path = cache_file(tree, key)
    return None if path is None else path.parent / SCOPED / path.name


def load(path: Path | None) -> dict | None:
    data = _read(path)
    if "acquire" not in data:
        return None
    _touch(path)
    return data


def _read(path: Path | None) -> dict:
    """A cache file's JSON object; empty when there is none or it is not one."""
    if path is None or not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def store(path: Path | None, table: dict) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False) as handle:
            json.dump(table, handle)
        os.replace(handle.name, path)
    except OSError:
        return  # a cache we cannot write is no cache
    _prune(path.parent)


def _touch(path: Path) -> None:
    """Mark a cache file as just used (pruning keeps the most recently used)."""
    with contextlib.suppress(OSError):
        os.utime(path)


def _prune(directory: Path) -> None:
    """Keep the KEEP_TABLES tables and KEEP_INDEXES stat indexes used last; remove the rest.
    Only our own names (a 40-hex key, or stat- and one) are ever removed."""
    try:
        entries = [(e.stat().st_mtime_ns, Path(e.path)) for e in os.scandir(directory)]
    except OSError:
        return
    tables, indexes = [], []
    for stamp, path in entries:
        stem = path.name.removesuffix(".json")
        kind = indexes if stem.startswith(INDEX_PREFIX) else tables
        key = stem.removeprefix(INDEX_PREFIX)
        if path.suffix == ".json" and len(key) == 40 and all(c in "0123456789abcdef" for c in key):
            kind.append((stamp, path))
    for kind, keep in ((tables, KEEP_TABLES), (indexes, KEEP_INDEXES)):
        for _, path in sorted(kind, reverse=True)[keep:]:
            with contextlib.suppress(OSError):
                path.unlink()
