"""A file state's symbols as region parts (`Compact`, made by analysis/symbols/store.py) and
the view the BS checks read of them (`PartsView`): the fields `symbols.FileSymbols` has,
each built from the parts on first use, and the lookups of one name answered from the parts
without building the rest."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import chain

from reviewtool.analysis.symbols.state import FileSymbols, Provision, Use, include_candidates


@dataclass(frozen=True, slots=True)
class Part:
    """One region's symbols, lines relative to the region (its first line is 1)."""

    lines: int  # "\n" in the region
    # (name, start, end, is_static, arity, inline, unused-marked, errors, parameters, self)
    functions: tuple[tuple, ...]
    declarations: tuple[tuple, ...]  # (name, line, kind, arity, is_static)
    uses: tuple[tuple, ...]  # (name, line, function, args, macro_args)
    uncounted: tuple[int, ...]
    words: tuple[str, ...]
    includes: tuple[tuple[str, bool], ...]  # (target, quoted)
    scanned: int  # characters the argument recount read
    # The names its functions and declarations provide, and those its uses call: a lookup
    # of one name passes over the parts without it (a step asks of hundreds of names, a
    # file has thousands of uses)
    provides: frozenset[str]
    calls: frozenset[str]


@dataclass(frozen=True, slots=True)
class Compact:
    """One state: its parts in file order."""

    path: str
    facts_path: str  # the path its facts carry (Use.path, Provision.path)
    sha1: str
    parts: tuple[Part, ...]
    types: frozenset[str]

    def shifted(self) -> list[tuple[Part, int]]:
        """(part, lines before it)."""
        found = []
        shift = 0
        for part in self.parts:
            found.append((part, shift))
            shift += part.lines
        return found


@lru_cache(maxsize=4096)
def _candidates(path: str, target: str, quoted: bool) -> tuple[str, ...]:
    return include_candidates(path, target, quoted)


def includes_of_parts(kept: Compact) -> tuple[tuple[str, ...], ...]:
    return tuple(
        _candidates(kept.path, target, quoted)
        for part in kept.parts
        for target, quoted in part.includes
    )


