"""The lock vocabulary of a base tree (`--tree`/`--base`): derived from its own headers the
first time the lock analysis asks, cached by content.

`tree_rules(rules, base)` returns rule data whose `locks-derived` table is the committed one
with the tree's derivation on top (the tree wins for the names it defines), and whose
private scopes (`fs/ext4/`) are derived from the tree's own headers in those directories,
when a file below them is analysed. The derivation
reads every header under include/ but uapi/ and dt-bindings/ (about 4,300 in Linux 6.12,
~10 CPU seconds); the result is kept in a cache file named by a hash of those headers'
paths and contents and of the conventions in rules/locks.toml (for a directory, found again
by the headers' sizes, times and inodes without reading them), so a tree is derived once:
for a git base in the repository's git directory (reviewtool-vocab-cache/), for a directory
under $XDG_CACHE_HOME/reviewtool/vocab (~/.cache); the 32 tables used last are kept there
(analysis/vocab/tablefiles.py). A private scope's table is kept too, by its headers'
contents, the global table's key and the rules (reading mm/'s 20 headers and deriving from
them costs more than a run's step). Nothing is cached when that directory cannot be
written, nor with the on-disk caches off (--no-cache, REVIEWTOOL_NO_CACHE=1:
reviewtool/diskcache.py)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from reviewtool import diskcache
from reviewtool.analysis.vocab import (
    definitions,
    derive,
    derive_private,
    derived_table,
    global_ops,
    hand_ops,
    locks_table,
    tablefiles,
)
from reviewtool.resources import Rules
from reviewtool.tree.stamps import settled_signature

FORMAT = 1  # bump when the derivation changes what it writes


def skipped(relative: str) -> bool:
    """User-space ABI and device-tree constants define no kernel lock wrapper."""
    parts = relative.split("/")
    return parts[0] in ("uapi", "dt-bindings") or "uapi" in parts


# Top directories whose headers are not private to kernel code (other architectures'
# code, user-space tools, build scripts, documentation).
NOT_PRIVATE = frozenset({"arch", "tools", "scripts", "Documentation", "samples", "usr", "include"})


def private_scope(relative: str) -> str | None:
    """The directory a header outside include/ is private to (`fs/ext4/`), or None."""
    parts = relative.split("/")
    if len(parts) < 2 or parts[0] in NOT_PRIVATE or "uapi" in parts:
        return None
    return "/".join(parts[:-1]) + "/"


class TreeRules(Rules):
    """`rules`, with the derived lock vocabulary of `tree` (computed on first use)."""

    def __init__(self, rules: Rules, tree: Any) -> None:
        super().__init__()
        self.search_path = rules.search_path
        # Rule data lives in caches for the whole process; the tree (a git process) must not:
        # once the run closes and drops it, there is nothing more to derive from.
        self._tree_ref = weakref.ref(tree)
        self._derived: dict | None = None
        self._derived_key = "committed"  # what the global table is kept under
        self._private: dict[str, dict] = {}
        self._listing: dict[str, list[str]] = {}

    def table(self, name: str) -> dict[str, Any]:
        if name != "locks-derived":
            return super().table(name)
        if self._derived is None:
            self._derived = self._derive()
        return self._derived

    @property
    def _tree(self) -> Any:
        return self._tree_ref()

    @property
    def base_tree(self) -> Any:
        """The tree these rules were made for, while it is open (None after): the lock
        analysis reads callees defined in its other files (analysis/locks/callees.py)."""
        return self._tree_ref()

    def scopes_for(self, path: str) -> list[str]:
        """The directories above the file at `path` whose private headers apply to it."""
        relative = _relative(self._tree, path) if self._tree is not None else None
        if relative is None:
            return []
        parts = relative.split("/")[:-1]
        scopes = ["/".join(parts[: n + 1]) + "/" for n in range(len(parts))]
        return [s for s in scopes if private_scope(f"{s}x.h") == s and self._headers_in(s)]

    def scoped_table(self, scope: str) -> dict:
        """What the headers directly in `scope` add (derived on first use, kept on disk by
        the headers' contents, the global table's key and the rules)."""
        if scope not in self._private:
            if self._tree is None:
                return {}
            texts = []
            for path in self._headers_in(scope):
                text = self._tree.read(path)
                if text is not None:
                    texts.append((path, text))
            self._private[scope] = self._scoped(scope, texts)
        return self._private[scope]

    def _scoped(self, scope: str, texts: list[tuple[str, str]]) -> dict:
        self.table("locks-derived")  # the global table, and the key it is kept under
        parts = [f"{FORMAT}", scope, self._derived_key, diskcache.rules_fingerprint(self)]
        for path, text in texts:
            parts += [path, hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()]
        cache = tablefiles.scoped_file(self._tree, diskcache.digest(*parts))
        cached = tablefiles.load(cache)
        if cached is not None:
            return cached
        found = []
        for path, text in texts:
            found.extend(definitions(path, text, self))
        base = global_ops(self)
        ops = derive_private(found, base, self)
        table = derived_table(ops, self, [*hand_ops(self), *base], scope)
        tablefiles.store(cache, table)
        return table

    def _headers_in(self, scope: str) -> list[str]:
        if scope not in self._listing and self._tree is not None:
            self._listing[scope] = _directory_headers(self._tree, scope)
        return self._listing.get(scope, [])

    def _derive(self) -> dict:
        # the committed table (110 KB of TOML, ~40 ms to read) only when no stored table
        # has it merged in already
        if self._tree is None:
            return super().table("locks-derived")
        key, count = _content_key(self._tree, locks_table(self))
        if not count:
            return super().table("locks-derived")
        self._derived_key = key
        # kept under the code and rules too: a table derived by other code (a reviewtool
        # upgrade, an edited rules/ file) is never read, even where the headers match
        cache = tablefiles.cache_file(
            self._tree, diskcache.digest(key, diskcache.rules_fingerprint(self))
        )
        cached = tablefiles.load(cache)
        if cached is not None:
            return cached
        committed = super().table("locks-derived")
        found = []
        for path, text in _headers(self._tree):
            found.extend(definitions(path, text, self))
        own = derived_table(derive(found, self), self)
        merged = {}
        for kind in ("acquire", "release"):
            names = {entry["name"] for entry in own[kind]}
            rest = [
                e for e in committed.get(kind, ()) if e["name"] not in names and not e.get("scope")
            ]
            merged[kind] = [*own[kind], *rest]
        tablefiles.store(cache, merged)
        return merged


def tree_rules(rules: Rules, tree: Any) -> Rules:
    """Rule data for checking against `tree` (a DirTree or GitTree); `rules` without one.
    The rules refer to the tree weakly: the caller keeps it open while they are used."""
    if tree is None or not (hasattr(tree, "root") or hasattr(tree, "commit")):
        return rules
    return TreeRules(rules, tree)


def _relative(tree: Any, path: str) -> str | None:
    """`path` relative to the tree (scan gives absolute paths), or None when outside."""
    if hasattr(tree, "root") and os.path.isabs(path):
        try:
            return Path(path).resolve().relative_to(Path(tree.root).resolve()).as_posix()
        except ValueError:
            return None
    return None if os.path.isabs(path) or path.startswith("..") else path


def _directory_headers(tree: Any, scope: str) -> list[str]:
    """Headers directly in the directory `scope` (not below it)."""
    if hasattr(tree, "root"):
        directory = Path(tree.root) / scope
        if not directory.is_dir():
            return []
        return sorted(f"{scope}{p.name}" for p in directory.glob("*.h") if not p.is_symlink())
    argv = ["git", "-C", str(tree.repo), "ls-tree", "-z", "--name-only", tree.commit, scope]
    try:
        listed = subprocess.run(argv, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return []
    names = listed.stdout.decode("utf-8", "surrogateescape").split("\0")
    return sorted(n for n in names if n.endswith(".h") and "/" not in n.removeprefix(scope))


def _headers(tree: Any):
    """(path, text) of the headers the derivation reads, sorted by path."""
    for path in sorted(_header_paths(tree)):
        text = tree.read(path)
        if text is not None:
            yield path, text


def _header_paths(tree: Any) -> list[str]:
    if hasattr(tree, "root"):
        return [path for path, _entry in _include_headers(Path(tree.root) / "include")]
    argv = ["git", "-C", str(tree.repo), "ls-tree", "-r", "-z", "--name-only", tree.commit]
    try:
        listed = subprocess.run([*argv, "--", "include"], capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return []
    names = listed.stdout.decode("utf-8", "surrogateescape").split("\0")
    return [n for n in names if n.endswith(".h") and not skipped(n.removeprefix("include/"))]


def _include_headers(include: Path) -> list[tuple[str, os.DirEntry]]:
    """(path, entry) of the headers below a directory tree's include/ but uapi/ and
    dt-bindings/ (what Path.rglob("*.h") gives: symlinks neither listed nor followed),
    walked with os.scandir: Path objects for 4,300 headers cost 0.1 CPU s a run."""
    found: list[tuple[str, os.DirEntry]] = []
    pending = [(str(include), "")]
    while pending:
        directory, relative = pending.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            name = f"{relative}{entry.name}"
            try:
                if entry.is_symlink():
                    continue
                if entry.is_dir():
                    pending.append((entry.path, f"{name}/"))
                elif name.endswith(".h") and not skipped(name):
                    found.append((f"include/{name}", entry))
            except OSError:
                continue
    return found


def _content_key(tree: Any, conventions: dict) -> tuple[str, int]:
    """`_key` of the tree's headers. Hashing them reads all of include/ (~0.4 CPU seconds a
    run), so for a directory the key is first looked up by the headers' stat signature (size,
    times, inode: what make and git trust to say a file did not change). One header in
    memory at a time (include/ is ~40 MB of text)."""
    signature = _stat_signature(tree, conventions) if hasattr(tree, "root") else None
    index = tablefiles.cache_file(tree, f"stat-{signature}") if signature else None
    known = tablefiles.load_index(index)
    if known is not None:
        return known
    key, count = _key(_headers(tree), conventions)
    if index is not None:
        tablefiles.store_index(index, key, count)
    return key, count


def _stat_signature(tree: Any, conventions: dict) -> str | None:
    """None when a header has no settled signature (tree/stamps.py: unreadable, or changed
    just now)."""
    digest = hashlib.sha1(f"{FORMAT}\n".encode())
    digest.update(json.dumps(conventions, sort_keys=True, default=str).encode())
    for path, entry in sorted(_include_headers(Path(tree.root) / "include"), key=_by_path):
        signature = settled_signature(entry)
        if signature is None:
            return None
        mtime, ctime, inode, size = signature
        stamp = f"{path}\0{size}\0{mtime}\0{ctime}\0{inode}\n"
        digest.update(stamp.encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _by_path(item: tuple[str, os.DirEntry]) -> str:
    return item[0]


def _key(headers: Iterable[tuple[str, str]], conventions: dict) -> tuple[str, int]:
    """The cache key of the headers' vocabulary, and how many headers it covers."""
    digest = hashlib.sha1(f"{FORMAT}\n".encode())
    digest.update(json.dumps(conventions, sort_keys=True, default=str).encode())
    count = 0
    for path, text in headers:
        digest.update(path.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(hashlib.sha1(text.encode("utf-8", "surrogateescape")).digest())
        count += 1
    return digest.hexdigest(), count
