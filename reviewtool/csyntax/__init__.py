"""Every tree-sitter call: parse a file state once (cached by content hash) into FileFacts."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from tree_sitter import Parser, Tree

from reviewtool.csyntax.facts import (
    C_LANGUAGE,
    Call,
    Comment,
    Declaration,
    FileFacts,
    Function,
    Param,
    _Collector,
    _facts_query,  # noqa: F401 - tests and benchmarks read it here
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

_local = threading.local()


PARSE_SECONDS = 10.0  # a kernel file parses in milliseconds; hostile bytes can loop forever


def _parser() -> Parser:
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = Parser(C_LANGUAGE)
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
    try:
        read = lambda offset, _point: source[offset : offset + 65536]  # noqa: E731
        stop = lambda *_: time.monotonic() > deadline  # noqa: E731
        if old_tree is None:
            return parser.parse(read, progress_callback=stop)
        return parser.parse(read, old_tree, progress_callback=stop)
    except ValueError:
        parser.reset()
        return None


class FactsCache:
    """Parse each distinct file content once. Bounded LRU so a huge series cannot exhaust
    memory; keys are (rules identity, content hash). A new state of a path whose previous
    state was parsed here is parsed incrementally (csyntax/incremental.py)."""

    def __init__(self, rules: Rules | None = None, capacity: int = 512) -> None:
        self.rules = rules or default_rules()
        self.capacity = capacity
        self._entries: OrderedDict[str, FileFacts] = OrderedDict()
        self._latest: dict[str, FileFacts] = {}  # per path: the last whole state parsed
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
        if state.unknown:
            return parse_file(state.path, state.text, self.rules, state.unknown)
        facts = None
        if previous is not None and not previous.parse_failed:
            prepared = prepare(state.text, self.rules)
            facts = update(previous, state.path, state.sha1, prepared, self.rules, _parse)
            self.incremental += facts is not None
        if facts is None:
            facts = parse_file(state.path, state.text, self.rules)
        self._latest[state.path] = facts
        return facts


def _relabel(facts: FileFacts, path: str) -> FileFacts:
    from dataclasses import replace

    return replace(facts, path=path)


def parse_file(
    path: str,
    text: str,
    rules: Rules | None = None,
    unknown: tuple[tuple[int, int], ...] = (),
) -> FileFacts:
    """Facts of one file. `unknown` are the line ranges a hunks-only state could not see."""
    rules = rules or default_rules()
    prepared = prepare(text, rules, unknown)
    source = prepared.text.encode("utf-8", "surrogateescape")
    tree = _parse(source)
    parse_failed = tree is None
    if tree is None:  # degrade to a file with no facts rather than hang
        source = b""
        tree = _parser().parse(source)
    collector = _Collector(source, prepared.annotations, rules)
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
