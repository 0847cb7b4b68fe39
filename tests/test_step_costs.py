"""A step of a series costs what its patch changed: what the bisect checks read of a file's
symbols comes from the region parts that differ, include closures are walked again only
when a series file's includes change, and the AS005 bound is not re-read per state. Each
shortcut is checked against the whole-file computation it replaces, and by counting work."""

from __future__ import annotations

from collections import Counter

import pytest

from reviewtool.analysis.asserts import sites as assert_sites
from reviewtool.analysis.symbols.parts import PartsView, changed_names, use_delta, word_delta
from reviewtool.analysis.symbols.state import file_symbols
from reviewtool.analysis.symbols.store import SymbolStore
from reviewtool.analysis.tree_view import Reach, TreeView, tree_views
from reviewtool.checks import asserts as assert_checks
from reviewtool.checks.base import FileContext, Memo
from reviewtool.checks.bisect.history import SymbolCheck, series_views
from reviewtool.csyntax import FactsCache
from reviewtool.model import FileState
from reviewtool.resources import default_rules
from tests.builders import series, snapshot
from tests.test_symbol_store import BASE as BASE_MM
from tests.test_symbol_store import BREAKERS, HELPER, states

SHADOWING = "\nstatic int shadow(int (*foo)(int), int x)\n{\n\treturn foo(x) + bar(x);\n}\n"
STATIC = "\nstatic void lonely_helper(void)\n{\n}\n"


def _unshadowed(table) -> Counter:
    return Counter(use.name for use in table.calls if not table.shadowed(use))


def _kinds(table, name: str) -> list[tuple]:
    return [(p.kind, p.arity, p.is_static, p.is_inline) for p in table.provides.get(name, ())]


def _shapes(table) -> Counter:
    return Counter((use.name, use.function, use.args) for use in table.calls)


@pytest.mark.parametrize(
    ("path", "snippets"),
    [("mm/rmap.c", (HELPER, SHADOWING, STATIC)), ("mm/vma.c", (HELPER, SHADOWING, *BREAKERS))],
)
def test_part_deltas_are_the_whole_file_differences(path, snippets) -> None:
    cache = FactsCache(capacity=4)
    store = SymbolStore()
    previous = None
    compared = 0
    for state in states(path, 8, seed=len(path) + 1, snippets=snippets):
        whole = file_symbols(state, cache.facts(state))
        view = store.symbols(state, cache.facts)
        if previous is not None:
            old_whole, old_view = previous
            calls = use_delta(old_view, view, lambda use: use[0], shadowing=True)
            shapes = use_delta(old_view, view, lambda use: (use[0], use[2], use[3]))
            words = word_delta(old_view, view)
            names = changed_names(old_view, view)
            if not isinstance(view, PartsView) or not isinstance(old_view, PartsView):
                assert calls is shapes is words is names is None  # read whole: no shortcut
            else:
                compared += 1
                expected = _unshadowed(whole)
                expected.subtract(_unshadowed(old_whole))
                assert +calls == +expected and -calls == -expected
                assert +shapes == _shapes(whole) - _shapes(old_whole)
                expected_words = Counter(whole.words)
                expected_words.subtract(old_whole.words)
                assert +words == +expected_words and -words == -expected_words
                for name in set(whole.provides) | set(old_whole.provides) | set(whole.words):
                    if name in names:
                        continue  # outside the changed names, nothing of a name differs
                    assert _kinds(whole, name) == _kinds(old_whole, name)
                    assert whole.references(name) == old_whole.references(name)
                    assert (name in whole.unused_marked) == (name in old_whole.unused_marked)
        previous = (whole, view)
    assert compared >= 2  # the shortcut was taken


def _views(texts: list[str], base: dict[str, str]) -> list[TreeView]:
    snaps = [
        snapshot(k, {"mm/rmap.c": text}, touched=["mm/rmap.c"]) for k, text in enumerate(texts)
    ]

    def base_file(path: str) -> FileState | None:
        return FileState(path, base[path]) if path in base else None

    return tree_views(snaps, FactsCache().facts, base_file, Memo().get)


BASE_HEADERS = {
    "include/linux/mm.h": "#include <linux/mm_types.h>\nint folio_mapcount(struct folio *);\n",
    "include/linux/mm_types.h": "#define VM_NONE 0\n",
    "include/linux/other.h": "void other_helper(void);\n",
}
RMAP = (
    "#include <linux/mm.h>\n\nint f(struct folio *folio)\n{\n\treturn folio_mapcount(folio);\n}\n"
)


