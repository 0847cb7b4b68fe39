"""What each file sees at one step of the series: its own symbols and its headers'."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from reviewtool.analysis.header_store import stored_provides
from reviewtool.analysis.symbols.parts import PartsView, provisions_of
from reviewtool.analysis.symbols.state import (
    C_SUFFIXES,
    WORD,
    FileSymbols,
    Provision,
    includes_of,
    provides_of,
)
from reviewtool.analysis.symbols.store import SymbolStore
from reviewtool.csyntax import FileFacts
from reviewtool.model import FileState, Snapshot

MAX_INCLUDE_DEPTH = 2  # the file's own includes, and theirs
MAX_HEADERS = 160  # headers followed per file: a bound, not a promise of completeness
KEPT_CLOSURES = 8  # closures kept per path (one per distinct include shape of its series files)
# Tests of one header's text for a name before its word set is built and kept (building it
# costs about as much as 60 tests): a short series keeps no set (a closure's headers' sets
# were 10 MiB of the seed's peak), a long one asking the same headers at every step pays
# for each set once, at most twice what either way alone would cost
WORD_SET_AFTER = 64


class Reach:
    """What the views of one run share, so that a step costs what it changed: each path's
    include closure with the series files it read (their existence and includes: base-tree
    files are the same at every step), reused by a view whose series files read the same;
    and what the headers of a closure holding no series file provide under a name."""

    def __init__(self) -> None:
        self.closures: dict[str, list[tuple[tuple[tuple[str, str, object], ...], tuple]]] = {}
        self.headers: dict[tuple[tuple[str, ...], str], tuple[Provision, ...]] = {}
        self.firsts: dict[tuple[tuple[str, ...], str], Provision | None] = {}
        self.computed = 0  # closures walked (tests read it)
        self.tested: dict[str, int] = {}  # by content: name tests of a header's text so far


class TreeView:
    """The tree at one step as a compiler would see it from the touched files: the snapshot's
    files, and base-tree headers they include (lazily read, bounded). Headers the series
    touches come from the snapshot, never from the base."""

    def __init__(
        self,
        snapshot: Snapshot,
        series_paths: frozenset[str],
        facts: Callable[[FileState], FileFacts],
        base_file: Callable[[str], FileState | None],
        memo_get: Callable[[str, str, Callable[[], object]], object],
        fingerprint: str | None = None,
        store: SymbolStore | None = None,
        reach: Reach | None = None,
        parse_apart: Callable[[FileState], FileFacts] | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.fingerprint = fingerprint  # of the rules: base headers' provisions kept on disk
        self.series_paths = series_paths
        self._facts = facts
        self._base_file = base_file
        self._memo_get = memo_get
        self._store = store if store is not None else symbol_store(memo_get)
        self._closures: dict[str, tuple[str, ...]] = {}
        self._from_series: dict[str, bool] = {}  # path -> its closure holds a series file
        self._reach = reach if reach is not None else Reach()
        # a base-tree header is read for what it provides alone: parsed apart (`facts`'s
        # result), its tree and symbols not kept (a closure's headers filled the run's parse
        # cache and symbol store: 16 MiB of the seed's peak)
        self._parse_apart = parse_apart

    @property
    def step(self) -> int:
        return self.snapshot.step

    def c_paths(self) -> list[str]:
        return sorted(path for path in self.snapshot.files if path.endswith(C_SUFFIXES))

    def state(self, path: str) -> FileState | None:
        state = self.snapshot.files.get(path)
        if state is not None or path in self.series_paths:
            return state  # a series path missing here does not exist at this step
        return self.base_state(path)

    def base_state(self, path: str) -> FileState | None:
        """The file as the base tree holds it (None without a base tree or when absent)."""
        try:
            return self._base_file(path)
        except Exception:  # an unreadable base file is one we cannot see, not a crash
            return None

    def symbols(self, path: str) -> FileSymbols | PartsView | None:
        state = self.state(path)
        if state is None or not path.endswith(C_SUFFIXES):
            return None
        return self._store.symbols(state, self._facts)

    def _includes(self, path: str) -> tuple[tuple[str, ...], ...]:
        state = self.state(path)
        if state is None:
            return ()
        if path in self.series_paths and path.endswith(C_SUFFIXES):
            return self._store.includes(state, self._facts)  # not kept per state
        found = self._memo_get(
            state.sha1, f"includes:{path}", lambda: includes_of(path, state.text)
        )
        return found  # type: ignore[return-value]

    def _mentions(self, path: str, name: str) -> bool:
        """Whether `name` is one of the words (`WORD`) of the file at `path`: tested on its
        text, from its word set once it was tested `WORD_SET_AFTER` times."""
        state = self.state(path)
        if state is None:
            return False
        tested = self._reach.tested.get(state.sha1, 0)
        if tested < WORD_SET_AFTER:
            self._reach.tested[state.sha1] = tested + 1
            return mentions(state.text, name)
        words = self._memo_get(state.sha1, "words", lambda: frozenset(WORD.findall(state.text)))
        return name in words  # type: ignore[operator]

    def closure(self, path: str) -> tuple[str, ...]:
        """Headers `path` includes, breadth first, MAX_INCLUDE_DEPTH deep, MAX_HEADERS at most."""
        if path in self._closures:
            return self._closures[path]
        kept = self._reach.closures.setdefault(path, [])
        for read, found in kept:
            if all(self._series_input(kind, p) == value for kind, p, value in read):
                self._closures[path] = found
                return found
        inputs: dict[tuple[str, str], object] = {}
        found = self._walk(path, inputs)
        kept.insert(0, (tuple((kind, p, value) for (kind, p), value in inputs.items()), found))
        del kept[KEPT_CLOSURES:]
        self._reach.computed += 1
        self._closures[path] = found
        return found

    def _series_input(self, kind: str, path: str) -> object:
        """What a closure walk reads of a series file: whether it exists, or its includes."""
        if kind == "exists":
            return self.state(path) is not None
        return self._includes(path)

    def _walk(self, path: str, inputs: dict[tuple[str, str], object]) -> tuple[str, ...]:
        """The closure of `path`, recording in `inputs` what it read of series files."""

        def includes(current: str) -> tuple[tuple[str, ...], ...]:
            found = self._includes(current)
            if current in self.series_paths:
                inputs[("includes", current)] = found
            return found

        def exists(candidate: str) -> bool:
            found = self.state(candidate) is not None
            if candidate in self.series_paths:
                inputs[("exists", candidate)] = found
            return found

        order: list[str] = []
        seen = {path}
        frontier = [path]
        for _depth in range(MAX_INCLUDE_DEPTH):
            next_frontier: list[str] = []
            for current in frontier:
                for candidates in includes(current):
                    found = next((c for c in candidates if exists(c)), None)
                    if found is None or found in seen or len(order) >= MAX_HEADERS:
                        continue
                    seen.add(found)
                    order.append(found)
                    next_frontier.append(found)
            frontier = next_frontier
        return tuple(order)

    def visible(self, path: str, name: str) -> list[Provision]:
        """Everything named `name` that `path` sees: its own provisions, then its headers'."""
        found: list[Provision] = []
        own = self.symbols(path)
        if own is not None:
            found.extend(provisions_of(own, name))
        closure = self.closure(path)
        if self._has_series_header(path, closure):
            found.extend(self._from_headers(closure, name))
            return found
        key = (closure, name)  # base-tree headers only: the same at every step
        if key not in self._reach.headers:
            self._reach.headers[key] = tuple(self._from_headers(closure, name))
        found.extend(self._reach.headers[key])
        return found

    def sees(self, path: str, name: str) -> bool:
        """`bool(visible(path, name))`, reading headers only until one provides `name`."""
        return self.first(path, name) is not None

    def first(self, path: str, name: str) -> Provision | None:
        """`visible(path, name)[0]` (None: nothing), reading headers only until one
        provides `name`."""
        own = self.symbols(path)
        found = provisions_of(own, name) if own is not None else ()
        if found:
            return found[0]
        closure = self.closure(path)
        if self._has_series_header(path, closure):
            return self._first_in(closure, name)
        key = (closure, name)  # base-tree headers only: the same at every step
        known = self._reach.headers.get(key)
        if known is not None:
            return known[0] if known else None
        if key not in self._reach.firsts:
            self._reach.firsts[key] = self._first_in(closure, name)
        return self._reach.firsts[key]

    def _first_in(self, closure: tuple[str, ...], name: str) -> Provision | None:
        for header in closure:
            if self._mentions(header, name):
                found = self._provides(header).get(name, ())
                if found:
                    return found[0]
        return None

    def _has_series_header(self, path: str, closure: tuple[str, ...]) -> bool:
        if path not in self._from_series:
            self._from_series[path] = any(header in self.series_paths for header in closure)
        return self._from_series[path]

    def _from_headers(self, closure: tuple[str, ...], name: str) -> list[Provision]:
        found: list[Provision] = []
        for header in closure:
            if not self._mentions(header, name):
                continue  # cheap: parse a header only when it mentions the name
            found.extend(self._provides(header).get(name, ()))
        return found

    def _provides(self, path: str) -> dict[str, tuple[Provision, ...]]:
        """What a header provides; a base-tree header's is kept across runs (header_store)."""
        state = self.state(path)
        from_base = path not in self.snapshot.files and path not in self.series_paths
        if state is None or not from_base or self.fingerprint is None:
            return self._computed_provides(path)
        fingerprint = self.fingerprint

        def provides() -> object:
            return stored_provides(state, fingerprint, lambda: self._computed_provides(path))

        return self._memo_get(state.sha1, f"provides:{path}", provides)  # type: ignore[return-value]

    def _computed_provides(self, path: str) -> dict[str, tuple[Provision, ...]]:
        from_base = path not in self.snapshot.files and path not in self.series_paths
        if from_base and self._parse_apart is not None:
            state = self.state(path)
            if state is None or not path.endswith(C_SUFFIXES):
                return {}
            return provides_of(state, self._parse_apart(state))
        symbols = self.symbols(path)
        return symbols.provides if symbols is not None else {}

    def defined_in_series(self, name: str) -> list[Provision]:
        """Bodies or macros named `name` in any file the series touches, at this step."""
        found: list[Provision] = []
        for path in self.c_paths():
            symbols = self.symbols(path)
            if symbols is not None:
                found.extend(p for p in provisions_of(symbols, name) if p.defines)
        return found


