"""What a function's calls do with locks, read before the dataflow: whether it has lock
work at all, the classes and contexts its calls take and release, and which callees are
side-effect-free predicates (one `return`) worth asking about."""

from __future__ import annotations

from reviewtool.analysis.cfg import CFG
from reviewtool.analysis.locks.facts import (
    _PURE_PREDICATES,
    _TRANSPARENT,
    _has_effects,
    _see_through,
    _ternary_conditions,
)
from reviewtool.analysis.locks.rules import LockTable
from reviewtool.analysis.locks.state import Effect
from reviewtool.csyntax.ir import Expr


def _has_lock_work(cfg: CFG, table: LockTable, summaries: dict[str, tuple[Effect, ...]]) -> bool:
    names = table.lock_calls
    for node in cfg.nodes:
        if node.kind == "guard":
            return True
        if node.expr is not None and _mentions(node.expr, names, summaries):
            return True
    return False


def call_names(cfg: CFG) -> frozenset[str]:
    """The names of every function `cfg` calls (one walk, shared by what reads calls)."""
    found: set[str] = set()
    for node in cfg.nodes:
        stack = [node.expr] if node.expr is not None else []
        while stack:
            expr = stack.pop()
            if expr.kind == "call":
                found.add(expr.name)
            stack.extend(expr.children)
    return frozenset(found)


def _release_classes(
    calls: frozenset[str], table: LockTable, summaries: dict[str, tuple[Effect, ...]]
) -> frozenset[str]:
    """The lock classes this function releases somewhere (directly or through a callee)."""
    found: set[str] = set()
    for name in calls:
        rule = table.releases.get(name)
        if rule is not None:
            found.add(rule.cls)
        found.update(e.cls for e in summaries.get(name, ()) if e.op == "release")
    return frozenset(found)


def _mentions(expr: Expr, names: set[str], summaries: object = ()) -> bool:
    """A call to one of `names` or to a summarised function (asked name by name: summaries
    are read through reviewtool.analysis.functions.Inputs, which records each name)."""
    stack = [expr]
    while stack:
        current = stack.pop()
        if current.kind == "call" and (
            current.name in names or _effectful(summaries.get(current.name))  # type: ignore[attr-defined]
        ):
            return True
        stack.extend(current.children)
    return False


def context_calls(
    calls: frozenset[str], table: LockTable, summaries: dict[str, tuple[Effect, ...]], op: str
) -> frozenset[str]:
    """The contexts (irq, bh) this function disables (`op` "acquire") or restores ("release")
    anywhere: through a lock variant, local_irq_save() and the like, or a summarised callee."""
    rules = table.acquires if op == "acquire" else table.releases
    found: set[str] = set()
    for name in calls:
        rule = rules.get(name)
        if rule is not None:
            found.add(rule.context or rule.cls)
        found.update(e.cls for e in summaries.get(name, ()) if e.op == op)
    return frozenset(found & {"irq", "bh"})


def _effectful(summary: tuple[Effect, ...] | None) -> bool:
    """A summary that does something to locks (not only "pure": a predicate's)."""
    return bool(summary) and any(e.op != "pure" for e in summary)  # type: ignore[union-attr]


def pure_predicate(cfg: CFG) -> bool:
    """Whether the function is one side-effect-free `return`: its answer depends on what
    it is given and reads, so two calls with the same arguments in one function agree, as
    two tests of the same comparison do (`hub_is_superspeed(hdev)`, `rcu_init_invoked()`).
    An empty body is one too: a stub that does nothing (`flush_dcache_mmap_unlock()` of
    include/asm-generic/cacheflush.h) releases nothing its name suggests."""
    with_expr = [n for n in cfg.nodes if n.expr is not None]
    if not with_expr:
        return cfg.complete and not cfg.too_deep
    if len(with_expr) != 1 or with_expr[0].kind != "return":
        return False
    stack = [with_expr[0].expr]
    while stack:
        current = stack.pop()
        if (
            current.kind in ("assign", "comma")
            or current.kind == "unary"
            and current.name
            in (
                "++",
                "--",
            )
        ):
            return False
        if current.kind == "call" and current.name not in _TRANSPARENT | _PURE_PREDICATES:
            return False
        stack.extend(current.children)
    return True


def tested_twice(cfg: CFG) -> set[str]:
    """Functions whose call, with the same effect-free arguments, more than one condition
    tests: those whose purity is worth asking about."""
    seen: dict[str, set[str]] = {}
    repeated: set[str] = set()
    for node in cfg.nodes:
        conditions = [node.expr] if node.kind == "branch" and node.expr is not None else []
        if node.expr is not None:
            conditions.extend(_ternary_conditions(node.expr))
        for condition in conditions:
            stack = [condition]
            while stack:
                current = stack.pop()
                if current.kind in ("unary", "binary") or _see_through(current):
                    stack.extend(current.children)
                elif current.kind == "call" and not any(_has_effects(c) for c in current.children):
                    texts = seen.setdefault(current.name, set())
                    if current.text in texts:
                        repeated.add(current.name)
                    texts.add(current.text)
    return repeated - _PURE_PREDICATES
