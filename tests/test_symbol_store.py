"""Symbols kept by region (analysis/symbols/store.py) are exactly the whole-file symbols, and a
new state of a file costs the regions a patch changed."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from reviewtool.analysis.symbols import state as symbols
from reviewtool.analysis.symbols.parts import PartsView
from reviewtool.analysis.symbols.state import FileSymbols, file_symbols
from reviewtool.analysis.symbols.store import SymbolStore
from reviewtool.csyntax import FactsCache
from reviewtool.model import FileState

BASE = Path(__file__).resolve().parent.parent / "examples" / "anon-vma-v2" / "base" / "mm"
HELPER = "\nstatic int bench_helper(struct mm_struct *mm)\n{\n\treturn foo(mm, 1);\n}\n"
# edits that break what a region may assume: a comment or a call running on past a cut,
# a `}` line cutting a function in two, a line break str.splitlines() sees and rows do not
BREAKERS = ("/* never closed\n", "\tcall_me(a, (b;\n", "\n}\n\n", "int x;\x0c\n", '"s\\\n')


def fields(table: FileSymbols | PartsView) -> list[tuple]:
    """Every field, dicts as ordered items: the order is part of what must agree."""
    found = []
    for name in FileSymbols.__dataclass_fields__:
        value = getattr(table, name)
        found.append((name, list(value.items()) if isinstance(value, dict) else value))
    return found


def states(path: str, edits: int, seed: int, snippets: tuple[str, ...]) -> list[FileState]:
    chooser = random.Random(seed)
    text = (BASE / path.split("/")[-1]).read_text()
    found = [FileState(path, text)]
    for _ in range(edits):
        lines = text.split("\n")
        at = chooser.randrange(len(lines))
        if chooser.random() < 0.3:
            del lines[at : at + chooser.randrange(1, 4)]
        else:
            lines.insert(at, chooser.choice(snippets))
        text = "\n".join(lines)
        found.append(FileState(path, text))
    return found


@pytest.mark.parametrize(
    ("path", "snippets"),
    [("mm/rmap.c", (HELPER,)), ("mm/vma.c", (HELPER, *BREAKERS)), ("mm/internal.h", BREAKERS)],
)
def test_states_kept_by_region_are_the_whole_file_symbols(path, snippets) -> None:
    cache = FactsCache(capacity=4)  # incremental parses, as a series gets them
    store = SymbolStore()
    for state in states(path, 6, seed=len(path), snippets=snippets):
        whole = file_symbols(state, cache.facts(state))
        view = store.symbols(state, cache.facts)
        names = sorted({use.name for use in whole.calls} | set(whole.provides))[::7]
        # lookups of one name, answered from the parts before any field is built
        assert [view.calls_to(n) for n in names] == [whole.calls_to(n) for n in names]
        if isinstance(view, PartsView):
            assert [view.provided(n) for n in names] == [whole.provides.get(n, ()) for n in names]
        assert [view.references(n) for n in names] == [whole.references(n) for n in names]
        assert fields(view) == fields(whole)
        assert store.includes(state, cache.facts) == whole.includes


def test_a_new_state_costs_the_regions_it_changed() -> None:
    cache = FactsCache(capacity=4)
    store = SymbolStore()
    text = (BASE / "rmap.c").read_text()
    cut = text.index("\n}\n\n", len(text) // 2) + 3  # after a function, as patches add them
    first, second = (
        FileState("mm/rmap.c", text),
        FileState("mm/rmap.c", text[:cut] + HELPER + text[cut:]),
    )
    store.record(first, cache.facts)
    known = len(store._parts)
    store.record(second, cache.facts)
    assert known > 50 and len(store._parts) - known == 1 and store.whole == 0
    assert fields(store.symbols(second, cache.facts)) == fields(
        file_symbols(second, cache.facts(second))
    )


def test_what_a_region_cannot_say_alone_is_computed_whole(monkeypatch) -> None:
    text = (BASE / "rmap.c").read_text()
    cut = text.index("\n}\n\n") + 3
    store = SymbolStore()
    never_closed = text[:cut] + "/* open\n" + text[cut:].replace("*/", "* /")
    for broken in (never_closed, text + "\r\n"):
        state = FileState("mm/rmap.c", broken)
        facts = FactsCache().facts(state)
        assert fields(store.symbols(state, lambda _s, f=facts: f)) == fields(
            file_symbols(state, facts)
        )
    assert store.whole == 2
    monkeypatch.setattr(symbols, "MAX_SCAN_PER_FILE", 1000)  # the per-file budget matters
    state = FileState("mm/rmap.c", text)
    facts = FactsCache().facts(state)
    assert fields(SymbolStore().symbols(state, lambda _s: facts)) == fields(
        file_symbols(state, facts)
    )
