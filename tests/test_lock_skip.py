"""locks/skip.py: a function with no lock work gets, without lowering its expressions, the
result the analysis gives it; every other function is left to the analysis."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtool.analysis import cfg as cfg_module
from reviewtool.analysis.functions import Inputs
from reviewtool.analysis.locks import PURE, analyse_file
from reviewtool.analysis.locks.skip import LockFree, shallow
from reviewtool.csyntax import parse_file
from reviewtool.resources import default_rules
from tests.corpus import corpus_dir

FIXTURES = Path(__file__).parent / "fixtures" / "locks"


def _both(path: str, text: str) -> list[tuple[str, object, object]]:
    """(name, the skip's result or None, the analysis' result) for every function."""
    rules = default_rules()
    facts = parse_file(path, text, rules)
    locks = analyse_file(facts, rules)
    skip = LockFree(facts, locks.table, rules)
    out = []
    for index, fn in enumerate(locks._known):
        light = skip.result(fn, lambda name, i=index: locks._visible(i, name))
        full = locks._compute(index, Inputs(lambda name, i=index: locks._visible(i, name)))
        out.append((fn.name, light, full))
    return out


def _agree(files: list[Path]) -> tuple[int, int]:
    skipped = analysed = 0
    for path in files:
        for name, light, full in _both(str(path), path.read_text(errors="surrogateescape")):
            if light is None:
                analysed += 1
                continue
            skipped += 1
            assert light == full, f"{path}:{name}"
    return skipped, analysed


def test_fixtures_leave_lock_work_to_the_analysis():
    skipped, analysed = _agree(sorted(FIXTURES.glob("*.c")))
    assert analysed > 100 and skipped < analysed  # the fixtures are about locks


@pytest.mark.corpus
def test_corpus_subset_skips_with_the_same_results():
    subset = corpus_dir() / "linux-6.12-subset"
    files = sorted((subset / "mm").glob("*.c"))[:12] + sorted((subset / "kernel").rglob("*.c"))[:12]
    skipped, analysed = _agree(files)
    assert skipped > 1000 and analysed > 500  # most kernel functions take no lock


def test_lock_work_through_a_same_file_callee_is_not_skipped():
    text = """
static void drop(struct s *s) { spin_unlock(&s->lock); }
static void outer(struct s *s) { helper(s); drop(s); }
static int plain(int a) { int b = a * 2; b += 1; return b; }
"""
    results = {name: (light, full) for name, light, full in _both("a.c", text)}
    assert results["outer"][0] is None and results["outer"][1].analysed
    assert results["drop"][0] is None  # spin_unlock: a token of the table
    light, full = results["plain"]
    assert light is not None and light == full and not full.analysed


def test_scoped_guard_and_annotations_are_lock_work():
    text = """
static void g(struct s *s) { scoped_guard(spinlock, &s->lock) { s->n++; } }
static void a(struct s *s) __releases(&s->lock) { s->n--; s->m++; }
"""
    assert all(light is None for _, light, _ in _both("g.c", text))


def test_a_pure_predicate_and_an_empty_body_are_left_to_the_analysis():
    text = "static int busy(struct s *s) { return s->n > 0 && s->m; }\n"
    text += "static void flush_unlock(struct s *s) { }\n"
    for _, light, full in _both("p.c", text):
        assert light is None and full.summary == (PURE,)


def test_nesting_past_the_proven_depth_is_left_to_the_analysis():
    deep = "(" * 150 + "a" + ")" * 150
    text = f"static int d(int a) {{ int x = {deep}; x++; return x; }}\n"
    [(name, light, full)] = _both("d.c", text)
    assert light is None
    shallow_text = "static int d(int a) { int x = ((a)); x++; return x; }\n"
    [(name, light, full)] = _both("d.c", shallow_text)
    assert light is not None and light == full


def test_node_bound_gives_the_same_budget_result(monkeypatch):
    monkeypatch.setattr(cfg_module, "MAX_NODES", 5)
    body = " ".join(f"x += {n};" for n in range(20))
    [(name, light, full)] = _both("n.c", f"static int n(int x) {{ {body} return x; }}\n")
    assert light is not None and light.budget_exceeded and light == full


def _depth(node) -> int:
    return 1 + max((_depth(child) for child in node.children), default=-1)


def test_shallow_agrees_with_the_tree_depth():
    rules = default_rules()
    for path in sorted(FIXTURES.glob("*.c"))[:6]:
        facts = parse_file(str(path), path.read_text(), rules)
        for fn in facts.functions:
            depth = _depth(fn.node)
            for limit in (depth - 1, depth, depth + 3):
                assert shallow(fn.node, limit) == (depth <= limit), (path, fn.name, limit)