def tree_views(
    snapshots: Sequence[Snapshot],
    facts: Callable[[FileState], FileFacts],
    base_file: Callable[[str], FileState | None],
    memo_get: Callable[[str, str, Callable[[], object]], object],
    fingerprint: str | None = None,
    parse_apart: Callable[[FileState], FileFacts] | None = None,
) -> list[TreeView]:
    """A TreeView per step; `series_paths` are every path any step holds or touches.
    With `fingerprint` (`diskcache.rules_fingerprint` of the run's rules), what base-tree
    headers provide is kept across runs (analysis/header_store.py)."""
    paths: set[str] = set()
    for snapshot in snapshots:
        paths.update(snapshot.files)
        paths.update(snapshot.touched)
        for old, new in snapshot.renamed:
            paths.update((old, new))
    frozen = frozenset(paths)
    store, reach = symbol_store(memo_get), Reach()
    return [
        TreeView(s, frozen, facts, base_file, memo_get, fingerprint, store, reach, parse_apart)
        for s in snapshots
    ]


def mentions(text: str, name: str) -> bool:
    """`name in set(WORD.findall(text))`, without the set (a closure's headers' word sets
    were 10 MiB of the seed's peak): a word is a run of word characters from its first
    letter or underscore, so an occurrence of `name` must end a run and be preceded in it by
    no letter or underscore. Found with str.find (a regular expression per name cost its
    compilation at every name: four times the time)."""
    start = text.find(name)
    if start < 0 or not WORD.fullmatch(name):
        return False  # cheap: most headers never mention the name
    while start >= 0:
        end = start + len(name)
        if end == len(text) or not _word_character(text[end]):
            before = start - 1
            while (
                before >= 0 and text[before] not in _WORD_STARTS and _word_character(text[before])
            ):
                before -= 1  # digits (or other word characters) a word cannot start with
            if before < 0 or not _word_character(text[before]):
                return True
        start = text.find(name, start + 1)
    return False


_WORD_STARTS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")


def _word_character(char: str) -> bool:
    """`\\w` of a str pattern: alphanumeric (str.isalnum) or the underscore."""
    return char == "_" or char.isalnum()


def symbol_store(memo_get: Callable[[str, str, Callable[[], object]], object]) -> SymbolStore:
    """The run's SymbolStore (one per memo): every state's symbols, kept by region."""
    return memo_get("", "symbol-store", SymbolStore)  # type: ignore[return-value]
