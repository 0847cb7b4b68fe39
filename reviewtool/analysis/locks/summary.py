"""After the dataflow: a function's lock summary for its callers (leaks.py: its leaks)."""

from __future__ import annotations

from reviewtool.analysis.cfg import CFG
from reviewtool.analysis.locks.contracts import _CONTEXTS  # classes no annotation names
from reviewtool.analysis.locks.flow import _Analysis
from reviewtool.analysis.locks.state import (
    RETURNED,
    Effect,
    Exit,
    Held,
    _lock_class,
    _rebase,
    base_variable,
    nonpositive_key,
    sign_key,
    split_ident,
    written_lock,
)
from reviewtool.analysis.locks.variants import variant_effects


def _held_template(held: Held, exit: Exit, analysis: _Analysis) -> str | None:
    """How a caller names `held`: through the parameters, a global, or "" for the value
    returned (`return anon_vma;` with anon_vma locked)."""
    if exit.returned is not None and base_variable(held.expr) == exit.returned:
        return _rebase(held.expr, exit.returned, RETURNED)
    if exit.value:  # `return &table[i];` with `&table[i].lock` held: the caller's `&b->lock`
        value = exit.value
        for owner in (value[1:] + ".", value + "->") if value.startswith("&") else (value + "->",):
            if held.expr.startswith("&" + owner):
                return f"&{RETURNED}->{held.expr[len(owner) + 1 :]}"
    return analysis.template(held.expr)


def _summarise(cfg: CFG, analysis: _Analysis, annotations: tuple) -> tuple[Effect, ...]:
    """What calling this function does to locks, in terms of its parameters."""
    exits = analysis.exits
    if not exits:
        return ()
    effects: list[Effect] = []
    held_sets = [
        {h.ident: h for h in e.state.held if not h.stale and not h.entry and not h.escaped}
        for e in exits
    ]
    callers = _callers_locks(exits)
    for ident in sorted(set().union(*held_sets)):
        holding = [(hs[ident], e) for hs, e in zip(held_sets, exits, strict=True) if ident in hs]
        free = [e for hs, e in zip(held_sets, exits, strict=True) if ident not in hs]
        if ident in callers and any(not _keeps_callers(e, ident) for e in free):
            # what the result tells is read off the exits that dropped it: where none did,
            # the caller's lock was dropped and taken again, no acquire for callers
            free = [e for e in free if not _keeps_callers(e, ident)]
        templates = {_held_template(h, e, analysis) for h, e in holding}
        if len(templates) != 1 or None in templates:
            continue
        template = templates.pop()
        sample = holding[0][0]
        when = _held_when({e.truth for _, e in holding}, {e.truth for e in free}) if free else ""
        if when is None and all(_negative(e) for e in free):
            # held iff the result is >= 0: 0 or 1 holding it, a negative errno not
            when = "nonnegative" if all(_negative(e) is False for _, e in holding) else None
        if when is None:
            continue  # held on some paths only, with nothing in the result to tell which
        if when and any(e.failure for _, e in holding):
            continue  # held exactly when it returns an error: what no caller expects
        origin = frozenset(h.via for h, _ in holding if h.via)
        cls = _lock_class(sample)
        others = tuple(h for _, e in holding for h in e.state.held)
        contract = not _annotated(annotations, sample.expr, others)
        effects.append(Effect("acquire", cls, template, sample.fn, when, contract, origin))
    effects.extend(variant_effects(cfg, analysis))
    same = _returned_equal(analysis) if effects else None
    if same is not None:  # only worth telling callers of a function that returns a lock
        effects.append(Effect("returns", "", same, ""))
    released_sets = [{r[0] for r in e.state.released if r[1]} for e in exits]
    for ident in sorted(set().union(*released_sets)):
        if any(any(h.ident == ident and not h.entry for h in e.state.held) for e in exits):
            continue  # (held again after releasing it, it is released for some results)
        cls, expr = split_ident(ident)
        template = analysis.template(expr)
        if template is None:
            continue
        base = base_variable(expr) or ""
        pairs = list(zip(released_sets, exits, strict=True))
        if all(ident in rs or e.state.fact(base) is False for rs, e in pairs):
            effects.append(Effect("release", cls, template, ""))
            continue
        # released exactly when it returns true (or false): `if (__try_to_set_owner(t, mm))`
        when_released = {e.truth for rs, e in pairs if ident in rs}
        when_kept = {e.truth for rs, e in pairs if ident not in rs}
        if when_released in ({True}, {False}) and when_kept == {not next(iter(when_released))}:
            when = "nonzero" if when_released == {True} else "zero"
            effects.append(Effect("release", cls, template, "", when))
        elif {_nonpositive(e) for rs, e in pairs if ident in rs} == {True} and {
            _nonpositive(e) for rs, e in pairs if ident not in rs
        } == {False}:
            # released exactly when it returns 0 or an error, kept with a count known > 0
            effects.append(Effect("release", cls, template, "", "nonpositive"))
        elif not analysis.takes_locks:
            # an unlock helper that releases its caller's lock on some paths only, decided by
            # what it is given (`unlock(pool, in_softirq)`): callers count it as released
            effects.append(Effect("release", cls, template, ""))
    return tuple(effects)


