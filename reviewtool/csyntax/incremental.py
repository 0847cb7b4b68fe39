"""A file's facts from those of its previous state: tree-sitter re-parses what changed
(`Tree.edit`, then a parse given the edited old tree) and facts are collected again only
from the top-level parts that differ; facts elsewhere are the previous ones, moved.

The part collected again is every top-level node (or node inside a top-level `#if` or
`extern "C"` block) that touches the edit or a range tree-sitter reports as changed
(`Tree.changed_ranges`), in the old tree as in the new one, widened to whole lines. Outside
it both trees are the same, node for node, so what the collector would read there is what
it read before, on other lines."""

from __future__ import annotations

from bisect import bisect_left
from typing import TYPE_CHECKING

from reviewtool.csyntax.collector import _Collector, _count_errors
from reviewtool.csyntax.facts import (
    Call,
    Comment,
    Declaration,
    FileFacts,
    Function,
)
from reviewtool.csyntax.regions import Prepared
from reviewtool.resources import Rules

if TYPE_CHECKING:
    from tree_sitter import Node, Point, Tree

CONTAINERS = frozenset(
    {
        "translation_unit",
        "preproc_if",
        "preproc_ifdef",
        "preproc_else",
        "preproc_elif",
        "preproc_elifdef",
        "linkage_specification",
        "declaration_list",
    }
)
CHUNK = 4096


def common_prefix(a: bytes, b: bytes) -> int:
    limit = min(len(a), len(b))
    at = 0
    while at < limit and a[at : at + CHUNK] == b[at : at + CHUNK]:
        at += CHUNK
    end = min(at + CHUNK, limit)
    while at < end and a[at] == b[at]:
        at += 1
    return min(at, limit)


def common_suffix(a: bytes, b: bytes, limit: int) -> int:
    """Length of the common tail of a and b, at most `limit`."""
    size = 0
    while size < limit:
        step = min(CHUNK, limit - size)
        if a[len(a) - size - step : len(a) - size] != b[len(b) - size - step : len(b) - size]:
            break
        size += step
    while size < limit and a[len(a) - size - 1] == b[len(b) - size - 1]:
        size += 1
    return size


def _point(source: bytes, offset: int) -> Point:
    from tree_sitter import Point

    row = source.count(b"\n", 0, offset)
    return Point(row, offset - (source.rfind(b"\n", 0, offset) + 1))


def _line_start(source: bytes, offset: int) -> int:
    return source.rfind(b"\n", 0, offset) + 1


def _line_end(source: bytes, offset: int) -> int:
    """`offset` when a line starts there, else the offset after the newline ending the line
    that holds it (or the end of the source)."""
    if offset == 0 or source[offset - 1 : offset] == b"\n":
        return offset
    found = source.find(b"\n", offset)
    return len(source) if found < 0 else found + 1


def _touching(node: Node, low: int, high: int, out: list[tuple[int, int]]) -> None:
    """Spans of the units (non-container nodes) under `node` that overlap [low, high), or
    hold `low` when the span is empty."""
    for child in node.children:
        if child.start_byte >= max(high, low + 1) or child.end_byte <= low:
            continue
        if child.type in CONTAINERS:
            _touching(child, low, high, out)
        else:
            out.append((child.start_byte, child.end_byte))


def dirty_span(
    old_root: Node, new_root: Node, old: bytes, new: bytes, low: int, high: int, delta: int
) -> tuple[int, int]:
    """[low, high) in the new source, grown until whole units of both trees and whole
    lines; the same span in the old source is [low, high - delta)."""
    while True:
        spans: list[tuple[int, int]] = []
        _touching(new_root, low, high, spans)
        old_spans: list[tuple[int, int]] = []
        _touching(old_root, low, high - delta, old_spans)
        spans.extend((start, end + delta) for start, end in old_spans)
        start = min([low, *(s for s, _ in spans)])
        end = max([high, *(e for _, e in spans)])
        start = _line_start(new, start)
        end = _line_end(new, end) if end < len(new) else len(new)
        if (start, end) == (low, high):
            return low, high
        low, high = start, end


def update(
    old: FileFacts,
    path: str,
    sha1: str,
    prepared: Prepared,
    rules: Rules,
    parse,  # noqa: ANN001
    functions_only: bool = False,
) -> FileFacts | None:
    """The facts of a new state from `old` (the same file before an edit), or None when
    parsing again from scratch is as good (nothing in common, or the parse failed).
    `functions_only`: only functions are collected (`old` holds no other facts)."""
    new = prepared.text.encode("utf-8", "surrogateescape")
    source = old.source
    start = common_prefix(source, new)
    tail = common_suffix(source, new, min(len(source), len(new)) - start)
    old_end, new_end = len(source) - tail, len(new) - tail
    if start == 0 and tail == 0:
        return None
    edited: Tree = old.tree.copy()
    edited.edit(
        start,
        old_end,
        new_end,
        _point(source, start),
        _point(source, old_end),
        _point(new, new_end),
    )
    tree = parse(new, old_tree=edited)
    if tree is None:
        return None
    delta = len(new) - len(source)
    ranges = [(r.start_byte, r.end_byte) for r in edited.changed_ranges(tree)]
    low = min([start, *(lo for lo, _ in ranges)])
    high = max([min(new_end + 1, len(new)), *(hi for _, hi in ranges)])
    low, high = dirty_span(old.tree.root_node, tree.root_node, source, new, low, high, delta)
    first = new.count(b"\n", 0, low) + 1  # lines [first, last] are collected again
    last = first + new.count(b"\n", low, high)  # past the span when it ends with a newline
    lines = new.count(b"\n") - source.count(b"\n")
    collector = _Collector(new, prepared.annotations, rules, functions_only)
    collector.visit(tree.root_node, (low, high))
    return _merged(old, collector, tree, new, prepared, path, sha1, (first, last, lines), delta)


