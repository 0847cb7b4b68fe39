"""What a call site does beyond the lock primitives: cleanup.h guards (`guard()`, `CLASS()`,
`scoped_guard`) and the summaries of the functions it calls (for a callee that acts by the
sign of its result, each outcome)."""

from __future__ import annotations

import re
from dataclasses import replace

from reviewtool.analysis.cfg import Node
from reviewtool.analysis.locks.ops import LockOps
from reviewtool.analysis.locks.rules import unlocking_name as _unlocking
from reviewtool.analysis.locks.state import (
    RETURNED,
    Effect,
    State,
    _substitute,
    contract_key,
    lvalue_key,
    nonpositive_key,
    sign_key,
)
from reviewtool.analysis.locks.variants import outcomes
from reviewtool.csyntax.ir import Expr


class CallSites(LockOps):
    """Guards and summarised callees, on top of the lock operations."""

    def guard_call(self, state: State, expr: Expr) -> list[State]:
        inner = expr.children[0]
        if not inner.children:
            return [state]
        guard_type = inner.children[0].text
        acquire = self.table.guards.get(guard_type)
        rule = self.table.acquires.get(acquire or "")
        if rule is None:
            return [state]
        scope = self.node.scopes[-1] if self.node.scopes else 0
        return self.acquire(state, rule, expr, None, scope=scope or -1, args=expr.children[1:])

    def scoped_guard(self, node: Node, state: State) -> list[tuple[int, State]]:
        guard = node.expr
        true_edges = [t for t, label in node.succ if label is True]
        false_edges = [t for t, label in node.succ if label is False]
        if guard is None or not guard.children:
            return [(t, state) for t in true_edges]
        guard_type = guard.children[0].text
        conditional = guard_type in self.table.cond_guards
        acquire = (self.table.cond_guards if conditional else self.table.guards).get(guard_type)
        rule = self.table.acquires.get(acquire or "")
        args = guard.children[2:] if conditional else guard.children[1:]
        taken = [state]
        if rule is not None:
            plain = replace(rule, acquired_when="")
            taken = self.acquire(state, plain, guard, None, scope=node.scope, args=args)
        out = [(t, s) for t in true_edges for s in taken]
        if conditional:
            out.extend((t, state) for t in false_edges)
        return out

    def apply_summary(
        self,
        state: State,
        expr: Expr,
        summary: tuple[Effect, ...],
        assigned: str | None,
        truth: bool | None = None,
        negative: bool | None = None,
        positive: bool | None = None,
    ) -> list[State]:
        """The callee's effects; with `truth` (and `negative`, `positive`: the sign), the
        result it returned: its effects that only happen for such a result
        (`acquired_when`) too."""
        for effect in summary:
            if effect.op in ("returns", "pure", "variant"):
                continue  # "returns": applied once the result is assigned (effects.assign)
            if self.defer_returned and RETURNED in effect.template:
                continue
            if effect.acquired_when == "nonnegative":
                if negative is not False:
                    continue
            elif effect.acquired_when == "nonpositive":
                if positive is None:  # the result untested: maybe dropped
                    state = self._maybe_released(state, expr, effect, assigned)
                if positive is not False:
                    continue
            elif effect.acquired_when and (
                truth is None or (effect.acquired_when == "zero") == truth
            ):
                if truth is None and effect.op == "release":
                    state = self._maybe_released(state, expr, effect, assigned)
                continue
            text = _substitute(effect.template, expr.children, assigned)
            if text is None:
                continue
            if effect.op == "acquire":
                rule = self.table.acquires.get(effect.fn)
                via = contract_key(expr.name, effect) if effect.unconfirmed else ""
                plain = replace(rule, acquired_when="") if rule else None
                state = self.take(state, effect.cls, text, effect.fn, plain, via=via)
            elif not self._known_null(state, effect.template, expr.children):
                state = self.release(state, effect.cls, text, effect.fn, certain=False)
        if _unlocking(expr.name) and all(e.op == "release" and not e.template for e in summary):
            # `raw_spin_rq_unlock_irq(rq)`: named for unlocking, its summary only restores a
            # context (it unlocks through a function its file does not define, which the
            # summary cannot see): it releases the held lock it is given, as an unknown
            # callee so named does (ops.py `_unlocking_callee`)
            state = self._unlocking_callee(state, expr)
        return self._variants([state], expr, summary, assigned)

    def _variants(
        self, states: list[State], expr: Expr, summary: tuple[Effect, ...], assigned: str | None
    ) -> list[State]:
        """The callee may have traded the lock for another variant and says so through a
        flag the caller passed (variants.py): both outcomes."""
        for effect in summary:
            if effect.op != "variant":
                continue
            text = _substitute(effect.template, expr.children, assigned)
            if text is None:
                continue
            states = [
                o
                for s in states
                for o in outcomes(s, expr, effect, self._match(s, effect.cls, text))
            ]
        return states

    def _maybe_released(
        self, state: State, expr: Expr, effect: Effect, assigned: str | None
    ) -> State:
        """A callee releasing its caller's lock for some results, the result untested
        (`ext4_journal_ensure_credits_fn(..., restart_fn(inode, &dropped))`, which says
        so through `dropped`): that lock may be dropped, so taking it again after the call
        is retaking the caller's lock, not a lock of this function's own. A lock held
        here stays held: which results release it, nothing here asks."""
        text = _substitute(effect.template, expr.children, assigned)
        if text is None or self._match(state, effect.cls, text) is not None:
            return state
        return self.release(state, effect.cls, text, effect.fn, certain=False)

    @staticmethod
    def _known_null(state: State, template: str, args: tuple[Expr, ...]) -> bool:
        """The argument the effect hangs off is known NULL here (`unlock_cluster(ci)` with
        ci NULL releases nothing)."""
        match = re.search("\x00(\\d+)\x00", template)
        if match is None or int(match.group(1)) >= len(args):
            return False
        key = lvalue_key(args[int(match.group(1))])
        return key is not None and state.fact(key) is False

    def _signed_outcomes(
        self, state: State, expr: Expr, summary: tuple[Effect, ...], assigned: str | None
    ) -> list[tuple[State, bool]]:
        """A callee held iff its result is >= 0: (state, result negative) for each outcome,
        with `assigned < 0` noted (a negative errno is nonzero too)."""
        outs = []
        for negative in (True, False):
            truth = True if negative else None
            for s in self.apply_summary(state, expr, summary, assigned, truth, negative):
                if assigned is not None:
                    s = s.with_fact(sign_key(assigned), negative)
                    s = s.with_fact(assigned, True) if negative else s
                outs.append((s, negative))
        return outs

    def _positive_outcomes(
        self, state: State, expr: Expr, summary: tuple[Effect, ...], assigned: str
    ) -> list[State]:
        """A callee that releases a lock iff its result is <= 0: both outcomes, with
        `assigned <= 0` noted (and, where > 0, nonzero and not negative)."""
        outs = []
        for positive in (False, True):
            for s in self.apply_summary(state, expr, summary, assigned, positive=positive):
                s = s.with_fact(nonpositive_key(assigned), not positive)
                if positive:
                    s = s.with_fact(assigned, True).with_fact(sign_key(assigned), False)
                outs.append(s)
        return outs
