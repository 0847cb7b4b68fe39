"""The kernel-doc reading of a whole file state, assembled from readings of its regions
(csyntax/regions.py: cut after a `}` line that an empty line follows), each kept by content.

kernel-doc reads line by line and carries state from one line to the next, but between two
declarations it is idle (state "normal", no block open, nothing pending), so a region it
leaves idle can be read on its own, with line numbers counted from the region's start and
moved afterwards. A region that leaves the reader busy (a `struct` name line above a
function: kernel-doc then reads until a `};`) is read together with the regions after it,
until the reader is idle at a region's end: that run is the unit kept. A run whose warning
quotes its own line number ("... on line 12 ...") is read at its real place and not kept.
The result is the reading of the whole file, block for block and warning for warning."""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import replace

from reviewtool.analysis.kdoc.lines import logical_lines
from reviewtool.analysis.kdoc.model import KdocBlock, KdocProblem, KdocResult, load_vocabulary
from reviewtool.analysis.kdoc.reader import _Reader
from reviewtool.csyntax.regions import split_regions
from reviewtool.resources import Rules, rules_key

_OUTPUTS = ("blocks", "problems", "line_no", "vocabulary")
_BUSY = object()  # a run that leaves the reader busy: read on with the next region


class RunCache:
    """Readings of runs by (rules, text): a bounded LRU."""

    def __init__(self, capacity: int = 4000) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[tuple[object, str], object] = OrderedDict()

    def get(self, rules: Rules, text: str) -> object | None:
        key = (rules_key(rules), text)
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, rules: Rules, text: str, value: object) -> None:
        self._entries[(rules_key(rules), text)] = value
        if len(self._entries) > self.capacity:
            self._entries.popitem(last=False)


_SHARED = RunCache()


def _idle_state(reader: _Reader) -> dict:
    """What the reader carries to the next line, outputs aside (a helper object by its own
    attributes; the pending-name follower only while it is active)."""
    state = {}
    for key, value in vars(reader).items():
        if key in _OUTPUTS:
            continue
        if hasattr(value, "__dict__"):
            value = {k: v for k, v in vars(value).items() if k != "vocabulary"}
            if value.get("first", 0) is None:  # an inactive follower forgets the rest
                value = {"first": None}
        state[key] = value
    return state


def analyse_by_region(text: str, rules: Rules, cache: RunCache | None = None) -> KdocResult:
    """`analyse(text, rules)` of a whole (complete) file state, region by region."""
    cache = cache or _SHARED
    vocabulary = load_vocabulary(rules)
    idle = _idle_state(_Reader(vocabulary))
    regions = split_regions(text)
    blocks: list[KdocBlock] = []
    problems: list[KdocProblem] = []
    index = offset = 0
    while index < len(regions):
        run = regions[index]
        index += 1
        found = cache.get(rules, run)
        while found is _BUSY and index < len(regions):
            run += regions[index]
            index += 1
            found = cache.get(rules, run)
        if found is None or found is _BUSY:
            run, index, found = _read_run(run, regions, index, vocabulary, idle, rules, cache)
        if found is None:  # depends on where it stands: read it there
            found = _read(run, vocabulary, offset)
            blocks.extend(found.blocks)
            problems.extend(found.problems)
        else:
            blocks.extend(_moved_block(b, offset) for b in found.blocks)  # type: ignore[union-attr]
            problems.extend(_moved_problem(p, offset) for p in found.problems)  # type: ignore[union-attr]
        offset += run.count("\n")
    return KdocResult(tuple(blocks), tuple(problems))


def _read_run(run, regions, index, vocabulary, idle, rules, cache):  # noqa: ANN001, ANN202
    """Read from the start of `run` (regions already joined) region by region until the
    reader is idle at a region's end; keep the reading unless it quotes its own lines."""
    reader = _Reader(vocabulary)
    fed = 0
    while True:
        fed = _feed(reader, run, fed)
        if _idle_state(reader) == idle or index >= len(regions):
            break
        cache.put(rules, run, _BUSY)
        run += regions[index]
        index += 1
    result = KdocResult(tuple(reader.blocks), tuple(reader.problems))
    if any(re.search(rf"\b{p.line}\b", p.message) for p in result.problems):
        return run, index, None
    cache.put(rules, run, result)
    return run, index, result


def _feed(reader: _Reader, run: str, fed: int) -> int:
    """Feed the logical lines of `run` after the first `fed` ones; returns how many now."""
    count = 0
    for line, line_no in logical_lines(run):
        count += 1
        if count > fed:
            reader.feed(line, line_no)
    return count


def _read(run: str, vocabulary, offset: int) -> KdocResult:  # noqa: ANN001
    reader = _Reader(vocabulary)
    for line, line_no in logical_lines(run):
        reader.feed(line, line_no + offset)
    return KdocResult(tuple(reader.blocks), tuple(reader.problems))


def _line(value: int, offset: int) -> int:
    return value + offset if value else value  # 0: not known yet


def _moved_problem(problem: KdocProblem, offset: int) -> KdocProblem:
    if not offset:
        return problem
    return replace(
        problem, line=problem.line + offset, block_line=_line(problem.block_line, offset)
    )


def _moved_block(block: KdocBlock, offset: int) -> KdocBlock:
    if not offset:
        return block
    prototype = block.prototype
    if prototype is not None:
        prototype = replace(prototype, line=_line(prototype.line, offset))
    return replace(
        block,
        start_line=_line(block.start_line, offset),
        name_line=_line(block.name_line, offset),
        end_line=_line(block.end_line, offset),
        params=tuple((name, _line(line, offset)) for name, line in block.params),
        prototype=prototype,
    )