def annotated_releases(summary: tuple[Effect, ...], annotated: list[Effect]) -> list[Effect]:
    """The releases an annotation tells callers of (`__releases(rq->lock)`) that the
    function's own summary does not name: all of them when it releases no lock that callers
    can name (`rnp` walks up the tree), else those none of its releases is written as
    (`task_rq_unlock()` releases `&p->pi_lock` by name, the rq's lock through a callee of
    another file)."""
    own = [e for e in summary if e.op == "release" and e.cls not in _CONTEXTS]
    named = {written_lock(e.cls, e.template) for e in own}
    return [
        e
        for e in annotated
        if e.op == "release" and (not own or written_lock(e.cls, e.template) not in named)
    ]


def _callers_locks(exits: list[Exit]) -> set[str]:
    """The locks this function drops as its caller's and takes again, returning with them
    on some path: hand over hand (a release as the caller's alone may be a path flags rule
    out, `if (flags != NOLOCK) unlock(folio)` where it took nothing)."""
    return {h.ident for e in exits for h in e.state.held if h.entry}


def _keeps_callers(exit: Exit, ident: str) -> bool:
    """`exit` may return holding the caller's `ident`, which the function drops and takes
    again elsewhere: it re-took it, or neither took nor released it on the way. Such an
    exit hands no lock of its own over, but it is no exit without the lock either: a
    hand-over-hand `next(prev)` returning the element it still holds the caller's RCU
    section for, beside the paths that drop it and take it again for the next bucket."""
    held = exit.state.holding(ident)
    if held is not None:
        return held.entry
    return not any(r[0] == ident for r in exit.state.released)


def _returned_equal(analysis: _Analysis) -> str | None:
    """The parameter expression every successful exit returns a value equal to, as a
    template: `if (likely(base == timer->base)) return base;` returns `$0->base`."""
    found = set()
    for exit in analysis.exits:
        if exit.truth is False or exit.failure or exit.value in ("", "NULL", "0"):
            continue
        if exit.returned is None:
            return None
        equal = [
            other
            for key, value in exit.state.facts
            if value and "==" in key
            for side, other in (key.split("==", 1), key.split("==", 1)[::-1])
            if side == exit.returned
        ]
        if exit.returned in analysis.defs:  # `base = timer->base; ... return base;`
            equal.append(analysis.defs[exit.returned])
        if not equal:
            return None
        found.add(analysis.template(equal[0]))
    same = found.pop() if len(found) == 1 else None
    return same if same and "(" not in same else None  # a path, not another call's result


def callers_locks_released(
    cfg: CFG, analysis: _Analysis, always: bool = True
) -> set[tuple[str, str]]:
    """The caller's locks this function releases on every path (but where what it would be
    released through is NULL), as (class, template): what an unlock helper does; with
    `always` false, those it releases on some path."""
    found = set()
    exits = analysis.exits
    for exit in exits:
        for ident, callers, _line, _taken in exit.state.released:
            cls, expr = split_ident(ident)
            template = analysis.template(expr) if callers else None
            if template is None or (cls, template) in found:
                continue
            base = base_variable(expr) or ""
            if not always or all(
                any(r[0] == ident and r[1] for r in e.state.released) or e.state.fact(base) is False
                for e in exits
            ):
                found.add((cls, template))
    return found


def _held_when(held: set[bool | None], free: set[bool | None]) -> str | None:
    """When the result says the lock is held: "nonzero" (a pointer or true, NULL or 0 when
    not), "zero" (0 for success, an error code when not), or None when no result tells."""
    if free == {False} and held <= {True, None}:
        return "nonzero"
    if held == {False} and free and free <= {True, None}:
        return "zero"
    return None


def _negative(exit: Exit) -> bool | None:
    """Whether the exit returns a negative value: an error (`-EAGAIN`), a variable known
    negative or >= 0, a constant >= 0 (`0`, `1`) or a variable known zero; None: unknown."""
    if exit.failure:
        return True
    if exit.returned is not None:
        sign = exit.state.fact(sign_key(exit.returned))
        if sign is not None or exit.truth is not False:
            return sign
    return False if exit.truth is False or exit.value.isdigit() else None


def _nonpositive(exit: Exit) -> bool | None:
    """Whether the exit returns 0 or an error (True), a value known > 0 (False), or what
    nothing here tells (None)."""
    if exit.failure:
        return True
    if exit.returned is not None:
        known = exit.state.fact(nonpositive_key(exit.returned))
        if known is None and (exit.state.fact(sign_key(exit.returned)) or exit.truth is False):
            known = True
        return known
    if exit.value.isdigit():
        return int(exit.value) == 0
    return None


_CONTRACTS = ("__acquires", "__releases", "__must_hold", "__cond_acquires")


def _annotated(annotations: tuple, expr: str, held: tuple[Held, ...] = ()) -> bool:
    """Whether an annotation names the lock `expr`: the same expression (`&` apart), or for
    an annotation naming no lock of `held` exactly, one on the same object (`__acquires(
    rq->lock)` for `&rq->__lock`). `__acquires(&p->list_lock)` never covers
    `&p->state_lock` while list_lock is held too; a lock named by no expression (rcu,
    preempt) is covered by any annotation."""
    args = [_bare(a.argument) for a in annotations if a.macro in _CONTRACTS]
    if not args:
        return False
    lock = _bare(expr)
    if not lock or lock in args:
        return True
    base = base_variable(lock)
    named = {_bare(h.expr) for h in held}
    return base is not None and any(a not in named and base_variable(a) == base for a in args)


def _bare(expr: str) -> str:
    return expr.replace(" ", "").lstrip("&")
