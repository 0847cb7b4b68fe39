"""Callees defined outside the file being analysed, found in its base tree (`--tree`,
`--base`, `scan --tree`): the static inlines of the headers it includes (`task_rq_unlock()`
in kernel/sched/sched.h) and of the headers those include, to a bound (`gfpflags_allow_
blocking()` of include/linux/gfp.h, which comes through linux/slab.h; `<asm/...>` is
include/asm-generic/'s, no architecture being chosen), and the functions of the other .c
files of its directory or of the .c file named like a header it includes (`pin_kill()` of
fs/fs_pin.c, declared in include/linux/fs_pin.h).

Looked up only on demand (by the driver, for the functions of a file whose result a callee
of another file may change: those with findings or calling one with a lock held), parsed
once per content, summarised once per (content, name): one level deep (what the found
function calls in its own file is followed, what it calls elsewhere is not). The tree is
the series' base: its files do not change during a run, so their summaries are fixed for it
like the vocabulary. What the definition and `#include` prefilter found in each file the
lookups of a caller read is kept across runs too (analysis/scan_store.py): a second run on
the same tree reads none of them again."""

from __future__ import annotations

import os
import re
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any

from reviewtool.analysis.callee_store import StoredFile
from reviewtool.analysis.locks.state import Effect
from reviewtool.analysis.scan_store import Scan, ScanGroup, scanned, tree_files
from reviewtool.csyntax import FileFacts, parse_file
from reviewtool.model import content_sha1
from reviewtool.tree.listing import SourceIndex, source_index

_INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
_MAX_FILE_BYTES = 2 * 1024 * 1024
_MAX_SIBLINGS = 80  # .c files of one directory read to find a definition
_MAX_INCLUDE_DEPTH = 6  # levels of headers below the file's own includes
_MAX_NESTED = 800  # headers below them read: a bound, not a promise of completeness
_PARSED: OrderedDict[str, FileFacts] = OrderedDict()  # by content: headers are shared
# A parse holds its tree (include/linux/mm.h's: megabytes) and is needed only while a lookup
# reads the file (its definitions, then the summaries asked of it): what was found is kept
# by StoredFile, so a few parses are kept, not every file read (64 were 6 MiB of the seed's
# peak; a file asked for another name later is parsed again: 7 -> 9 parses on the seed)
_PARSED_CAPACITY = 2
# `scan` of a directory: its files ask the same headers for other names, file after file
# (fs/ext4 --tree: 137 parses keeping 64, 343 keeping 2, +47 % CPU); while a scan runs
# (`parses_kept`), this many are kept
SCAN_PARSES = 64

Summarise = Callable[[FileFacts, set[str], Any], dict[str, tuple[Effect, ...]]]


@contextmanager
def parses_kept(count: int) -> Iterator[None]:
    """Keep `count` parses while inside, then the usual few again."""
    global _PARSED_CAPACITY
    previous, _PARSED_CAPACITY = _PARSED_CAPACITY, count
    try:
        yield
    finally:
        _PARSED_CAPACITY = previous
        while len(_PARSED) > previous:
            _PARSED.popitem(last=False)


def _parsed(path: str, text: str, rules: Any) -> FileFacts:
    key = f"{path}:{content_sha1(text)}"
    found = _PARSED.get(key)
    if found is None:
        found = _PARSED[key] = parse_file(path, text, rules)
        if len(_PARSED) > _PARSED_CAPACITY:
            _PARSED.popitem(last=False)
    else:
        _PARSED.move_to_end(key)
    return found


