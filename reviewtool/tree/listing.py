"""The C sources (.c files) of a base tree, listed once and indexed by directory and by name,
for the lookups of callees defined in other files (analysis/locks/callees.py).

Walking Linux's 5,800 directories costs ~0.2 CPU seconds a run, so the listing is kept in
the cross-run cache (reviewtool/diskcache.py): for a git revision under its commit, for a
directory with the signature (tree/stamps.py) of every directory it walked: a file added,
removed or renamed changes its directory's, and the listing is only trusted when none
changed (nor kept when one was modified just now).
Hidden directories (.git) are not walked, symlinked ones not followed."""

from __future__ import annotations

import os
import subprocess
import weakref
from typing import Any

from reviewtool import diskcache
from reviewtool.tree.stamps import settled_signature

_STORE = diskcache.Store("listing", keep=16)
FORMAT = 2  # of a stored listing: bump when what is listed changes (not every code edit)
_INDEXES: weakref.WeakKeyDictionary[Any, SourceIndex] = weakref.WeakKeyDictionary()


class SourceIndex:
    """The .c files of a tree (relative paths), by directory and by stem."""

    def __init__(self, sources: list[str]) -> None:
        self.by_directory: dict[str, list[str]] = {}
        self.by_stem: dict[str, list[str]] = {}
        by_directory, by_stem = self.by_directory, self.by_stem
        for path in sorted(sources):  # one pass, no call per path: 34,000 paths in Linux
            directory, _slash, name = path.rpartition("/")
            dot = name.rfind(".")
            stem = name[:dot] if 0 < dot < len(name) - 1 else name  # as PurePosixPath.stem
            if directory not in by_directory:
                by_directory[directory] = []
            by_directory[directory].append(path)
            if stem not in by_stem:
                by_stem[stem] = []
            by_stem[stem].append(path)
        if "" in by_directory:  # top-level files: PurePosixPath("x.c").parent is "."
            by_directory["."] = by_directory.pop("")

    def in_directory(self, directory: str) -> list[str]:
        """The .c files directly in `directory` ("." for the top), sorted."""
        return self.by_directory.get(directory, [])

    def named(self, stems: set[str]) -> list[str]:
        """The .c files anywhere whose stem is one of `stems`, sorted."""
        return sorted(p for stem in stems for p in self.by_stem.get(stem, ()))


def source_index(tree: Any) -> SourceIndex:
    """The index of `tree` (a DirTree or GitTree), listed once per tree object."""
    if tree is None:
        return SourceIndex([])
    try:
        found = _INDEXES.get(tree)
    except TypeError:
        return SourceIndex(_sources(tree))
    if found is None:
        found = _INDEXES[tree] = SourceIndex(_sources(tree))
    return found


def _sources(tree: Any) -> list[str]:
    root = getattr(tree, "root", None)
    if root is not None:
        return _directory_sources(os.path.realpath(root))
    repo, commit = getattr(tree, "repo", None), getattr(tree, "commit", None)
    if repo is None or commit is None:
        return []
    key = f"git\0{FORMAT}\0{commit}"
    stored = _STORE.get(key)
    if isinstance(stored, list) and all(isinstance(p, str) for p in stored):
        return stored
    argv = ["git", "-C", str(repo), "ls-tree", "-r", "-z", "--name-only", commit]
    try:
        out = subprocess.run(argv, capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return []
    if out.returncode != 0:
        return []
    names = out.stdout.decode("utf-8", "surrogateescape").split("\0")
    found = [n for n in names if n.endswith(".c")]
    _STORE.put(key, found)
    return found


def _directory_sources(root: str) -> list[str]:
    key = f"dir\0{FORMAT}\0{root}"
    stored = _STORE.get(key)
    if _still_valid(root, stored):
        return stored["sources"]
    sources, directories, steady = _walk(root)
    if steady:  # a directory that changed while it was walked: not kept
        _STORE.put(key, {"directories": directories, "sources": sources})
    return sources


def _walk(root: str) -> tuple[list[str], list[list[Any]], bool]:
    """The .c files below `root` (sorted: the index's sort is then one pass), each walked
    directory with its signature, and whether all had one. What os.walk lists (a symlink to
    a directory is not a file, nor followed; an unreadable directory is skipped), read with
    one scandir per directory: os.walk's generator and relpath were a third of the walk."""
    sources: list[str] = []
    directories: list[list[Any]] = []
    steady = True
    stack = [(root, "")]
    while stack:
        path, prefix = stack.pop()
        signature = settled_signature(path)
        steady = steady and signature is not None
        directories.append([prefix[:-1] or ".", *(signature or ())])
        try:
            with os.scandir(path) as entries:
                for entry in entries:
                    name = entry.name
                    if not _is_directory(entry):
                        if name.endswith(".c"):
                            sources.append(prefix + name)
                    elif not name.startswith(".") and not entry.is_symlink():
                        stack.append((entry.path, f"{prefix}{name}/"))
        except OSError:
            continue
    sources.sort()
    return sources, directories, steady


def _is_directory(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # as os.walk: not a directory then
        return False


def _still_valid(root: str, stored: Any) -> bool:
    """Whether a stored listing of `root` holds: every directory it walked is unchanged."""
    try:
        directories, sources = stored["directories"], stored["sources"]
        for relative, *signature in directories:
            if settled_signature(os.path.join(root, relative)) != tuple(signature):
                return False
    except (TypeError, KeyError, ValueError):
        return False
    return isinstance(sources, list) and all(isinstance(p, str) for p in sources)
