"""Which variant of a lock a callee leaves held, told through an out-parameter.

A callee given its caller's lock in one variant may trade it for another of the same lock
(`inode_unlock_shared(inode); *shared = false; inode_lock(inode);`) and report which it
did through a pointer parameter; the caller then releases the variant its flag names. The
summary effect ("variant") says: on the exits that traded, the lock is held as `fn` and
`*p` holds `value`; on the others the caller's lock is as it was. The caller (callsites.py)
follows both outcomes with the flag it passed as `&flag` set accordingly.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from reviewtool.analysis.cfg import CFG
from reviewtool.analysis.locks.state import (
    Effect,
    Held,
    State,
    _lock_class,
    _substitute,
    lvalue_key,
)
from reviewtool.csyntax.ir import Expr

if TYPE_CHECKING:
    from reviewtool.analysis.locks.flow import _Analysis


def variant_effects(cfg: CFG, analysis: _Analysis) -> list[Effect]:
    """A "variant" effect per caller's lock this function releases and takes again, on
    every exit holding it so, in one variant, each such exit knowing the same value of one
    out-parameter flag that is only ever stored that constant."""
    effects = []
    exits = analysis.exits
    idents = {h.ident for e in exits for h in e.state.held if _traded(h)}
    for ident in sorted(idents):
        holding = [(e.state.holding(ident), e) for e in exits if e.state.holding(ident)]
        if not all(h is not None and _traded(h) for h, _ in holding):
            continue
        fns = {h.fn for h, _ in holding if h is not None}
        template = analysis.template(holding[0][0].expr) if holding[0][0] else None
        if len(fns) != 1 or template is None:
            continue
        common = set.intersection(
            *({f for f in e.state.facts if _out(f[0], cfg)} for _, e in holding)
        )
        for key, value in sorted(common):
            pointer = analysis.template(key[1:])
            if pointer is None or not _only_stores(cfg, key, value):
                continue
            cls = _lock_class(holding[0][0])  # type: ignore[arg-type]
            effects.append(
                Effect("variant", cls, template, fns.pop(), through=f"{pointer}={int(value)}")
            )
            break
    return effects


def _traded(held: Held) -> bool:
    """The caller's lock, released and taken again here (`entry`: in the variant `fn`)."""
    return held.entry and not (held.stale or held.partner)


def _out(key: str, cfg: CFG) -> bool:
    return key.startswith("*") and key[1:] in cfg.params


def _only_stores(cfg: CFG, key: str, value: bool) -> bool:
    """Every store through the pointer (`*p = ...`) stores a constant of `value`'s truth."""
    stores = []
    stack: list[Expr] = [n.expr for n in cfg.nodes if n.expr is not None]
    while stack:
        current = stack.pop()
        if current.kind == "assign" and current.children and lvalue_key(current.children[0]) == key:
            stores.append(current)
        stack.extend(current.children)
    return bool(stores) and all(
        s.name == "="
        and len(s.children) == 2
        and s.children[1].kind == "const"
        and s.children[1].value is not None
        and bool(s.children[1].value) == value
        for s in stores
    )


def told_flags(call: Expr, summary: tuple[Effect, ...]) -> set[str]:
    """The caller's flags passed as `&flag` whose value after the call a "variant" effect
    of the callee tells: their facts are set by `outcomes`, not forgotten."""
    return {name for e in summary if e.op == "variant" for name in [_flag(call, e)] if name}


def _flag(call: Expr, effect: Effect) -> str | None:
    pointer = _substitute(effect.through.rsplit("=", 1)[0], call.children, None)
    if pointer is None or not pointer.startswith("&") or not pointer[1:].isidentifier():
        return None
    return pointer[1:]


def outcomes(state: State, call: Expr, effect: Effect, held: Held | None) -> list[State]:
    """After a call with a "variant" effect, the caller holding `held` (the lock it names):
    unchanged, its flag as before; or traded for the effect's variant, taken at the call,
    the flag set to the stored value. Held already in that variant, or a flag the caller
    does not pass as `&flag`: nothing to split on."""
    name = _flag(call, effect)
    if held is None or held.fn == effect.fn or held.partner or name is None:
        return [state]
    traded = replace(held, fn=effect.fn, line=call.line)
    others = tuple(sorted(traded if h is held else h for h in state.held))
    value = effect.through.rsplit("=", 1)[1] == "1"
    return [state, replace(state, held=others).with_fact(name, value)]
