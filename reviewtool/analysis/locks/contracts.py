"""Contracts between a function that returns holding a lock and the code that releases it.

A function that returns with a lock held on every path, or exactly when its result says so
(`return 0` holding it, `return -EBUSY` without), looks the same whether it is an acquire
helper or forgets an unlock: its name says nothing reliable. Its summary offers the acquire to
callers as an unconfirmed contract; the contract holds when the code around it honours it:

- a caller releases the lock it got from the call (or passes it on through a contract of its
  own that is confirmed in turn);
- a partner in the same file, an unlock helper that takes no lock itself, releases that lock
  as its caller's (`htab_unlock_bucket()` for `htab_lock_bucket()`, `net_dm_nl_post_doit()`
  for `net_dm_nl_pre_doit()`);
- an annotation (`__acquires`, `__cond_acquires`) says so (such effects are never unconfirmed).

A caller that takes the lock itself right after the call refutes the contract, whatever
other callers do. Only where the file neither confirms nor refutes a contract does a
lock-like name stand in for the code that would.

A confirmed contract removes the leak findings it explains in the function itself. An
unconfirmed one keeps them, and findings in callers about the lock they got from it are
dropped: the forgotten unlock is reported once, where it is."""

from __future__ import annotations

import re
from collections.abc import Iterable

from reviewtool.analysis.locks.rules import _wrapper_name
from reviewtool.analysis.locks.state import Event, FunctionResult, contract_key

# disabled contexts have no name: only a function that takes nothing restores its caller's
_CONTEXTS = frozenset({"irq", "bh", "preempt", "rcu"})
_PLACEHOLDER = re.compile("\x00(?:\\d+|r)\x00")


def _shape(cls: str, template: str) -> tuple[str, str]:
    """A lock as two functions of a file name it: class and expression with every parameter
    (or returned value) abstracted, so `lock(b)` and `unlock(htab, b)` meet."""
    return cls, _PLACEHOLDER.sub("$", template)


def confirmed_contracts(results: Iterable[FunctionResult]) -> set[str]:
    results = list(results)
    released_by = _partners(results)
    confirmed: set[str] = set()
    forwards: dict[str, frozenset[str]] = {}
    for result in results:
        confirmed |= result.released_via
        for key in {e.contract for e in result.events if e.contract}:
            # held on some paths with nothing in the result to tell callers (no summary
            # effect): only a partner that releases it as its caller's makes it a contract
            name, cls, template = key.split("\x00", 2)
            if released_by.get(_shape(cls, template), set()) - {name}:
                confirmed.add(key)
        for effect in result.summary:
            if effect.op != "acquire" or not effect.unconfirmed:
                continue
            key = contract_key(result.name, effect)
            if released_by.get(_shape(effect.cls, effect.template), set()) - {result.name}:
                confirmed.add(key)
            if effect.origin:
                forwards[key] = effect.origin
    refuted = set().union(*(r.refuted_via for r in results))
    confirmed -= refuted
    changed = True
    while changed:  # a contract passed on and honoured further up honours the callee's
        changed = False
        for key, origin in forwards.items():
            if key in confirmed and not origin <= confirmed:
                confirmed |= origin
                changed = True
    # a name stands in only for the function itself, never for what it passes on
    return (confirmed | _named_contracts(results)) - refuted


def _partners(results: list[FunctionResult]) -> dict[tuple[str, str], set[str]]:
    """Who releases each lock shape as its caller's: functions that release it on every
    path and take no lock of its class (`probe_irq_off()` takes IRQ descriptor spinlocks and
    releases the probing mutex, or on some paths only; never for a disabled context or a
    lock named by nothing),
    and unlock helpers that take nothing and release it on some paths, whatever they
    return (`dec_active()`, under the configuration its partner took it under)."""
    released_by: dict[tuple[str, str], set[str]] = {}
    for result in results:
        taken = result.taken_classes
        shapes = {
            (c, t)
            for c, t in result.releases_callers
            if not taken or c not in taken and c not in _CONTEXTS and t
        }
        # a cleanup that takes locks of its own and releases its caller's under a flag
        # (`ext4_mb_release_context()`): a partner for that lock's class too
        shapes |= {
            (c, t)
            for c, t in result.drops_callers
            if taken and c not in taken and c not in _CONTEXTS and t
        }
        if not taken:
            shapes |= {
                (e.cls, e.template)
                for e in result.summary
                if e.op == "release" and not e.acquired_when
            }
        for cls, template in shapes:
            released_by.setdefault(_shape(cls, template), set()).add(result.name)
    return released_by


def _named_contracts(results: list[FunctionResult]) -> set[str]:
    """Contracts nothing in the file confirms or refutes, of functions named for taking a
    lock (`..._lock_wait()`, `..._start()`): the code that would tell is elsewhere (callers
    in other files, an unlock helper in a header), so the name decides."""
    keys = set()
    for result in results:
        if _wrapper_name(result.name):
            for effect in result.summary:
                if effect.op == "acquire" and effect.unconfirmed:
                    keys.add(contract_key(result.name, effect))
    return keys


def _kept(event: Event, confirmed: set[str]) -> bool:
    if event.contract and event.contract in confirmed:
        return False  # returning with it is this function's confirmed contract
    return not event.via or event.via in confirmed  # else reported in the callee


def resolve(results: dict[object, FunctionResult]) -> None:
    """Drop the findings the confirmed and unconfirmed contracts of one file explain."""
    confirmed = confirmed_contracts(results.values())
    for result in results.values():
        if result.events:
            result.events = [e for e in result.events if _kept(e, confirmed)]


def contract_neutral(result: FunctionResult) -> bool:
    """Whether `result` gives `confirmed_contracts` nothing to work with: no lock released
    for its caller, no callee contract released or refuted, no contract of its own. Keep
    in step with confirmed_contracts: the engine compares only changed functions when the
    ones a patch changed are neutral before and after it (reviewtool/focus.py)."""
    return not (
        result.releases_callers
        or result.drops_callers
        or result.released_via
        or result.refuted_via
        or any(e.op == "acquire" and e.unconfirmed for e in result.summary)
        or any(e.contract for e in result.events)
        or not result.taken_classes
        and any(e.op == "release" for e in result.summary)
    )