def _merged(old, collector, tree, new, prepared, path, sha1, span, delta) -> FileFacts:  # noqa: ANN001
    first, last, lines = span
    old_last = last - lines  # old lines after this one moved by `lines`
    cut = _Cut(first, max(old_last, first))  # kept: lines before `first`, moved: from there

    kept, moved = cut(old.functions, [fn.start_line for fn in old.functions])
    functions = [*kept, *collector.functions]
    functions += [_moved(fn, tree, lines, delta, prepared) for fn in moved]
    kept, moved = cut(old.comments, [c.start_line for c in old.comments])
    comments = [*kept, *collector.comments]
    comments += _moved_comments(moved, lines)
    kept, moved = cut(old.calls, [c.line for c in old.calls])
    calls = [*kept, *collector.calls]
    calls += _moved_calls(moved, lines)
    kept, moved = cut(old.declarations, [d.line for d in old.declarations])
    declarations = [*kept, *collector.declarations]
    declarations += [
        Declaration(d.name, d.line + lines, d.kind, d.is_static, d.arg_count, d.variadic)
        for d in moved
    ]
    kept, moved = cut(old.type_lines, [t[0] for t in old.type_lines])
    type_lines = [*kept, *collector.type_lines]
    type_lines += [(line + lines, name) for line, name in moved]
    return FileFacts(
        path=path,
        sha1=sha1,
        functions=tuple(functions),
        comments=tuple(comments),
        calls=tuple(calls),
        declarations=tuple(declarations),
        types=frozenset(name for _, name in type_lines),
        error_count=_count_errors(tree.root_node),
        parse_failed=False,
        tree=tree,
        source=new,
        type_lines=tuple(type_lines),
        annotations=prepared.annotations,
    )


class _Cut:
    """Splits facts in document order by their first line: those before the span collected
    again (kept as they are) and those from the old span's end on (moved); the rest was
    collected again. Facts are in line order, so the cuts are two bisections (a list out of
    order is filtered fact by fact, with the same result)."""

    def __init__(self, first: int, moved_from: int) -> None:
        self.first = first
        self.moved_from = moved_from

    def __call__(self, items: tuple, lines: list[int]) -> tuple[list | tuple, list | tuple]:
        if lines == sorted(lines):
            return (
                items[: bisect_left(lines, self.first)],
                items[bisect_left(lines, self.moved_from) :],
            )
        kept = [item for item, line in zip(items, lines, strict=True) if line < self.first]
        moved = [item for item, line in zip(items, lines, strict=True) if line >= self.moved_from]
        return kept, moved


# The fields of the facts moved in bulk (the moves below fill exactly these; tests hold the
# classes to them)
CALL_FIELDS = ("name", "line", "function", "arg_count")
COMMENT_FIELDS = ("text", "start_line", "end_line")


def _moved_calls(calls: list | tuple, lines: int) -> list[Call]:
    """`Call(c.name, c.line + lines, c.function, c.arg_count)` of each, its slots filled
    directly: a frozen dataclass' __init__ costs twice as much, and a step moves every call
    after its edit (thousands in a big file)."""
    new, name, line = object.__new__, Call.name.__set__, Call.line.__set__  # type: ignore[attr-defined]
    function, count = Call.function.__set__, Call.arg_count.__set__  # type: ignore[attr-defined]
    moved = []
    for call in calls:
        made = new(Call)
        name(made, call.name)
        line(made, call.line + lines)
        function(made, call.function)
        count(made, call.arg_count)
        moved.append(made)
    return moved


def _moved_comments(comments: list | tuple, lines: int) -> list[Comment]:
    """`Comment(c.text, c.start_line + lines, c.end_line + lines)` of each, as _moved_calls."""
    new, text = object.__new__, Comment.text.__set__  # type: ignore[attr-defined]
    start, end = Comment.start_line.__set__, Comment.end_line.__set__  # type: ignore[attr-defined]
    moved = []
    for comment in comments:
        made = new(Comment)
        text(made, comment.text)
        start(made, comment.start_line + lines)
        end(made, comment.end_line + lines)
        moved.append(made)
    return moved


# Function's fields in order (_moved gives them all; tests/test_incremental.py checks it)
FUNCTION_FIELDS = (
    "name",
    "start_line",
    "end_line",
    "body_line",
    "is_static",
    "return_type",
    "params",
    "variadic",
    "annotations",
    "error_count",
    "node",
    "error_lines",
)


def _moved(fn: Function, tree: Tree, lines: int, delta: int, prepared: Prepared) -> Function:
    start, end = fn.node.start_byte + delta, fn.node.end_byte + delta
    node = tree.root_node.descendant_for_byte_range(start, end)
    while node is not None and not (
        node.type == "function_definition" and node.start_byte == start and node.end_byte == end
    ):
        node = node.parent
    if node is None:
        raise LookupError(f"{fn.name}: no function at bytes {start}..{end} after the edit")
    annotations = fn.annotations
    if prepared.annotations:
        body = node.child_by_field_name("body")
        offsets = [a.offset for a in prepared.annotations]
        first = bisect_left(offsets, node.start_byte)
        annotations = (
            tuple(a for a in prepared.annotations[first:] if a.offset < body.start_byte)
            if body is not None
            else ()
        )
    # every field given (dataclasses.replace reads the fields by name: thrice the cost, for
    # every function after the edit at every step)
    return Function(
        fn.name,
        fn.start_line + lines,
        fn.end_line + lines,
        fn.body_line + lines,
        fn.is_static,
        fn.return_type,
        fn.params,
        fn.variadic,
        annotations,
        fn.error_count,
        node,
        tuple(line + lines for line in fn.error_lines),
    )
