"""Every tree-sitter call: parse a file state once (cached by content hash) into FileFacts."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from reviewtool.csyntax.collector import _Collector, _count_errors  # noqa: F401 - benchmarks
from reviewtool.csyntax.facts import (
    Call,
    Comment,
    Declaration,
    FileFacts,
    Function,
    Param,
    _facts_query,  # noqa: F401 - tests and benchmarks read it here
    c_language,
    node_text,
    walk,
)
from reviewtool.csyntax.incremental import update
from reviewtool.csyntax.prepare import Annotation
from reviewtool.csyntax.regions import Prepared, prepare
from reviewtool.model import FileState, content_sha1
from reviewtool.resources import Rules, default_rules

__all__ = [
    "C_LANGUAGE",
    "Annotation",
    "Call",
    "Comment",
    "Declaration",
    "FactsCache",
    "FileFacts",
    "Function",
    "Param",
    "Prepared",
    "node_text",
    "parse_file",
    "walk",
]

if TYPE_CHECKING:
    from tree_sitter import Parser, Tree

_local = threading.local()


def __getattr__(name: str) -> Any:  # C_LANGUAGE: tree-sitter is imported on first use
    if name == "C_LANGUAGE":
        return c_language()
    raise AttributeError(name)


PARSE_SECONDS = 10.0  # a kernel file parses in milliseconds; hostile bytes can loop forever


def _parser() -> Parser:
    parser = getattr(_local, "parser", None)
    if parser is None:
        from tree_sitter import Parser

        parser = _local.parser = Parser(c_language())
    return parser


def _parse(
    source: bytes, seconds: float = PARSE_SECONDS, *, old_tree: Tree | None = None
) -> Tree | None:
    """Parse with a deadline. tree-sitter-c can spin forever on some malformed inputs (seen:
    the 12 bytes `b/*d(&N(=m;}`), and only a parse fed through a read callback honours the
    progress callback that cancels it. None when cancelled. `old_tree`, edited to match
    `source`, lets tree-sitter reuse what did not change."""
    parser = _parser()
    deadline = time.monotonic() + seconds
    given: list[bytes] = []
    view = memoryview(source)

    def read(offset: int, _point: object) -> bytes:
        chunk = view[offset : offset + 65536].tobytes()  # always a new object
        if chunk:
            given.append(chunk)
        return chunk

    def stop(*_: object) -> bool:
        return time.monotonic() > deadline

    try:
        if old_tree is None:
            return parser.parse(read, progress_callback=stop)
        return parser.parse(read, old_tree, progress_callback=stop)
    except ValueError:
        parser.reset()
        return None
    finally:
        _release_leaked(given)


def _release_leaked(chunks: list[bytes]) -> None:
    """py-tree-sitter 0.26.1 keeps one reference to every chunk a read callback returns
    (seen: 64 KiB per chunk, all of a file, for every parse: a thousand-patch series held
    gigabytes). Nothing reads them after the parse, so a reference found in excess of ours
    (the list, the loop variable, getrefcount's argument) is given back; a binding that
    frees them itself leaves nothing to give back."""
    import ctypes
    import sys

    for chunk in chunks:
        if sys.getrefcount(chunk) > 3:
            ctypes.pythonapi.Py_DecRef(ctypes.py_object(chunk))


class FactsCache:
    """Parse each distinct file content once. Bounded LRU so a huge series cannot exhaust
    memory; keys are (rules identity, content hash). A new state of a path whose previous
    state was parsed here is parsed incrementally (csyntax/incremental.py)."""

    def __init__(
        self, rules: Rules | None = None, capacity: int = 512, functions_only: bool = False
    ) -> None:
        self.rules = rules or default_rules()
        self.capacity = capacity
        # the facts hold functions alone (no calls, comments, declarations, types): an
        # incremental parse then moves only the functions (a reader that needs no more)
        self.functions_only = functions_only
        self._entries: OrderedDict[str, FileFacts] = OrderedDict()
        # Per path, the last whole state parsed (what the next state of it is parsed from):
        # as bounded as the entries, or a scan would keep the tree of every file it read.
        self._latest: OrderedDict[str, FileFacts] = OrderedDict()
        self.parses = 0  # how many real parses happened (tests read it)
        self.incremental = 0  # how many of them reused a previous tree

    def facts(self, state: FileState) -> FileFacts:
        key = state.sha1 if not state.unknown else f"{state.sha1}:{hash(state.unknown)}"
        cached = self._entries.get(key)
        if cached is not None and cached.path == state.path:
            self._entries.move_to_end(key)
            return cached
        if cached is not None:
            # Same content under another path: reuse the parse, relabel the path.
            facts = _relabel(cached, state.path)
        else:
            facts = self._parse(state)
            self.parses += 1
        self._entries[key] = facts
        if len(self._entries) > self.capacity:
            self._entries.popitem(last=False)
        return facts

    def _parse(self, state: FileState) -> FileFacts:
        previous = self._latest.get(state.path)
        only = self.functions_only
        if state.unknown:
            return parse_file(state.path, state.text, self.rules, state.unknown, only)
        facts = None
        if previous is not None and not previous.parse_failed:
            prepared = prepare(state.text, self.rules)
            facts = update(previous, state.path, state.sha1, prepared, self.rules, _parse, only)
            self.incremental += facts is not None
        if facts is None:
            facts = parse_file(state.path, state.text, self.rules, functions_only=only)
        self._latest[state.path] = facts
        self._latest.move_to_end(state.path)
        if len(self._latest) > self.capacity:
            self._latest.popitem(last=False)
        return facts


def _relabel(facts: FileFacts, path: str) -> FileFacts:
    from dataclasses import replace

    return replace(facts, path=path)


def parse_file(
    path: str,
    text: str,
    rules: Rules | None = None,
    unknown: tuple[tuple[int, int], ...] = (),
    functions_only: bool = False,
) -> FileFacts:
    """Facts of one file. `unknown` are the line ranges a hunks-only state could not see.
    `functions_only`: the functions alone are collected (no calls, comments, declarations,
    types)."""
    rules = rules or default_rules()
    prepared = prepare(text, rules, unknown)
    source = prepared.text.encode("utf-8", "surrogateescape")
    tree = _parse(source)
    parse_failed = tree is None
    if tree is None:  # degrade to a file with no facts rather than hang
        source = b""
        tree = _parser().parse(source)
    collector = _Collector(source, prepared.annotations, rules, functions_only)
    collector.visit(tree.root_node)
    return facts_of(path, text, collector, tree, source, prepared, parse_failed)


def facts_of(path, text, collector, tree, source, prepared, parse_failed) -> FileFacts:  # noqa: ANN001
    return FileFacts(
        path=path,
        sha1=content_sha1(text),
        functions=tuple(collector.functions),
        comments=tuple(collector.comments),
        calls=tuple(collector.calls),
        declarations=tuple(collector.declarations),
        types=frozenset(name for _, name in collector.type_lines),
        error_count=collector.errors,
        parse_failed=parse_failed,
        tree=tree,
        source=source,
        type_lines=tuple(collector.type_lines),
        annotations=prepared.annotations,
    )