class PartsView:
    """What `symbols.file_symbols` gives for the state, field by field on first use."""

    def __init__(self, kept: Compact) -> None:
        self._kept = kept
        self._parts = kept.shifted()
        self._compared: tuple[Compact, tuple] | None = None  # changed_parts' last answer
        self.path = kept.path
        self.sha1 = kept.sha1
        self.types = kept.types

    # -- fields, as FileSymbols has them

    @cached_property
    def provides(self) -> dict[str, tuple[Provision, ...]]:
        path = self._kept.facts_path
        found: dict[str, list[Provision]] = {}
        for part, shift in self._parts:
            for name, start, _end, is_static, arity, inline, *_rest in part.functions:
                provision = Provision(
                    name, path, start + shift, "function", arity, is_static, inline
                )
                found.setdefault(name, []).append(provision)
        for part, shift in self._parts:
            for name, line, kind, arity, is_static in part.declarations:
                provision = Provision(name, path, line + shift, kind, arity, is_static)
                found.setdefault(name, []).append(provision)
        return {name: tuple(items) for name, items in found.items()}

    @cached_property
    def calls(self) -> tuple[Use, ...]:
        path = self._kept.facts_path
        return tuple(
            Use(name, path, line + shift, function, args, macro)
            for part, shift in self._parts
            for name, line, function, args, macro in part.uses
        )

    @cached_property
    def words(self) -> Counter[str]:
        return Counter(chain.from_iterable(part.words for part in self._kept.parts))

    @cached_property
    def includes(self) -> tuple[tuple[str, ...], ...]:
        return includes_of_parts(self._kept)

    @cached_property
    def uncounted(self) -> tuple[int, ...]:
        return tuple(line + shift for part, shift in self._parts for line in part.uncounted)

    @cached_property
    def _functions(self) -> tuple:
        unused: set[str] = set()
        errors: dict[str, int] = {}
        spans: list[tuple[str, int, int]] = []
        self_words: dict[str, int] = {}
        parameters: dict[str, frozenset[str]] = {}
        for part, shift in self._parts:
            for (
                name,
                start,
                end,
                _static,
                _arity,
                _inline,
                marked,
                bad,
                params,
                own,
            ) in part.functions:
                if marked:
                    unused.add(name)
                errors[name] = bad
                spans.append((name, start + shift, end + shift))
                self_words[name] = self_words.get(name, 0) + own
                parameters[name] = params
        return frozenset(unused), errors, tuple(spans), self_words, parameters

    @property
    def unused_marked(self) -> frozenset[str]:
        return self._functions[0]

    @property
    def function_errors(self) -> dict[str, int]:
        return self._functions[1]

    @property
    def function_spans(self) -> tuple[tuple[str, int, int], ...]:
        return self._functions[2]

    @property
    def self_words(self) -> dict[str, int]:
        return self._functions[3]

    @property
    def parameters(self) -> dict[str, frozenset[str]]:
        return self._functions[4]

    # -- FileSymbols' lookups; those of one name read the parts while the field is unbuilt

    # They read only `parameters` and `function_spans`, which this view provides.
    shadowed = FileSymbols.shadowed
    function_at = FileSymbols.function_at

    def provided(self, name: str) -> tuple[Provision, ...]:
        """`provides.get(name, ())`, read from the parts while the field is unbuilt."""
        if "provides" in self.__dict__:
            return self.provides.get(name, ())
        path = self._kept.facts_path
        holding = [(part, shift) for part, shift in self._parts if name in part.provides]
        found = [
            Provision(name, path, start + shift, "function", arity, is_static, inline)
            for part, shift in holding
            for fn_name, start, _end, is_static, arity, inline, *_rest in part.functions
            if fn_name == name
        ]
        found += [
            Provision(name, path, line + shift, kind, arity, is_static)
            for part, shift in holding
            for decl_name, line, kind, arity, is_static in part.declarations
            if decl_name == name
        ]
        return tuple(found)

    def calls_to(self, name: str) -> list[Use]:
        if "calls" in self.__dict__:
            return [use for use in self.calls if use.name == name]
        path = self._kept.facts_path
        return [
            Use(name, path, use[1] + shift, use[2], use[3], use[4])
            for part, shift in self._parts
            if name in part.calls
            for use in part.uses
            if use[0] == name
        ]

    def defined_functions(self):  # noqa: ANN201 - as FileSymbols.defined_functions
        for provisions in self.provides.values():
            yield from (p for p in provisions if p.kind == "function")

    def references(self, name: str) -> int:
        prototypes = sum(1 for p in self.provided(name) if p.kind == "prototype")
        if "words" in self.__dict__:
            count = self.words.get(name, 0)
        else:
            count = sum(part.words.count(name) for part in self._kept.parts)
        return max(0, count - prototypes - self.self_words.get(name, 0))


def changed_parts(
    before: FileSymbols | PartsView | None, after: FileSymbols | PartsView | None
) -> tuple[list[Part], list[Part], list[Part]] | None:
    """(the parts only `before` holds, those only `after` holds, those both hold), as
    multisets: the store keeps one Part per content, so equal parts are the same object.
    None unless both states are kept by parts (then callers read the whole fields). Kept on
    `after` for the last `before` it was compared with (every BS check asks of each step)."""
    if not isinstance(before, PartsView) or not isinstance(after, PartsView):
        return None
    if after._compared is not None and after._compared[0] is before._kept:
        return after._compared[1]
    old, new = before._kept.parts, after._kept.parts
    head = 0  # the parts both start with, and end with, in order: most of a file
    limit = min(len(old), len(new))
    while head < limit and old[head] is new[head]:
        head += 1
    tail = 0
    while tail < limit - head and old[len(old) - 1 - tail] is new[len(new) - 1 - tail]:
        tail += 1
    counts = Counter(id(part) for part in new[head : len(new) - tail])
    removed: list[Part] = []
    common = [*old[:head], *old[len(old) - tail :]]
    for part in old[head : len(old) - tail]:
        if counts[id(part)] > 0:
            counts[id(part)] -= 1
            common.append(part)
        else:
            removed.append(part)
    added: list[Part] = []
    for part in new[head : len(new) - tail]:
        if counts[id(part)] > 0:
            counts[id(part)] -= 1
            added.append(part)
    found = (removed, added, common)
    after._compared = (before._kept, found)
    return found


