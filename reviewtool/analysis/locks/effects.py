"""Effects of expressions in the lock dataflow: assignments, calls, trylock outcomes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from reviewtool.analysis.locks.callsites import CallSites
from reviewtool.analysis.locks.facts import ERROR_TESTS, _see_through, error_value
from reviewtool.analysis.locks.rules import AcquireRule, nonblocking
from reviewtool.analysis.locks.state import (
    _BASE_IDENT,
    RETURNED,
    Effect,
    State,
    _names,
    _rebase,
    _substitute,
    base_variable,
    forget_released,
    lvalue_key,
    nonpositive_key,
)
from reviewtool.csyntax.ir import Expr

_ASSUMED_FALSE = frozenset({"WARN_ON", "WARN_ON_ONCE", "BUG_ON"})  # as statements


class Effects(CallSites):
    """What evaluating an expression does to a state; conditions come from the dataflow."""

    _returned: frozenset[str] | None = None  # returned_names(), once computed

    def condition(
        self, state: State, expr: Expr | None, returning: bool = False
    ) -> list[tuple[State, bool | None]]:
        """Defined by the dataflow (flow._Analysis): effects and conditions recurse."""
        raise NotImplementedError

    @staticmethod
    def _zero_test(expr: Expr) -> tuple[Expr, bool] | None:
        """`x == 0` / `x != NULL` / `x < 0` as (x, truth of the comparison when x is nonzero).
        `x < 0` reads kernel errno style: negative means nonzero, success is 0."""
        left, right = expr.children
        if right.kind == "const" and right.value == 0:
            operand = left
        elif left.kind == "const" and left.value == 0 and expr.name in ("==", "!="):
            operand = right
        else:
            return None
        if expr.name == "!=" or expr.name == "<":
            return operand, True
        if expr.name == "==" or expr.name == ">=":
            return operand, False
        return None

    # -- effects ----------------------------------------------------------------------------

    def effects(self, state: State, expr: Expr | None) -> list[State]:
        if expr is None:
            return [state]
        kind = expr.kind
        if kind == "assign" and len(expr.children) == 2 and expr.name == "=":
            return self.assign(state, *expr.children)
        if kind == "assign":
            outs = [state]
            key = lvalue_key(expr.children[0]) if expr.children else None
            for child in expr.children[1:]:
                if child.kind == "call" and key is not None:  # `ret |= do_wp_page(vmf)`
                    outs = [
                        o
                        for s in outs
                        for a in self._effects_of_args(s, child)
                        for o in self.call(a, child, key)
                    ]
                else:
                    outs = [o for s in outs for o in self.effects(s, child)]
            if key is not None:
                outs = [self.clobber(s, key) for s in outs]
            return outs
        if kind == "cond" and len(expr.children) == 3:
            cond, yes, no = expr.children
            return [
                o for s, t in self.condition(state, cond) for o in self.effects(s, yes if t else no)
            ]
        if kind == "binary" and expr.name in ("&&", "||"):
            return [s for s, _ in self.condition(state, expr)]
        if kind == "call" and expr.name in _ASSUMED_FALSE and len(expr.children) == 1:
            # `WARN_ON_ONCE(pool != last_pool);`: the code after it assumes it did not fire
            outs = [s for s, t in self.condition(state, expr.children[0]) if t is not True]
            return outs or [state]
        if kind == "call":
            outs = [state]
            for child in expr.children:
                if child.kind != "name" and child.kind != "const":
                    outs = [o for s in outs for o in self.effects(s, child)]
            return [o for s in outs for o in self.call(s, expr, None)]
        outs = [state]
        for child in expr.children:
            outs = [o for s in outs for o in self.effects(s, child)]
        return outs

    def assign(self, state: State, target: Expr, value: Expr) -> list[State]:
        name = lvalue_key(target)
        if name is not None and value.kind != "call" and self._conditional_value(value):
            # `ret = !folio_trylock(folio)`: the result records whether it was taken
            return [
                self.clobber(s, name).with_fact(name, t) if t is not None else self.clobber(s, name)
                for s, t in self.condition(state, value)
            ]
        if value.kind == "cond" and len(value.children) == 3 and name is not None:
            cond, yes, no = value.children
            return [
                o
                for s, t in self.condition(state, cond)
                for o in self.assign(s, target, yes if t else no)
            ]
        if value.kind == "assign" and value.name == "=" and len(value.children) == 2:
            inner = lvalue_key(value.children[0])
            outs = self.assign(state, *value.children)
            if name is None or inner is None:
                return outs
            copy = Expr("name", inner, value.line, name=inner)
            return [self._bind(self.clobber(s, name), name, copy) for s in outs]
        if value.kind == "call" and name is not None:
            rule = self.table.acquires.get(value.name)
            if rule is not None and (rule.acquired_when or rule.lock is None):
                outs = self._effects_of_args(state, value)
                result: list[State] = []
                for s in outs:
                    s = self.clobber(s, name)
                    if rule.acquired_when:
                        for out, _ in self._conditional_acquire(s, value, rule, name):
                            result.append(out)
                    else:
                        result.extend(self.acquire(s, rule, value, name))
                return result
            if self._conditional_summary(value) is not None:
                outs = self._effects_of_args(state, value)
                result = []
                for s in outs:
                    summary = self._conditional_summary(value) or ()
                    if any(e.acquired_when == "nonnegative" for e in summary):
                        signed = self._signed_outcomes(self.clobber(s, name), value, summary, name)
                        result.extend(out for out, _ in signed)
                        continue
                    if any(e.acquired_when == "nonpositive" for e in summary):
                        s = self.clobber(s, name)
                        result.extend(self._positive_outcomes(s, value, summary, name))
                        continue
                    for out, truth in self._summary_condition(
                        self.clobber(s, name), value, summary, assigned=name
                    ):
                        result.append(out.with_fact(name, truth) if truth is not None else out)
                return result
        returned: tuple[Effect, ...] = ()
        if value.kind == "call" and name is not None:
            # the lock the callee returns is named by `name` once it holds the new value
            summary = self.summaries.get(value.name, ())
            returned = tuple(e for e in summary if RETURNED in e.template)
            self.defer_returned = bool(returned)
            try:
                outs = [
                    o
                    for s in self._effects_of_args(state, value)
                    for o in self.call(s, value, name)
                ]
            finally:
                self.defer_returned = False
        else:
            outs = self.effects(state, value)
        if name is None:
            return outs
        outs = [self._bind(self.clobber(s, name), name, value) for s in outs]
        if returned:
            outs = [o for s in outs for o in self.apply_summary(s, value, returned, name)]
        if value.kind == "call" and name.isidentifier():
            outs = [self._returned_alias(s, value, name) for s in outs]
        return outs

    def _returned_alias(self, state: State, call: Expr, name: str) -> State:
        """`base = lock_base(timer)` where the callee returns `timer->base`: `base` and
        `timer->base` name the same object from here on."""
        same = next((e for e in self.summaries.get(call.name, ()) if e.op == "returns"), None)
        if same is None:
            return state
        other = _substitute(same.template, call.children, None)
        if other is None or other == name:
            return state
        return replace(state, aliases=tuple(sorted((*state.aliases, (name, other)))))

    def _conditional_value(self, value: Expr) -> bool:
        """Whether `value` is a conditional acquire seen through `!`, `likely()`, a
        comparison with 0, or as one side of `&&` / `||` (`ret = busy || !trylock(l)`)."""
        for _ in range(8):
            if _see_through(value):
                value = value.children[0]
            elif value.kind == "binary" and value.name in ("&&", "||"):
                return any(self._conditional_value(child) for child in value.children)
            elif value.kind == "binary" and len(value.children) == 2:
                zero = self._zero_test(value)
                if zero is None:
                    return False
                value = zero[0]
            else:
                break
        if value.kind != "call":
            return False
        rule = self.table.acquires.get(value.name)
        return bool(rule and rule.acquired_when) or self._conditional_summary(value) is not None

    def _effects_of_args(self, state: State, call: Expr) -> list[State]:
        outs = [state]
        for child in call.children:
            if child.kind not in ("name", "const"):
                outs = [o for s in outs for o in self.effects(s, child)]
        return outs

    def _bind(self, state: State, name: str, value: Expr) -> State:
        """Facts after `name = value` (the old value already clobbered)."""
        if nonpositive_key(name) in self.flags:
            state = _bind_sign(state, name, value)
        if value.kind == "name" and not name.isidentifier():
            # `args->lock = lock`: the locked object is stored where the caller finds it
            held = tuple(
                replace(h, escaped="*")
                if base_variable(h.expr) == value.name and not h.escaped
                else h
                for h in state.held
            )
            state = replace(state, held=held)
        if value.kind == "name":
            known = state.fact(value.name)
            if known is not None and name in self.flags:
                state = state.with_fact(name, known)
        if value.kind == "const" and value.value is not None:
            return state.with_fact(name, bool(value.value)) if name in self.flags else state
        if name in self.flags and error_value(value):
            # `err = -EINVAL` is nonzero; `tsk = ERR_PTR(-ESRCH)` a failure, false as NULL is
            return state.with_fact(name, value.kind != "call")
        if name in self.flags and value.kind == "call" and value.name in ERROR_TESTS:
            # `ret = PTR_ERR_OR_ZERO(task)`: nonzero exactly when task is an error (false)
            tested = lvalue_key(value.children[0]) if len(value.children) == 1 else None
            known = state.fact(tested) if tested is not None else None
            return state.with_fact(name, not known) if known is not None else state
        if value.kind == "name":
            known = state.fact(value.name)
            locked_base = any(base_variable(h.expr) == value.name for h in state.held)
            if known is None and locked_base:
                known = True  # a pointer something was locked through is not NULL
            state = replace(state, aliases=tuple(sorted((*state.aliases, (name, value.name)))))
            if name in self.flags and known is not None:
                state = state.with_fact(name, known)
        return state

    def returned_names(self) -> frozenset[str]:
        """The variables some `return` of this function returns (`return rq;`)."""
        if self._returned is None:
            keys = (lvalue_key(n.expr) for n in self.cfg.nodes if n.kind == "return")
            self._returned = frozenset(k for k in keys if k is not None)
        return self._returned

    def clobber(self, state: State, name: str) -> State:
        """`name` gets a new value: forget its facts and aliases; locks named through it are
        renamed to a variable still holding the old value, or become stale."""
        if not any(name in text for text in _texts(state)):
            return state  # nothing known is named through it (a substring test: cheap)
        facts = tuple(
            f
            for f in state.facts
            if f[0] != name
            and base_variable(f[0]) != name
            and (f[0].isidentifier() or name not in _BASE_IDENT.findall(f[0]))
            and not f[0].startswith((f"{name}->", f"{name}.", f"{name}&{{"))
        )
        released = forget_released(state.released, name, name in self.returned_names())
        copies = [a for a, b in state.aliases if b == name and a.isidentifier()]
        # what names `name` holds it as a substring: that test first, it is cheap
        aliases = tuple(
            (a, b)
            for a, b in state.aliases
            if not (name in a and _names(a, name) or name in b and _names(b, name))
        )
        held = state.held
        if any(_names(h.expr, name) for h in held):
            renamed = []
            for h in held:
                if h.stale or not _names(h.expr, name):
                    renamed.append(h)
                elif base_variable(h.expr) == name and copies:
                    expr = _rebase(h.expr, name, copies[0])
                    ident = h.ident[: len(h.ident) - len(h.expr)] + expr
                    renamed.append(replace(h, ident=ident, expr=expr))
                else:  # `pages[i]` after `i++`, or nothing else holds the old value
                    renamed.append(replace(h, stale=True, ident=f"{h.ident}#{h.line}"))
            held = tuple(sorted(renamed))
        if (
            facts == state.facts
            and aliases == state.aliases
            and held is state.held
            and released == state.released
        ):
            return state
        return State(held, released, facts, aliases)

    # -- conditional acquires -------------------------------------------------------------

    def _conditional_acquire(
        self, state: State, expr: Expr, rule: AcquireRule, assigned: str | None
    ) -> list[tuple[State, bool | None]]:
        """Both outcomes of a trylock-like call, each with the truth of its result."""
        plain = replace(rule, acquired_when="")
        taken_truth = rule.acquired_when != "zero"
        outs: list[tuple[State, bool | None]] = []
        for s in self._effects_of_args(state, expr):
            if rule.handover:
                s = self._hand_over(s, rule, expr, assigned)
            if not self._fails_when_held(s, rule, expr):
                for taken in self.acquire(s, plain, expr, assigned):
                    outs.append((self._note(taken, assigned, taken_truth), taken_truth))
            elif assigned is not None and rule.reacquire.startswith("-"):
                # the error it returns for a lock this context holds, and no other
                s = s.with_fact(f"{assigned}=={rule.reacquire}", True)
            outs.append((self._note(s, assigned, not taken_truth), not taken_truth))
        return outs

    def _fails_when_held(self, state: State, rule: AcquireRule, expr: Expr) -> bool:
        """A trylock of a lock this path holds fails (it never waits, so it is no LK002), as
        does an acquire whose rule says it reports the lock already held (`-EALREADY`)."""
        if not (nonblocking(rule.name) or rule.reacquire) or rule.lock is None:
            return False
        text = self._lock_expr(rule.lock, expr.children, rule.deref)
        return text is not None and self._match(state, rule.cls, text) is not None

    def _note(self, state: State, name: str | None, truth: bool) -> State:
        return state.with_fact(name, truth) if name is not None else state

    def _conditional_summary(self, expr: Expr) -> tuple[Effect, ...] | None:
        summary = self.summaries.get(expr.name)
        if summary and any(e.acquired_when for e in summary):
            return summary
        return None

    def _summary_condition(
        self, state: State, expr: Expr, summary: tuple[Effect, ...], assigned: str | None = None
    ) -> list[tuple[State, bool | None]]:
        """Both outcomes of a conditional callee, each with the truth of its result; a
        result that is >= 0 when the lock is taken is either truth then (0 or positive)."""
        if not any(e.acquired_when == "nonnegative" for e in summary):
            return [
                (s, truth)
                for truth in (True, False)
                for s in self.apply_summary(state, expr, summary, assigned, truth)
            ]
        return [
            (s, truth)
            for s, negative in self._signed_outcomes(state, expr, summary, assigned)
            for truth in ((True,) if negative else (True, False))
        ]


def _bind_sign(state: State, name: str, value: Expr) -> State:
    """`count = ret` carries whether ret is <= 0; `ret = -EAGAIN` and `ret = 0` are <= 0,
    `ret = 1` is not."""
    if value.kind == "name":
        known = state.fact(nonpositive_key(value.name))
    elif value.kind == "const" and value.value is not None:
        known = value.value <= 0
    elif value.kind != "call" and error_value(value):
        known = True
    else:
        return state
    return state.with_fact(nonpositive_key(name), known) if known is not None else state


def _texts(state: State) -> Iterator[str]:
    """Every text a state names variables in: facts, releases, aliases, held locks."""
    for key, _ in state.facts:
        yield key
    for released in state.released:
        yield released[0]
    for a, b in state.aliases:
        yield a
        yield b
    for held in state.held:
        yield held.expr