def test_an_include_closure_is_walked_again_only_when_includes_change() -> None:
    texts = [RMAP, RMAP + STATIC, RMAP + STATIC + HELPER, "#include <linux/other.h>\n" + RMAP]
    views = _views(texts, BASE_HEADERS)
    closures = [view.closure("mm/rmap.c") for view in views]
    reach: Reach = views[0]._reach
    assert reach.computed == 2  # the first state, and the one that includes another header
    assert (
        closures[0]
        == closures[1]
        == closures[2]
        == ("include/linux/mm.h", "include/linux/mm_types.h")
    )
    assert closures[3][0] == "include/linux/other.h"
    alone = _views(texts, BASE_HEADERS)  # each view walks its own closure: the same answers
    for shared, view in zip(views, alone, strict=True):
        view._reach = Reach()
        assert view.closure("mm/rmap.c") == shared.closure("mm/rmap.c")
        for name in ("folio_mapcount", "VM_NONE", "other_helper", "f"):
            assert view.visible("mm/rmap.c", name) == shared.visible("mm/rmap.c", name)
            assert shared.sees("mm/rmap.c", name) == bool(view.visible("mm/rmap.c", name))


def _context(text: str) -> FileContext:
    from reviewtool.csyntax import parse_file

    state = FileState("mm/demo.c", text)
    return FileContext(state.path, state, parse_file(state.path, text), default_rules(), Memo())


def test_the_assert_bound_is_read_only_when_the_calls_can_reach_it(monkeypatch) -> None:
    body = "".join(f"\tBUG_ON(p == {i});\n" for i in range(4))
    text = f"void demo(int *p)\n{{\n{body}}}\n"
    walks = []
    real = assert_checks.find_asserts
    monkeypatch.setattr(assert_checks, "find_asserts", lambda *a: walks.append(1) or real(*a))
    monkeypatch.setattr(assert_sites, "MAX_SITES", 5)
    assert list(assert_checks.AssertsNotChecked().run(_context(text))) == []
    assert walks == []  # four calls to an assert macro cannot reach a bound of five
    monkeypatch.setattr(assert_sites, "MAX_SITES", 4)
    assert len(list(assert_checks.AssertsNotChecked().run(_context(text)))) == 1
    assert walks == [1]


def test_unused_static_reads_only_the_names_a_step_changed(monkeypatch) -> None:
    from reviewtool.checks.bisect.unused_static import UnusedStatic

    statics = "".join(f"\nstatic int helper_{i}(void)\n{{\n\treturn {i};\n}}\n" for i in range(12))
    users = (
        "\nint user(void)\n{\n\treturn " + " + ".join(f"helper_{i}()" for i in range(12)) + ";\n}\n"
    )
    texts = [statics + users, statics + users + STATIC]
    views = _views(texts, {"mm/rmap.c": texts[0]})  # a real base: the file is whole
    asked: list[str] = []
    real = PartsView.references
    monkeypatch.setattr(
        PartsView, "references", lambda self, name: asked.append(name) or real(self, name)
    )
    found = list(UnusedStatic()._step(series(), views, 1))
    assert [f.location.function for f in found] == ["lonely_helper"]
    assert set(asked) == {"lonely_helper"}  # not the twelve helpers the step left alone


@pytest.mark.parametrize("path", ["mm/rmap.c", "mm/vma.c"])
def test_a_functions_only_parse_has_the_functions_of_a_whole_one(path) -> None:
    whole, lean = FactsCache(capacity=4), FactsCache(capacity=4, functions_only=True)
    for state in states(path, 6, seed=3, snippets=(HELPER, SHADOWING, *BREAKERS)):
        full, functions = whole.facts(state), lean.facts(state)
        assert functions.calls == functions.comments == functions.declarations == ()
        assert [_function(fn) for fn in functions.functions] == [
            _function(fn) for fn in full.functions
        ]
    assert lean.incremental == whole.incremental > 0  # parsed from the previous state alike


def _function(fn) -> tuple:
    return (fn.name, fn.start_line, fn.end_line, fn.body_line, fn.error_count, fn.error_lines)


