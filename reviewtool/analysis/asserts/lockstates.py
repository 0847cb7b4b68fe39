"""Lock states at lock asserts (AS003): what the lock analysis knows at each
`lockdep_assert_held`-style site."""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from reviewtool.analysis.asserts.sites import AssertSite, normalise, strip_address
from reviewtool.analysis.asserts.vocabulary import AssertRules, load_rules
from reviewtool.csyntax import FileFacts, Function
from reviewtool.resources import Rules, default_rules

if TYPE_CHECKING:
    from reviewtool.analysis.cfg import CFG


@dataclass(frozen=True)
class LockView:
    """What the lock analysis knows at one lock assert: one entry per abstract state reaching
    it, each the locks held (name, acquiring function, line, taken by the caller) and the
    locks this function released before it (name, line)."""

    held: tuple[tuple[tuple[str, str, int, bool], ...], ...]
    released: tuple[tuple[tuple[str, int], ...], ...]
    previous_lines: frozenset[int]  # lines of the statements right before the assert


def lock_name(cls: str, expr: str, vocabulary: AssertRules) -> str:
    """The lock a (class, expression) of the lock analysis stands for, spelt as asserts name
    it: ("mm: mmap_lock", "mm") -> "mm->mmap_lock"; ("spinlock", "&x->lock") -> "x->lock"."""
    template = vocabulary.lock_classes.get(cls)
    stripped = strip_address(expr)
    if template is None:
        return stripped
    try:
        return normalise(template.format(stripped))
    except (IndexError, KeyError, ValueError):
        return stripped


def _split_ident(ident: str) -> tuple[str, str]:
    cls, _, expr = ident.rpartition(":")
    return cls, expr


def lock_views(
    facts: FileFacts,
    sites: list[AssertSite],
    file_locks: Any,
    rules: Rules | None = None,
) -> dict[tuple[str, int], LockView]:
    """The lock states reaching each lock-assert site, keyed by (function, line).

    Computed with the lock analysis' public pieces: the function's CFG is built again with
    the assert's statement turned into an exit, and `analyse_function` (with the same-file
    summaries of `file_locks`, read name by name) reports the states at that exit.
    Functions the analysis skipped (no lock work, over budget) have no entry."""
    from reviewtool.analysis import cfg as cfg_module
    from reviewtool.analysis import locks
    from reviewtool.analysis.functions import Inputs
    from reviewtool.csyntax.ir import lower_function

    rules = rules or default_rules()
    vocabulary = load_rules(rules)
    table = locks.lock_table(rules, facts.path)
    summaries = Inputs(file_locks.first_summary)
    by_function: dict[str, list[AssertSite]] = {}
    for site in sites:
        by_function.setdefault(site.function, []).append(site)
    views: dict[tuple[str, int], LockView] = {}
    for fn in facts.functions:
        if fn.name not in by_function:
            continue
        analysed = file_locks.result(fn) or file_locks.first_result(fn.name)
        if analysed is None or not analysed.analysed or analysed.budget_exceeded:
            continue
        try:
            lowered = lower_function(facts.source, fn, rules)
        except RecursionError:
            continue
        for site in by_function[fn.name]:
            graph = cfg_module.build_cfg(lowered, rules)
            view = _view_at(graph, site, fn, table, summaries, vocabulary, locks)
            if view is not None:
                views[(fn.name, site.line)] = view
    return views


def _view_at(
    graph: CFG,
    site: AssertSite,
    fn: Function,
    table: Any,
    summaries: Any,
    vocabulary: AssertRules,
    locks: ModuleType,
) -> LockView | None:
    targets = [
        node
        for node in graph.nodes
        if node.kind == "stmt" and node.line == site.line and _calls(node.expr, site.macro.name)
    ]
    if not targets:
        return None
    ids = {node.id for node in targets}
    previous = frozenset(
        node.line for node in graph.nodes if any(target in ids for target, _ in node.succ)
    )
    for node in targets:
        node.kind, node.succ = "end", []
    result = locks.analyse_function(graph, table, summaries, fn.annotations)
    if not result.analysed or result.budget_exceeded:
        return None
    states = [exit_.state for exit_ in result.exits if exit_.line == site.line]
    if not states:
        return None
    held = tuple(
        tuple(
            (lock_name(_split_ident(h.ident)[0], h.expr, vocabulary), h.fn, h.line, h.entry)
            for h in state.held
        )
        for state in states
    )
    released = tuple(
        tuple(
            (lock_name(*_split_ident(entry[0]), vocabulary), entry[2])
            for entry in state.released  # (ident, the caller's, line released, ...)
        )
        for state in states
    )
    return LockView(held, released, previous)


def _calls(expr: Any, name: str) -> bool:
    """True when the IR expression is, or contains, a call to `name`."""
    stack = [expr] if expr is not None else []
    while stack:
        current = stack.pop()
        if current.kind == "call" and current.name == name:
            return True
        stack.extend(current.children)
    return False
