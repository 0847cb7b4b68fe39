"""Preparation by region: the source repairs of csyntax/prepare.py run on each top-level
region of a file separately, and each region's result is kept by content, so a new state of
a file costs the repairs of the regions a patch changed.

A region ends after a line holding only `}` that is followed by an empty line (the end of a
kernel function or block), so every region starts at brace depth zero, outside any comment,
string or directive. The repairs only look a bounded way around what they rewrite; on 4,427
files of Linux 6.12 (kernel/, fs/ext4, fs/xfs, net/core, drivers/usb, include/linux) the
regions give the whole-file repairs byte for byte, but for one file where an unbalanced
brace in an earlier `#if` arm made whole-file repairs blank top-level `#ifdef`s as if they
sat in a function body. Preparing by region is the definition: `scan` and incremental
states of a series both use it."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from typing import Any

from reviewtool.csyntax.prepare import Annotation, blank_attributes, seal_unknown_regions
from reviewtool.resources import Rules, rules_key

BOUNDARY = "\n}\n\n"
CAPACITY = 8_000  # region results kept (a kernel function's region is about a kilobyte)


KNOWN = 8  # texts whose cuts are known: the joined texts tree/texts.py keeps
_known: list[tuple[str, tuple[str, ...]]] = []  # (text, its regions), newest first


def known_cuts(text: str, regions: tuple[str, ...]) -> None:
    """Tell `split_regions` the cuts of this very string object (`regions` must be its
    split_regions): tree/texts.py joins a state's text from the regions it keeps, and the
    text's readers (preparation, symbols, kernel-doc) split it again; they get those
    region strings, whose hashes are known and which the region caches hold themselves."""
    _known[:] = [(text, regions), *((t, r) for t, r in _known if t is not text)][:KNOWN]


def split_regions(text: str) -> list[str]:
    """`text` cut after each `\\n}\\n` that an empty line follows; "".join() gives it back."""
    for kept, cuts in _known:
        if kept is text:
            return list(cuts)
    regions = []
    start = 0
    while True:
        found = text.find(BOUNDARY, start)
        if found < 0:
            regions.append(text[start:])
            return regions
        regions.append(text[start : found + 3])
        start = found + 3


@dataclass(frozen=True, slots=True)
class Prepared:
    text: str  # the prepared text, the same length and lines as the original
    annotations: tuple[Annotation, ...]  # offsets and lines in the whole text


class RegionCache:
    """Per-region results by (what was computed, text): a bounded LRU shared by every file
    of a run (a kernel function's region is about a kilobyte)."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[tuple[Hashable, str], Any] = OrderedDict()
        self.misses = 0

    def get(self, kind: Hashable, text: str, compute: Callable[[str], Any]) -> Any:
        key = (kind, text)
        found = self._entries.get(key, _MISSING)
        if found is not _MISSING:
            self._entries.move_to_end(key)
            return found
        self.misses += 1
        found = self._entries[key] = compute(text)
        if len(self._entries) > self.capacity:
            self._entries.popitem(last=False)
        return found

    def region(self, text: str, rules: Rules) -> tuple[str, tuple[Annotation, ...]]:
        """csyntax/prepare.py's preparation of one region."""
        return self.get(
            ("prepare", rules_key(rules)), text, lambda region: blank_attributes(region, rules)
        )


_MISSING = object()
_SHARED = RegionCache()


def prepare(
    text: str,
    rules: Rules,
    unknown: tuple[tuple[int, int], ...] = (),
    cache: RegionCache | None = None,
) -> Prepared:
    """The text tree-sitter parses: unknown regions sealed, then every region repaired."""
    cache = cache or _SHARED
    sealed = seal_unknown_regions(text, unknown)
    parts: list[str] = []
    annotations: list[Annotation] = []
    offset = line = 0
    for region in split_regions(sealed):
        prepared, found = cache.region(region, rules)
        parts.append(prepared)
        if found:
            annotations.extend(
                replace(a, offset=a.offset + offset, line=a.line + line) for a in found
            )
        offset += len(region)
        line += region.count("\n")
    return Prepared("".join(parts), tuple(annotations))


def by_region(text: str, kind: Hashable, transform: Callable[[str], str]) -> str:
    """`transform` (same length, a pure function of the text it gets) applied to each region
    of `text`, each region's result kept by content."""
    return "".join(_SHARED.get(kind, region, transform) for region in split_regions(text))
