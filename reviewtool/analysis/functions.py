"""Per-function results across file states: analyse a function once per content.

A result is stored under (analysis, the function's prepared text, whatever else the caller
puts in the key) together with every cross-function input the analysis read, and with the
line the function started on when it was computed. It is reused for a later state while the
key is the same and every recorded input still has the value it had: an analysis reads such
inputs (the lock summaries of its callees, a header's vocabulary, ...) only through an
`Inputs` object, which records each read, hits and misses alike. A reused result is moved to
the function's new first line by the analysis' own `shift`.

The contract for analyses (and for whoever feeds them cross-file facts):
- everything a function's result depends on is either in the key (its prepared text, its
  annotations, the rule set's identity through the cache's owner) or read through `Inputs`;
- values read are immutable and compared with `==` (tuples of frozen dataclasses, None);
- a result never reads positions outside the function: its lines move with the function.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

MISSING = object()


class Inputs:
    """The one door to cross-function inputs of one analysis: `source(key)` answers, and
    every key asked is recorded with its answer (None for "nothing"). Deliberately not
    iterable: an analysis that looked at everything would depend on everything."""

    __slots__ = ("_source", "read")

    def __init__(self, source: Callable[[str], Any]) -> None:
        self._source = source
        self.read: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        value = self.read.get(key, MISSING)
        if value is MISSING:
            value = self.read[key] = self._source(key)
        return default if value is None else value

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def __getitem__(self, key: str) -> Any:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __iter__(self):  # noqa: ANN204 - there is nothing to iterate, by design
        raise TypeError("Inputs are read key by key (see reviewtool/analysis/functions.py)")


@dataclass(frozen=True, slots=True)
class Entry:
    value: Any
    line: int  # the function's first line when `value` was computed
    read: tuple[tuple[str, Any], ...]  # the inputs read, in the order they were read


def text_key(source: bytes, start: int, end: int) -> str:
    """A short content key of source[start:end] (a function's prepared bytes)."""
    return hashlib.blake2b(source[start:end], digest_size=16).hexdigest()


class FunctionCache:
    """Results by (analysis, key), each valid while its recorded inputs are unchanged.
    Bounded: the least recently used keys go first. One cache per rule set."""

    def __init__(self, capacity: int = 50_000) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[tuple[str, Hashable], list[Entry]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def lookup(self, analysis: str, key: Hashable, current: Callable[[str], Any]) -> Entry | None:
        """A stored entry whose every recorded input `current(input)` still answers alike."""
        entries = self._entries.get((analysis, key))
        if entries:
            self._entries.move_to_end((analysis, key))
            for entry in entries:
                if all(current(name) == value for name, value in entry.read):
                    self.hits += 1
                    return entry
        self.misses += 1
        return None

    def store(
        self, analysis: str, key: Hashable, value: Any, line: int, read: dict[str, Any]
    ) -> None:
        entries = self._entries.setdefault((analysis, key), [])
        entries.insert(0, Entry(value, line, tuple(read.items())))
        del entries[4:]  # a few input variants per content (callee changed back and forth)
        self._entries.move_to_end((analysis, key))
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)


def reuse(entry: Entry, line: int, shift: Callable[[Any, int], Any]) -> Any:
    """The stored value moved to a function now starting at `line`."""
    delta = line - entry.line
    return entry.value if delta == 0 else shift(entry.value, delta)
