"""The cross-run cache of tree-wide work: what reviewtool computes from a base tree's files,
which do not change between runs (the tree's listing, the callee summaries of its other
files, what its headers provide), kept on disk under $XDG_CACHE_HOME/reviewtool/<kind>/
(~/.cache/reviewtool/ when XDG_CACHE_HOME is unset), next to the tree vocabulary's vocab/.

Content-addressed: an entry's file is named by the SHA-1 of its key, and a key holds all a
result depends on (file contents' hashes, the rule data's fingerprint) and `code_version()`,
a hash of reviewtool's own source and packaged rules, so another version of reviewtool never
reads this one's entries. An entry repeats its key: one that does not parse, or holds
another key, is ignored and recomputed (and overwritten), never reported. Entries are written
atomically (a temporary file renamed into place); reading one marks it used, and after a
write a kind keeps only the `keep` entries used last.

Off for a run with `--no-cache` (`set_enabled(False)`), or with REVIEWTOOL_NO_CACHE=1 in the
environment: nothing is read or written, the tree vocabulary's cache included."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

_enabled: bool | None = None  # None: the environment decides
HEX = frozenset("0123456789abcdef")


def set_enabled(on: bool | None) -> None:
    """Turn the on-disk caches on or off for this process (None: by the environment)."""
    global _enabled
    _enabled = on


def enabled() -> bool:
    if _enabled is not None:
        return _enabled
    return os.environ.get("REVIEWTOOL_NO_CACHE", "") in ("", "0")


def root() -> Path:
    """$XDG_CACHE_HOME/reviewtool, or ~/.cache/reviewtool."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "reviewtool"


def digest(*parts: str | bytes) -> str:
    """SHA-1 of the parts, each length-prefixed (no two part lists give the same input)."""
    import hashlib

    hashed = hashlib.sha1()
    for part in parts:
        data = part if isinstance(part, bytes) else part.encode("utf-8", "surrogateescape")
        hashed.update(b"%d:" % len(data))
        hashed.update(data)
    return hashed.hexdigest()


@cache
def code_version() -> str:
    """A signature of reviewtool's Python source and its packaged rule data (each file's
    path, size and modification time, as make trusts them): entries computed by other code
    are never read. Any edit counts, even one that changes nothing an entry depends on: the
    cache is refilled rather than trusted."""
    from reviewtool.resources import data_dir

    parts: list[str] = []
    for top, suffix in ((Path(__file__).resolve().parent, ".py"), (data_dir("rules"), "")):
        for directory, _subdirs, names in os.walk(top):
            for name in names:
                if name.endswith(suffix) and not name.endswith(".pyc"):
                    with contextlib.suppress(OSError):
                        info = os.stat(os.path.join(directory, name))
                        relative = os.path.relpath(os.path.join(directory, name), top)
                        parts.append(f"{relative}\0{info.st_size}\0{info.st_mtime_ns}")
    return digest(*sorted(parts))


def rules_fingerprint(rules: Any) -> str:
    """The code version and the rule files along `rules`' search path but the packaged ones
    (which the code version covers): what any result computed with `rules` depends on
    besides its input (a --rules DIR changes what a file's parse and analysis give)."""
    memo = vars(rules).setdefault("_per_rules_memo", {})
    if rules_fingerprint not in memo:
        memo[rules_fingerprint] = _rule_files(rules)
    return memo[rules_fingerprint]


def _rule_files(rules: Any) -> str:
    from reviewtool.resources import data_dir

    packaged = os.path.realpath(data_dir("rules"))
    parts: list[str | bytes] = [code_version()]
    for top in rules.search_path:
        if os.path.realpath(top) == packaged:
            continue
        for directory, _subdirs, names in sorted(os.walk(top)):
            for name in sorted(names):
                path = os.path.join(directory, name)
                try:
                    with open(path, "rb") as handle:
                        parts += [os.path.relpath(path, top), handle.read()]
                except OSError:
                    parts.append(f"unreadable {path}")
    return digest(*parts)


class Store:
    """One kind of entry (a directory of the cache): JSON values under string keys."""

    def __init__(self, kind: str, keep: int) -> None:
        self.kind = kind
        self.keep = keep
        self._pruned = False

    def _path(self, key: str) -> Path:
        return root() / self.kind / f"{digest(key)}.json"

    def get(self, key: str) -> Any | None:
        """The value stored under `key`, or None (absent, unreadable, corrupt, disabled)."""
        if not enabled():
            return None
        path = self._path(key)
        try:
            with open(path, encoding="utf-8") as handle:
                entry = json.load(handle)
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("key") != key or "value" not in entry:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # used: pruning keeps it
        return entry["value"]

    def put(self, key: str, value: Any) -> None:
        """Store `value` (JSON) under `key`; a cache that cannot be written is no cache."""
        if not enabled():
            return
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=path.parent, prefix=".tmp-", delete=False
            ) as handle:
                # dumps, not dump: json.dump encodes in pure Python (a listing is 1.7 MB)
                handle.write(json.dumps({"key": key, "value": value}, separators=(",", ":")))
            os.replace(handle.name, path)
        except (OSError, TypeError, ValueError):
            with contextlib.suppress(OSError, NameError):
                os.unlink(handle.name)
            return
        if not self._pruned:
            self._pruned = True
            prune(path.parent, self.keep)


def prune(directory: Path, keep: int) -> None:
    """Keep the `keep` entries of `directory` used last. Only our own names (40 hex digits
    and .json) are removed, and temporary files a killed run left behind (an hour old)."""
    import time

    try:
        scanned = list(os.scandir(directory))
    except OSError:
        return
    entries, stale = [], time.time() - 3600
    for entry in scanned:
        try:
            stamp = entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        name = entry.name
        if name.startswith(".tmp-") and stamp < stale:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
        stem = name.removesuffix(".json")
        if name.endswith(".json") and len(stem) == 40 and all(c in HEX for c in stem):
            entries.append((stamp, entry.path))
    for _, path in sorted(entries, reverse=True)[keep:]:
        with contextlib.suppress(OSError):
            os.unlink(path)
