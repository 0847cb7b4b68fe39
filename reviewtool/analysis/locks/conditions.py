"""How a condition splits a state in the lock dataflow: each outcome with the truth the
condition had there, from what the state knows (flags, signs, masks, equal pointers, held
locks) and from what the calls in it do (trylocks, conditional callee summaries)."""

from __future__ import annotations

from dataclasses import replace

from reviewtool.analysis.locks import context
from reviewtool.analysis.locks.effects import Effects
from reviewtool.analysis.locks.facts import (
    _ERROR_POINTERS,
    _TRANSPARENT,
    ERROR_TESTS,
    WARN_FORMATS,
    _atom,
    error_value,
)
from reviewtool.analysis.locks.masks import mask_key, mask_test, masks_decide, noted
from reviewtool.analysis.locks.rules import _LOCK_POINTER_CLASSES
from reviewtool.analysis.locks.state import (
    RETURNED,
    State,
    _rebase,
    base_variable,
    lvalue_key,
    nonpositive_key,
    sign_key,
)
from reviewtool.csyntax.ir import Expr


class Conditions(Effects):
    """The conditions of one function's dataflow (flow._Analysis runs them)."""

    pure: frozenset[str]  # callees that are side-effect-free predicates (tested twice here)

    def condition(
        self, state: State, expr: Expr | None, returning: bool = False
    ) -> list[tuple[State, bool | None]]:
        """The states after evaluating `expr`, each with the truth it had (None: unknown, only
        when `returning`: a value returned whose truth nothing decides)."""
        if expr is None:
            return [(state, True)]
        kind = expr.kind
        if kind == "const":
            return [(state, bool(expr.value))] if expr.value is not None else self._both(state)
        key = lvalue_key(expr)
        if key is not None:
            value = state.fact(key)
            if value is not None:
                return [(state, value)]
            locked_through = any(base_variable(h.expr) == key for h in state.held)
            if returning:
                return [(state, True if locked_through else None)]
            if any(h.expr == key and h.ident.split(":", 1)[0] in _LOCK_POINTER_CLASSES
                   for h in state.held):  # fmt: skip
                # the pointer to a lock it holds (`if (aux_mutex) mutex_unlock(aux_mutex);`):
                # "did we take it", not NULL (an owner object tested after locking through it
                # may be a real early return, so it still splits)
                return [(state.with_fact(key, True), True)]
            if key in self.flags:
                return [(state.with_fact(key, True), True), (state.with_fact(key, False), False)]
            return self._both(state)
        if kind == "call" and expr.name in _ERROR_POINTERS:
            return [(state, False)]  # `return ERR_PTR(-ENODEV);`: a failure, as NULL is
        if (
            kind == "unary" and expr.name == "!" or kind == "call" and expr.name in ERROR_TESTS
        ) and expr.children:
            return [
                (s, None if t is None else not t)
                for s, t in self.condition(state, expr.children[0], returning)
            ]
        if kind == "binary" and expr.name in ("&&", "||") and len(expr.children) == 2:
            return self._logical(state, expr)
        if kind == "call" and expr.name in _TRANSPARENT and len(expr.children) == 1:
            return self.condition(state, expr.children[0], returning)
        if kind == "call" and expr.name in WARN_FORMATS and expr.children:
            return self.condition(state, expr.children[0], returning)  # `WARN_ONCE(c, fmt)`
        if kind == "binary" and expr.name in ("<", ">=") and len(expr.children) == 2:
            signed = self._sign_test(state, expr)
            if signed is not None:  # `ret < 0` of a result known >= 0 or negative
                return signed
        if kind == "binary" and expr.name in ("<=", ">", "<", ">=") and len(expr.children) == 2:
            positive = self._positive_test(state, expr, returning)
            if positive is not None:  # `ret <= 0`, `count > 0`; `ret < 0` true: <= 0 too
                return positive
        if kind == "binary" and len(expr.children) == 2:
            zero_test = self._zero_test(expr)
            if zero_test is not None:
                operand, positive = zero_test
                return [
                    (s, None if t is None else t == positive)
                    for s, t in self.condition(state, operand, returning)
                ]
        if kind == "binary" and expr.name in ("==", "!=") and len(expr.children) == 2:
            compared = self._result_compared(state, expr)
            if compared is not None:  # `lock_obj(id) != obj`: where equal, obj's lock
                return compared
            decided = self._zero_against_nonzero(state, expr)
            if decided is not None:  # `ret == -EDEADLK` where ret is known 0
                return [(state, decided)]
            left, right = (c.text for c in expr.children)
            if (left, right) in state.aliases or (right, left) in state.aliases:
                return [(state, expr.name == "==")]  # `swapcache = folio; ... folio != swapcache`
            if self._both_held(state, expr):
                # `folio != swapcache` with both folios locked: equal, one lock would have
                # waited for itself
                return [(state, expr.name == "!=")]
            if self._names_held_owner(state, expr):
                # `if (locked_pool != caller_pool)`: where they are equal, a lock taken
                # through one is the other's
                equal = expr.name == "=="
                pair = tuple(sorted((left, right)))
                return [
                    (replace(s, aliases=tuple(sorted({*s.aliases, pair}))) if t is equal else s, t)
                    for s, t in self._compared(state, expr, returning)
                ]
        tested = self.table.context_tests.get(expr.name) if kind == "call" else None
        if tested in self.context_acquires and not returning:  # `if (!irqs_disabled())`
            return [(s, t) for s, t in context.tested(state, tested, self.node.line)]
        held_test = self.table.held_tests.get(expr.name) if kind == "call" else None
        if held_test is not None and not returning:  # `if (buffer_locked(bh))`
            return self.held_test(state, expr, held_test)
        masked = mask_test(expr) if kind == "binary" and expr.name == "&" else None
        if masked is not None and (mask := mask_key(*masked)) in self.flags:
            return self._masked(state, mask, masks_decide(state, *masked), returning)
        atom = _atom(expr, self.pure)
        if atom is not None and atom[0] in self.flags:
            return self._compared(state, expr, returning)
        if kind == "call":
            rule = self.table.acquires.get(expr.name)
            if rule is not None and rule.acquired_when:
                return self._conditional_acquire(state, expr, rule, None)
            summary = self._conditional_summary(expr)
            if summary is not None:
                return self._summary_condition(state, expr, summary)
            self.testing = True
            try:
                outs = self.effects(state, expr)
            finally:
                self.testing = False
            if returning:
                return [(s, None) for s in outs]
            return [(s, t) for s in outs for t in (True, False)]
        if kind == "assign" and expr.name == "=" and len(expr.children) == 2:
            target, value = expr.children
            outs = self.assign(state, target, value)
            return [(s, t) for o in outs for s, t in self.condition(o, target, returning)]
        outs = self.effects(state, expr)
        if returning:
            return [(s, None) for s in outs]
        return [(s, t) for s in outs for t in (True, False)]

    def _compared(
        self, state: State, expr: Expr, returning: bool
    ) -> list[tuple[State, bool | None]]:
        """A side-effect-free comparison: remembered when it is tested again, else both."""
        atom = _atom(expr, self.pure)
        if atom is None or atom[0] not in self.flags:
            return [(state, None)] if returning else self._both(state)
        key, positive = atom
        value = state.fact(key)
        if value is not None:
            return [(state, value == positive)]
        if returning:
            return [(state, None)]
        return [
            (state.with_fact(key, positive), True),
            (state.with_fact(key, not positive), False),
        ]

    @staticmethod
    def _masked(
        state: State, key: str, known: bool | None, returning: bool
    ) -> list[tuple[State, bool | None]]:
        """`x & M`: what the masks known of x decide (masks.py), else both, remembered (a
        test answered by a fact from before a call is taken as a test of x now)."""
        if known is not None:
            return [(noted(state, key, known), known)]
        if returning:
            return [(state, None)]
        return [(noted(state, key, True), True), (noted(state, key, False), False)]

    def _result_compared(self, state: State, expr: Expr) -> list[tuple[State, bool | None]] | None:
        """`f(...) != timer` where f returns, when it returns an object, holding that object's
        lock: where equal, the lock is `timer`'s (the callee's other effects first, as for
        `timer = f(...)`); where not, what the other object holds is nameless, as it is when
        nothing keeps the result."""
        call, other = expr.children
        if call.kind != "call":
            call, other = other, call
        summary = self._conditional_summary(call) if call.kind == "call" else None
        if summary is None or other.kind != "name" or state.fact(other.name) is False:
            return None
        returned = tuple(
            e for e in summary if RETURNED in e.template and e.acquired_when == "nonzero"
        )
        if not returned:
            return None
        equal = expr.name == "=="
        self.defer_returned = True
        try:
            called = self.effects(state, call)
        finally:
            self.defer_returned = False
        same = [
            (out, equal)
            for s in called
            for out in self.apply_summary(s, call, returned, other.name, True)
        ]
        return same + [(s, not equal) for s in self.effects(state, call)]

    @staticmethod
    def _both_held(state: State, expr: Expr) -> bool:
        """`a` and `b` each name a lock held as a lock of its own, the same lock of each
        (`&a->lock` and `&b->lock`, or the objects themselves): they are not equal."""
        left, right = expr.children
        if left.kind != "name" or right.kind != "name" or left.name == right.name:
            return False
        a, b = left.name, right.name
        idents = {h.ident for h in state.held if not h.stale}
        return any(
            base_variable(h.expr) == a
            and h.ident[: len(h.ident) - len(h.expr)] + _rebase(h.expr, a, b) in idents
            for h in state.held
            if not h.stale
        )

    @staticmethod
    def _names_held_owner(state: State, expr: Expr) -> bool:
        """`a == b` / `a != b` of two variables, one of which a held lock is named through."""
        left, right = expr.children
        if left.kind != "name" or right.kind != "name" or left.name == right.name:
            return False
        return any(base_variable(h.expr) in (left.name, right.name) for h in state.held)

    def _sign_test(self, state: State, expr: Expr) -> list[tuple[State, bool | None]] | None:
        """`x < 0` / `x >= 0` where the sign of x is known (a callee held iff its result is
        >= 0 said so), or of such a callee's result itself."""
        operand, zero = expr.children
        if zero.kind != "const" or zero.value != 0:
            return None
        less = expr.name == "<"
        key = lvalue_key(operand)
        if key is not None:
            negative = state.fact(sign_key(key))
            return None if negative is None else [(state, negative == less)]
        summary = self._conditional_summary(operand) if operand.kind == "call" else None
        if summary is None or not any(e.acquired_when == "nonnegative" for e in summary):
            return None
        outs = self._signed_outcomes(state, operand, summary, None)
        return [(s, negative == less) for s, negative in outs]

    def _positive_test(
        self, state: State, expr: Expr, returning: bool
    ) -> list[tuple[State, bool | None]] | None:
        """`x <= 0` / `x > 0` against what is known of x (<= 0, negative, zero), else both,
        remembered; `x < 0` / `x >= 0` where their truth is decided elsewhere, with x <= 0
        noted where x < 0 held (a callee released iff its result is <= 0 needs it)."""
        operand, zero = expr.children
        key = lvalue_key(operand)
        if key is None or zero.kind != "const" or zero.value != 0:
            return None
        fact = nonpositive_key(key)
        if fact not in self.flags:
            return None  # nothing reads it (facts.py `_signed`)
        if expr.name in ("<", ">="):
            if returning or state.fact(fact) is not None:
                return None
            less = expr.name == "<"  # errno style, as _zero_test reads it: < 0 is nonzero
            outs: list[tuple[State, bool | None]] = []
            for s, nonzero in self.condition(state, operand, returning):
                truth = None if nonzero is None else nonzero == less
                below = nonzero is True  # where x < 0 holds
                outs.append((s.with_fact(fact, True) if below else s, truth))
            return outs
        le = expr.name == "<="
        known = state.fact(fact)
        if known is None and (state.fact(sign_key(key)) or state.fact(key) is False):
            known = True  # negative, or zero
        if known is not None:
            return [(state, known == le)]
        if returning:
            return [(state, None)]
        return [(state.with_fact(fact, True), le), (state.with_fact(fact, False), not le)]

    @staticmethod
    def _zero_against_nonzero(state: State, expr: Expr) -> bool | None:
        for var, other in (expr.children, expr.children[::-1]):
            key = lvalue_key(var)
            nonzero = other.kind == "const" and other.value not in (None, 0)
            if key is None:
                continue
            if state.fact(key) is False and (nonzero or error_value(other)):
                return expr.name == "!="
            if state.fact(sign_key(key)) is False and error_value(other):
                return expr.name == "!="  # `ret == -EAGAIN` where ret is known >= 0
            if error_value(other):  # `ret != -EALREADY` where ret is known to be one error
                equal = next((v for k, v in state.facts if k == f"{key}=={other.text}"), None)
                if equal is None and any(v and k.startswith(f"{key}==-") for k, v in state.facts):
                    equal = False
                if equal is not None:
                    return equal == (expr.name == "==")
        return None

    @staticmethod
    def _both(state: State) -> list[tuple[State, bool | None]]:
        return [(state, True), (state, False)]

    def _logical(self, state: State, expr: Expr) -> list[tuple[State, bool | None]]:
        left, right = expr.children
        out: list[tuple[State, bool | None]] = []
        short = expr.name == "||"
        for s, t in self.condition(state, left):
            if t is short:
                out.append((s, t))
            else:
                out.extend(self.condition(s, right))
        return out