class CalleeFinder:
    """Definitions of functions a file calls, read from `tree` (DirTree or GitTree)."""

    def __init__(self, tree: Any, rules: Any) -> None:
        self._tree = weakref.ref(tree)
        self.rules = rules
        self._listing: SourceIndex | None = None
        self._summaries: dict[tuple[str, str], tuple[Effect, ...]] = {}
        self._missing: set[tuple[str, str]] = set()  # (file, name) found nowhere
        self._candidates: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        self._texts: dict[str, Scan] = {}
        self._tree_files = tree_files(tree)  # how its files are signed: kept across runs
        self._groups: dict[str, ScanGroup] = {}  # by directory of the tree
        self._unsaved: set[str] = set()  # directories whose group read a file it lacked
        self._includes: dict[str, tuple[str, ...]] = {}
        self._files: dict[tuple[str, str], StoredFile] = {}
        self._last_file: tuple[str, str, tuple[str, ...]] = ("", "", ())  # its headers
        self._where: dict[int, dict[str, int]] = {}  # by id of a candidates list: positions
        self._definers: dict[str, list[str]] = {}  # name -> files whose prefilter names it
        self._indexed: set[str] = set()
        self._relative: dict[str, str | None] = {}

    # -- the tree ---------------------------------------------------------------------------

    def _read(self, path: str) -> str | None:
        tree = self._tree()
        if tree is None:
            return None
        try:
            text = tree.read(path)
        except Exception:  # unreadable, too large, outside the tree: not a definition
            return None
        return text if text is not None and len(text) <= _MAX_FILE_BYTES else None

    def relative(self, path: str) -> str | None:
        if path not in self._relative:  # resolved once per path: the tree is fixed
            self._relative[path] = self._relative_to_tree(path)
        return self._relative[path]

    def _relative_to_tree(self, path: str) -> str | None:
        tree = self._tree()
        if tree is None:
            return None
        root = getattr(tree, "root", None)
        if root is not None and os.path.isabs(path):
            try:
                return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
            except ValueError:
                return None
        return None if os.path.isabs(path) or path.startswith("..") else path

    def _sources(self) -> SourceIndex:
        """The tree's .c files by directory and name (listed once, cached across runs)."""
        if self._listing is None:
            self._listing = source_index(self._tree())
        return self._listing

    def _stored(self, path: str, key: str) -> StoredFile:
        """The file's functions and summaries, kept across runs (analysis/callee_store.py)."""
        found = self._files.get((path, key))
        if found is None:
            found = self._files[(path, key)] = StoredFile(path, key, self.rules)
        return found

    # -- lookups ----------------------------------------------------------------------------

    def candidates(self, relative: str, source: str) -> list[str]:
        """Where the callees of the file at `relative` may be defined, nearest first: the
        headers it includes (and those of a .c file including it), the .c files of its
        directory, the .c files named like those headers, then what the headers include in
        turn (`_closure`)."""
        directory = str(PurePosixPath(relative).parent)
        if self._last_file[:2] != (relative, source):  # asked once per caller: read once
            includes = _INCLUDE.findall(source)
            for includer in self._includers(relative):  # it sees what its includer included
                includes.extend(self._scanned(includer)[1])  # type: ignore[index]
            headers = [h for h in dict.fromkeys(self._resolved(relative, includes)) if h]
            self._last_file = (relative, source, tuple(headers))
        headers = list(self._last_file[2])
        key = (relative, tuple(headers))
        found = self._candidates.get(key)
        if found is None:
            siblings = [p for p in self._sources().in_directory(directory) if p != relative]
            partners = self._sources().named({PurePosixPath(h).stem for h in headers})
            nested = self._closure(headers)
            found = list(dict.fromkeys([*headers, *siblings[:_MAX_SIBLINGS], *partners, *nested]))
            self._candidates[key] = found
        return found

    def _includers(self, relative: str) -> list[str]:
        """The .c files of its directory that compile the .c file at `relative` by including
        it (kernel/sched/build_policy.c: `#include "deadline.c"`): their headers are seen
        by it, though it includes none of them itself."""
        if not relative.endswith(".c"):
            return []
        directory = str(PurePosixPath(relative).parent)
        found = []
        for sibling in self._sources().in_directory(directory):
            scanned = self._scanned(sibling) if sibling != relative else None
            if scanned is not None and any(
                quote == '"' and os.path.normpath(f"{directory}/{name}") == relative
                for quote, name in scanned[1]
            ):
                found.append(sibling)
        return found

    def _resolved(self, including: str, includes: list[tuple[str, str]]) -> list[str | None]:
        """Each `#include` of the file at `including` as the tree path it names (None when
        the tree has none): `"x.h"` next to the file, then in include/; `<x.h>` in include/;
        `<asm/x.h>` in include/asm-generic/, as a build for no particular architecture."""
        directory = str(PurePosixPath(including).parent)
        paths: list[str | None] = []
        for quote, name in includes:
            options = [os.path.normpath(f"{directory}/{name}")] if quote == '"' else []
            if name.startswith("asm/"):
                options.append(f"include/asm-generic/{name[4:]}")
            options.append(f"include/{name}")
            paths.append(next((o for o in options if self._scanned(o) is not None), None))
        return paths

    def _closure(self, headers: list[str]) -> list[str]:
        """What `headers` include, breadth first, below them: `_MAX_INCLUDE_DEPTH` levels
        deep, `_MAX_NESTED` headers at most (a static inline of include/linux/gfp.h is seen
        by every file including linux/slab.h)."""
        seen = set(headers)
        order: list[str] = []
        frontier = list(headers)
        for _depth in range(_MAX_INCLUDE_DEPTH):
            below: list[str] = []
            for header in frontier:
                for path in self._nested(header):
                    if path not in seen and len(order) < _MAX_NESTED:
                        seen.add(path)
                        order.append(path)
                        below.append(path)
            frontier = below
        return order

    def _nested(self, header: str) -> tuple[str, ...]:
        """The headers `header` includes, resolved once per path (the tree is fixed)."""
        found = self._includes.get(header)
        if found is None:
            scanned = self._scanned(header)
            includes = scanned[1] if scanned is not None else []
            found = tuple(p for p in self._resolved(header, includes) if p)
            self._includes[header] = found
        return found

    def _scanned(self, path: str) -> Scan:
        """The names the file at `path` seems to define and its `#include`s, read once per
        path (the tree is fixed) and kept across runs in the caller's group (analysis/
        scan_store.py); None when the tree has no such file."""
        if path not in self._texts:
            directory = path.rpartition("/")[0]
            group = self._group_of(directory)
            self._texts[path] = scanned(group, self._tree_files, path, partial(self._scan, path))
            if group is not None and group.dirty:
                self._unsaved.add(directory)
        return self._texts[path]

    def _scan(self, path: str) -> Scan:
        text = self._read(path)
        if text is None:
            return None
        return frozenset(_DEFINITION.findall(text)), _INCLUDE.findall(text)

    def _group_of(self, directory: str) -> ScanGroup | None:
        """The stored scans of the files of `directory`, loaded once."""
        if self._tree_files is None:
            return None
        if directory not in self._groups:
            self._groups[directory] = ScanGroup(self._tree_files, directory)
        return self._groups[directory]

    def _defined(self, path: str) -> frozenset[str]:
        """Names the file at `path` seems to define."""
        scanned = self._scanned(path)
        return scanned[0] if scanned is not None else frozenset()

    def _positions(self, candidates: list[str], names: set[str]) -> list[int]:
        """The positions in `candidates` (a list `candidates()` keeps for the life of this
        finder) of the files whose prefilter names one of `names`, in order: the only ones
        the lookup reads (going through every candidate for every name was most of it)."""
        where = self._where.get(id(candidates))
        if where is None:
            where = self._where[id(candidates)] = {}
            for position, candidate in enumerate(candidates):
                where.setdefault(candidate, position)
                if candidate not in self._indexed:  # each file's names indexed once
                    self._indexed.add(candidate)
                    for name in self._defined(candidate):
                        self._definers.setdefault(name, []).append(candidate)
        found = (where.get(path) for name in names for path in self._definers.get(name, ()))
        return sorted({p for p in found if p is not None})

    def summaries(
        self, path: str, source: str, names: set[str], summarise: Summarise
    ) -> dict[str, tuple[Effect, ...]]:
        """Summaries of `names` (called by the file at `path` with text `source`) from the
        first candidate file that defines each. An acquire one of them returns holding is
        an unconfirmed contract: the caller must release it before its leaks count."""
        relative = self.relative(path)
        if relative is None or not names:
            return {}
        try:
            return self._summaries_of(relative, source, names, summarise)
        finally:  # stored once a lookup is done: each group written a few times a run
            for directory in sorted(self._unsaved):
                self._groups[directory].flush()
            self._unsaved.clear()

    def _summaries_of(
        self, relative: str, source: str, names: set[str], summarise: Summarise
    ) -> dict[str, tuple[Effect, ...]]:
        found: dict[str, tuple[Effect, ...]] = {}
        wanted = {n for n in names if (relative, n) not in self._missing}
        candidates = self.candidates(relative, source) if wanted else []
        for position in self._positions(candidates, wanted) if wanted else ():
            candidate = candidates[position]
            if wanted.isdisjoint(self._defined(candidate)):
                continue  # what it may define was found in an earlier candidate
            text = self._read(candidate)
            if text is None:
                continue
            key = content_sha1(text)
            stored = self._stored(candidate, key)
            parse = partial(_parsed, candidate, text, self.rules)
            here = stored.defines(parse) & wanted
            if not here:
                continue
            todo = {n for n in here if (key, n) not in self._summaries}
            if todo:
                computed = stored.summarise(todo, summarise, parse)
                for name in todo:
                    effects = computed.get(name, ())
                    self._summaries[(key, name)] = tuple(
                        replace(e, unconfirmed=e.op == "acquire") for e in effects
                    )
            for name in here:
                if self._summaries[(key, name)]:
                    found[name] = self._summaries[(key, name)]
            wanted -= here
            if not wanted:
                break
        self._missing |= {(relative, n) for n in wanted}
        return found


# a line that starts a definition (`static int name(`, or `name(` after a line holding the
# type), not a call or a prototype ending in `;` (one line: a match running on to the next
# `;` would swallow the definitions below an empty body)
_DEFINITION = re.compile(r"^(?:[A-Za-z_][\w \t\*]*[\s\*])?([A-Za-z_]\w*)\s*\([^;\n]*$", re.M)


_FINDERS: weakref.WeakKeyDictionary[Any, CalleeFinder] = weakref.WeakKeyDictionary()


def finder_for(rules: Any) -> CalleeFinder | None:
    """The finder of the base tree `rules` were made for (None without a tree)."""
    tree = getattr(rules, "base_tree", None)
    if tree is None:
        return None
    try:
        found = _FINDERS.get(tree)
    except TypeError:
        return None
    if found is None:
        found = CalleeFinder(tree, rules)
        try:
            _FINDERS[tree] = found
        except TypeError:
            return found
    return found