def use_delta(
    before: FileSymbols | PartsView | None,
    after: FileSymbols | PartsView | None,
    shape: Callable[[tuple], Hashable],
    shadowing: bool = False,
) -> Counter | None:
    """How the count of each `shape(use)` changes from `before` to `after` (signed; uses are
    (name, line, function, args, macro_args)), read from the parts that differ: a part both
    states hold counts alike in both. With `shadowing`, uses whose callee is a parameter of
    the calling function are left out (`FileSymbols.shadowed`): a common part whose functions'
    parameters differ between the states is read on both sides. None: not kept by parts."""
    changes = changed_parts(before, after)
    if changes is None:
        return None
    removed, added, common = changes
    assert isinstance(before, PartsView) and isinstance(after, PartsView)
    delta: Counter = Counter()
    if shadowing:
        old, new = before.parameters, after.parameters
        differ = {name for name in old.keys() | new.keys() if old.get(name) != new.get(name)}
        if differ:
            touched = [p for p in common if any(use[2] in differ for use in p.uses)]
            removed, added = removed + touched, added + touched
    for parts, view, sign in ((added, after, 1), (removed, before, -1)):
        params = view.parameters if shadowing else {}
        for part in parts:
            for use in part.uses:
                if use[2] is not None and use[0] in params.get(use[2], ()):
                    continue
                delta[shape(use)] += sign
    return delta


def word_delta(
    before: FileSymbols | PartsView | None, after: FileSymbols | PartsView | None
) -> Counter | None:
    """How each identifier's count (`words`) changes from `before` to `after` (signed), from
    the parts that differ; None: not kept by parts."""
    changes = changed_parts(before, after)
    if changes is None:
        return None
    removed, added, _common = changes
    delta: Counter = Counter()
    for part in added:
        delta.update(part.words)
    for part in removed:
        delta.subtract(part.words)
    return delta


def changed_names(
    before: FileSymbols | PartsView | None, after: FileSymbols | PartsView | None
) -> set[str] | None:
    """Names whose symbols can differ between the two states: those the parts that differ
    define or declare, and identifiers whose count changed. Whatever `FileSymbols` says of
    another name (its provisions, references, markings) is the same in both. None: not kept
    by parts."""
    changes = changed_parts(before, after)
    words = word_delta(before, after)
    if changes is None or words is None:
        return None
    removed, added, _common = changes
    names = {name for name, change in words.items() if change}
    return names | _names(removed) | _names(added)


def provisions_of(symbols: FileSymbols | PartsView, name: str) -> tuple[Provision, ...]:
    """What `symbols` provides under `name` (without building every name's, from parts)."""
    if isinstance(symbols, PartsView):
        return symbols.provided(name)
    return symbols.provides.get(name, ())


def provided_names(
    before: FileSymbols | PartsView | None, after: FileSymbols | PartsView | None
) -> tuple[set[str], set[str]] | None:
    """(names the parts only `before` holds define or declare, those of the parts only
    `after` holds): a name in neither has the same provisions in both states, lines apart.
    None: not kept by parts."""
    changes = changed_parts(before, after)
    if changes is None:
        return None
    removed, added, _common = changes
    return _names(removed), _names(added)


def _names(parts: list[Part]) -> set[str]:
    return set().union(*(part.provides for part in parts))