def test_bs003_looks_for_a_name_in_headers_only_when_a_later_patch_can_provide_it(
    monkeypatch,
) -> None:
    from reviewtool.analysis.tree_view import TreeView as View
    from reviewtool.checks.bisect.used_before_defined import UsedBeforeDefined
    from tests.bisect_support import run_checks
    from tests.test_bisect import BASE, FAULT_C, with_call, with_helper

    looked: list[str] = []
    real = View.sees
    monkeypatch.setattr(View, "sees", lambda v, p, n: looked.append(n) or real(v, p, n))
    # 1/2 calls two names no header has: only the one 2/2 defines is looked for
    steps = [
        {"mm/memory.c": with_call(with_call(FAULT_C), "never_defined(vmf);")},
        {"mm/memory.c": with_helper(with_call(with_call(FAULT_C), "never_defined(vmf);"))},
    ]
    found = run_checks(BASE, steps, [UsedBeforeDefined()])
    assert [(f.code, f.location.patch, f.key.split("|")[-1]) for f in found] == [
        ("BS003", 1, "do_read_fault_check")
    ]
    assert "never_defined" not in looked and "do_read_fault_check" in looked


def test_the_bisect_checks_build_no_whole_symbol_table_of_a_state_kept_by_parts() -> None:
    """Each step reads what its parts changed: no state's provides, calls or words are
    built whole (every check walking every step would otherwise build them again)."""
    from reviewtool.checks import bisect
    from tests.bisect_support import make_series

    text = (BASE_MM / "rmap.c").read_text()
    cut = text.index("\n}\n\n", len(text) // 2) + 3
    steps = [
        {"mm/rmap.c": text[:cut] + STATIC + text[cut:]},
        {"mm/rmap.c": text[:cut] + STATIC + HELPER + text[cut:]},
    ]
    made, snapshots, tree = make_series({"mm/rmap.c": text}, steps)
    memo = Memo(across_states=True)
    cache = FactsCache()
    from reviewtool.checks.base import SeriesContext

    def base_file(path: str) -> FileState | None:
        found = tree.read(path)
        return FileState(path, found) if found is not None else None

    for before, after in zip(snapshots, snapshots[1:], strict=False):
        SymbolCheck.observe_step(before, after, cache.facts, memo)
    ctx = SeriesContext(made, tuple(snapshots), (), default_rules(), cache.facts, memo, base_file)
    found = [f for check in bisect.CHECKS if check.scope == "series" for f in check.run(ctx)]
    unused = [(f.location.patch, f.location.function) for f in found if f.code == "BS004"]
    assert unused == [(1, "lonely_helper"), (2, "bench_helper")]  # each step's new static
    views = [view.symbols("mm/rmap.c") for view in series_views(ctx)]
    assert all(isinstance(view, PartsView) for view in views)
    built = {
        name for view in views for name in ("provides", "calls", "words") if name in vars(view)
    }
    assert built == set()


def test_seeing_a_name_reads_headers_only_until_one_provides_it() -> None:
    base = {
        "include/linux/a.h": "#include <linux/b.h>\nvoid wanted(void);\n",
        "include/linux/b.h": "/* wanted() lives in a.h */\nvoid other(void);\n",
    }
    view = _views(["#include <linux/a.h>\n" + RMAP], base)[0]
    parsed: list[str] = []
    real = view._computed_provides
    view._computed_provides = lambda path: parsed.append(path) or real(path)  # type: ignore[method-assign]
    assert view.sees("mm/rmap.c", "wanted")
    assert parsed == ["include/linux/a.h"]  # b.h mentions it too, but a.h answered first
    assert [p.path for p in view.visible("mm/rmap.c", "wanted")] == ["include/linux/a.h"]


@pytest.mark.parametrize(("call", "headers"), [("wanted(1)", 1), ("wanted(1, 2)", 2)])
def test_argument_counts_read_every_header_only_when_a_call_disagrees(call, headers) -> None:
    from reviewtool.checks.bisect.argument_count import _mismatches

    base = {
        "include/linux/a.h": "#include <linux/b.h>\nvoid wanted(int x);\n",
        "include/linux/b.h": "void wanted(int x);\n",
    }
    text = "#include <linux/a.h>\n\nint f(void)\n{\n\t" + call + ";\n\treturn 0;\n}\n"
    view = _views([text], base)[0]
    parsed: list[str] = []
    real = view._computed_provides
    view._computed_provides = lambda path: parsed.append(path) or real(path)  # type: ignore[method-assign]
    found = _mismatches(view, "mm/rmap.c", {"wanted"})
    assert len(set(parsed)) == headers  # (a header read twice is parsed once)
    assert [use.args for use in found.get("wanted", [])] == ([2] if headers == 2 else [])
