"""What the callee lookups' prefilter found in a base tree's files (the names each seems to
define, its `#include`s), kept across runs (reviewtool/diskcache.py).

analysis/locks/callees.py reads, for each caller, every .c file of its directory (to find a
.c file including it, and to look for definitions there) and the closure of its headers (up
to 800 of them): ~0.6 CPU seconds a run on a file of mm/, the same files with the same text
at every run on a tree, and largely the same for every caller and series (include/linux/).
What it found in them is stored in one entry per directory of the tree (the files of it any
lookup read: bounded by the tree, shared by callers), each file's row under its signature:
- a git base: the commit is in the key, a row holds for good;
- a directory: the file's signature (tree/stamps.py), or that it did not exist; a row is
  trusted only while the file's signature is the stored one (a file written, replaced,
  created or removed changes it), and a file modified just now is not stored.
A row gives exactly what reading the file gives (tests/test_scan_store.py)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from reviewtool import diskcache
from reviewtool.tree.sources import path_problem
from reviewtool.tree.stamps import settled_signature

_STORE = diskcache.Store("scans", keep=512)
FORMAT = 1  # of a stored row: bump when what a scan holds changes

Scan = tuple[frozenset[str], list[tuple[str, str]]] | None  # names, (quote, name) includes
Signature = list[int]
MISSING: Signature = [-1]  # the directory tree has no file there


class TreeFiles:
    """How the files of one base tree are signed: a directory's by stat, a git revision's not
    at all (fixed); None for a tree of another kind (nothing stored)."""

    def __init__(self, identity: str, root: str | None) -> None:
        self.identity, self.root = identity, root

    def signature(self, path: str) -> Signature | None:
        """The file's signature now; None when it must not be stored (changed just now,
        unreadable, a path the tree refuses)."""
        if self.root is None:
            return []
        if path_problem(path) or os.path.isabs(path) or path.startswith(".."):
            return None
        signature = settled_signature(os.path.join(self.root, path), missing=MISSING)
        return list(signature) if signature is not None else None


def tree_files(tree: Any) -> TreeFiles | None:
    root = getattr(tree, "root", None)
    if root is not None:
        real = os.path.realpath(root)
        return TreeFiles(f"dir\0{real}", real)
    commit = getattr(tree, "commit", None)
    return TreeFiles(f"git\0{commit}", None) if isinstance(commit, str) else None


def _encode(signature: Signature, scan: Scan) -> list[Any]:
    if scan is None:
        return [signature]
    return [signature, sorted(scan[0]), [list(include) for include in scan[1]]]


def _decode(row: Any) -> Scan:
    """ValueError when `row` is not what `_encode` wrote."""
    if len(row) == 1:
        return None
    _signature, names, includes = row
    if not all(type(n) is str for n in names):
        raise ValueError(names)
    found = [(quote, name) for quote, name in includes]
    if not all(type(q) is str and type(n) is str for q, n in found):
        raise ValueError(includes)
    return frozenset(names), found


class ScanGroup:
    """The rows of the files of one directory of the tree: loaded once, written back (with
    the stored rows this run did not replace) when this run read a file the stored group did
    not hold under its current signature."""

    def __init__(self, files: TreeFiles, directory: str) -> None:
        version = diskcache.code_version()
        self.key = f"scans\0{FORMAT}\0{files.identity}\0{directory}\0{version}"
        stored = _STORE.get(self.key)
        self._stored: dict[str, Any] = stored if isinstance(stored, dict) else {}
        self.dirty = False

    def stored(self, path: str, signature: Signature | None) -> tuple[bool, Scan]:
        """(True, the scan) when the group holds the file under `signature`."""
        row = self._stored.get(path)
        if signature is None or not isinstance(row, list) or not row or row[0] != signature:
            return False, None
        try:
            return True, _decode(row)
        except (ValueError, TypeError):
            return False, None

    def note(self, path: str, signature: Signature | None, scan: Scan) -> None:
        """The file was read (not taken from the group): its row, when it may be stored."""
        if signature is not None:
            self._stored[path] = _encode(signature, scan)
            self.dirty = True

    def flush(self) -> None:
        """Store the group if this run read a file it did not hold."""
        if self.dirty:
            self.dirty = False
            _STORE.put(self.key, self._stored)


def scanned(
    group: ScanGroup | None, files: TreeFiles | None, path: str, scan: Callable[[], Scan]
) -> Scan:
    """The file's scan: its directory's group's row when it holds, else `scan()` (then kept
    in the group, to be stored by its `flush`)."""
    if group is None or files is None:
        return scan()
    signature = files.signature(path)  # before the read: a change after it shows next run
    held, found = group.stored(path, signature)
    if not held:
        found = scan()
        group.note(path, signature, found)
    return found
