"""Interrupt and softirq state, tracked apart from the lock a variant takes it with.

`spin_lock_irqsave(&a, f)` does two things: it takes `a` and disables interrupts; the matching
`spin_unlock_irqrestore(&b, f)` releases `b` and restores them. Kernel code splits the two
freely (`spin_lock_irqsave(&a, f); ... spin_unlock(&a); spin_lock(&b); ...
spin_unlock_irqrestore(&b, f)`), so the lock and the context are separate resources: the lock
under its own identity, the context as the nesting class `irq:` (or `bh:`), the same resource
`local_irq_save()` / `local_bh_disable()` take. A context component remembers the lock it was
taken with (`partner`) and, when that lock is released by a variant that leaves the context
alone, where (`orphan`): if the context is then still held at an exit of a function that never
restores it, the plain release was the mistake (LK004 there), as in
`spin_lock_irqsave(&a, f); ... spin_unlock(&a);`."""

from __future__ import annotations

from dataclasses import replace

from reviewtool.analysis.locks.state import MAX_HELD, Held, State

CONTEXT_KINDS = ("irq", "bh")
_WORDS = {"irq": "irq", "irqsave": "irq", "irqrestore": "irq", "bh": "bh"}


def context_of(name: str, cls: str) -> str:
    """The context an acquire or release variant also changes, by the kernel's naming of
    lock variants (`_irq`, `_irqsave`, `_irqrestore`, `_bh`): "irq", "bh" or ""."""
    if cls in CONTEXT_KINDS:
        return ""  # local_irq_save() and friends are the context itself
    for word in name.split("_"):
        kind = _WORDS.get(word)
        if kind is not None:
            return kind
    return ""


def idempotent(name: str, cls: str) -> bool:
    """Disabling interrupts that are off, or enabling them, does not count: only the forms
    that save and restore the previous state (`_irqsave`, `local_irq_save`) nest."""
    if cls != "irq" and context_of(name, cls) != "irq":
        return False
    return not any(w in ("save", "restore", "irqsave", "irqrestore") for w in name.split("_"))


def context_ident(kind: str) -> str:
    return f"{kind}:"


def component(state: State, kind: str) -> Held | None:
    return state.holding(context_ident(kind))


def tested(state: State, kind: str, line: int) -> list[tuple[State, bool]]:
    """A test of whether `kind` is disabled (`irqs_disabled()`: rules/locks.toml's
    `context_tests`), in a function that disables it somewhere: true where this path
    disabled it, false where it restored it; else either way, the false side knowing the
    state it was called in (disabled, as the true side says) dropped by some callee, so
    that disabling it again there restores its caller's state (`entry`: no leak) rather
    than opening a section of its own (`if (!irqs_disabled()) local_irq_disable();`)."""
    if component(state, kind) is not None:
        return [(state, True)]
    ident = context_ident(kind)
    if any(r[0] == ident for r in state.released):
        return [(state, False)]
    dropped = tuple(sorted((*state.released, (ident, True, line, 0))))
    return [(state, True), (replace(state, released=dropped), False)]


def take_context(
    state: State, kind: str, fn: str, line: int, partner: str, scope: int = 0
) -> State:
    """Disable `kind` along with taking the lock `partner` (nests: a count, like
    local_irq_save inside another section)."""
    current = component(state, kind)
    if current is not None:
        step = 0 if kind == "irq" and idempotent(fn, "irq") else 1
        bumped = replace(current, count=min(current.count + step, 3))
        return _replace_held(state, current, bumped)
    if len(state.held) >= MAX_HELD:
        return state
    ident = context_ident(kind)
    entry = any(r[0] == ident and r[1] for r in state.released)
    released = tuple(r for r in state.released if r[0] != ident)
    held = Held(ident, "", fn, line, scope, entry=entry, partner=partner)
    return replace(state, held=tuple(sorted((*state.held, held))), released=released)


def release_context(state: State, kind: str, line: int, fn: str = "") -> tuple[State, bool]:
    """Restore `kind`: (the state, whether it was disabled here on this path). A restore of a
    context this path did not disable is the caller's (the function runs with interrupts
    off and turns them back on): remembered as released, like a caller's lock."""
    current = component(state, kind)
    if current is not None:
        if current.count > 1 and not (kind == "irq" and idempotent(fn, "irq")):
            return _replace_held(state, current, replace(current, count=current.count - 1)), True
        rest = tuple(h for h in state.held if h is not current)
        released = tuple(r for r in state.released if r[0] != current.ident)
        released = tuple(sorted((*released, (current.ident, current.entry, line, current.line))))
        return replace(state, held=rest, released=released), True
    ident = context_ident(kind)
    if any(r[0] == ident for r in state.released):
        return state, False
    released = tuple(sorted((*state.released, (ident, True, line, 0))))
    return replace(state, released=released), False


def orphan(state: State, lock: Held, line: int, fn: str) -> State:
    """`lock` was released by a variant that leaves its context disabled: remember where, on
    the context component taken with it."""
    for held in state.held:
        if held.partner == lock.ident and not held.orphan:
            return _replace_held(state, held, replace(held, orphan=line, orphan_fn=fn))
    return state


def drop_partnered(state: State, lock: Held) -> State:
    """`lock` went away through a call that is not a plain lock release (an unknown
    `..._unlock()` helper): the context taken with it goes too, as far as anyone can tell."""
    held = tuple(h for h in state.held if h.partner != lock.ident or h.count > 1)
    return replace(state, held=held) if len(held) != len(state.held) else state


def _replace_held(state: State, old: Held, new: Held) -> State:
    return replace(state, held=tuple(sorted(new if h is old else h for h in state.held)))
