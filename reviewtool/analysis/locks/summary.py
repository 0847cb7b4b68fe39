"""After the dataflow: a function's lock summary for its callers, and its leaks (LK001)."""

from __future__ import annotations

from reviewtool.analysis.cfg import CFG
from reviewtool.analysis.locks.flow import _Analysis
from reviewtool.analysis.locks.rules import _wrapper_name
from reviewtool.analysis.locks.state import (
    OLD_VALUE,
    RETURNED,
    Effect,
    Event,
    Exit,
    Held,
    _lock_class,
    _rebase,
    base_variable,
    contract_key,
    nonpositive_key,
    sign_key,
    split_ident,
    stable_subject,
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


_CONTEXTS = frozenset({"irq", "bh", "preempt", "rcu"})  # classes no annotation names


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


def _by_design(cfg: CFG, analysis: _Analysis, held: Held, exit: Exit) -> bool:
    """Returning with `held` is the function's job, not a leak: it hands the lock to its
    caller (returned, or named after taking it, never released here), or it cannot be named
    here (a batch of per-item locks, or a callee reported on it through its result)."""
    if held.escaped and (held.escaped == "*" or held.escaped == exit.returned):
        return True
    if held.line in analysis.batch_lines:
        return True
    if exit.computed and _lock_class(held) in analysis.table.protocol_classes:
        return True  # folio locks go back to callers under return codes (VM_FAULT_LOCKED)
    if _wrapper_name(cfg.name) and held.ident not in analysis.released_anywhere:
        # held on some paths and never released here, with no result that tells callers
        # which (no contract to confirm): only here does a name for locking decide
        return True
    template = _held_template(held, exit, analysis)
    if template is not None and RETURNED in template and _exchanged(held, exit):
        return True
    # the locked object is what the function returns, when it has one to return (NULL else)
    return (
        template is not None
        and RETURNED in template
        and held.ident not in analysis.released_anywhere
        and not _held_at_every_exit(analysis, held)
    )


def _exchanged(held: Held, exit: Exit) -> bool:
    """On the way to `exit` the function released its caller's lock of the same kind on
    another object (`&base->cpu_base->lock`) and returns the object it holds instead
    (`&new_base->cpu_base->lock`, `return new_base;`): the caller's lock handed over."""
    cls = _lock_class(held)
    shape = _rebase(held.expr, base_variable(held.expr) or "", "$")
    for ident, callers, _line, _taken in exit.state.released:
        released_cls, expr = split_ident(ident)
        old = expr.endswith(OLD_VALUE)  # `rq_unlock(rq); rq = cpu_rq(cpu); rq_lock(rq);`
        expr = expr.removesuffix(OLD_VALUE)
        other = _rebase(expr, base_variable(expr) or "", "$")
        if callers and released_cls == cls and (old or expr != held.expr) and other == shape:
            return True
    return False


def _held_at_every_exit(analysis: _Analysis, held: Held) -> bool:
    """`for (;;) { rtnl_lock(); if (done) break; __rtnl_unlock(); }`: a retry loop around the
    lock still returns with it on every path."""
    return all(any(h.ident == held.ident for h in e.state.held) for e in analysis.exits)


def _leaks(
    cfg: CFG, analysis: _Analysis, summary: tuple[Effect, ...], annotations: tuple
) -> list[Event]:
    wrapped = {(e.cls, e.template): e for e in summary if e.op == "acquire"}
    untold = all(e.truth is None for e in analysis.exits)
    events: dict[tuple[str, int], Event] = {}
    for exit in analysis.exits:
        for held in exit.state.held:
            if held.stale or held.entry or held.scope or analysis.asserted(exit.state, held.expr):
                continue  # (asserted held: the caller's, through a pointer equal to its own)
            if held.partner and exit.state.holding(held.partner) is not None:
                continue  # the lock it was taken with leaks too: that finding says it
            if held.partner and held.orphan and _lock_class(held) not in analysis.context_releases:
                mismatch = _variant_mismatch(cfg, analysis, held)
                events.setdefault((mismatch.ident, mismatch.line), mismatch)
                continue
            effect = wrapped.get((_lock_class(held), _held_template(held, exit, analysis)))
            if effect is not None and not effect.unconfirmed:
                continue
            if _annotated(annotations, held.expr, exit.state.held) or _by_design(
                cfg, analysis, held, exit
            ):
                continue
            key = (held.ident, exit.line)
            if key not in events:
                detail = describe_path(cfg, exit.line)
                subject = stable_subject(held.ident, held.expr, cfg)
                contract = contract_key(cfg.name, effect) if effect is not None else ""
                if effect is None and (
                    untold
                    and held.ident not in analysis.released_anywhere
                    or _success_untold(analysis, held.ident)
                ):
                    # held on some paths, never released here, no result to tell which (void,
                    # values nothing decides, success either way): a contract only if a
                    # partner in the file releases it
                    contract = _untold_contract(cfg, analysis, held, exit)
                events[key] = Event(
                    "LK001",
                    held.ident,
                    held.expr,
                    exit.line,
                    held.line,
                    detail,
                    subject,
                    held.via,
                    contract,
                )
    return list(events.values())


def _success_untold(analysis: _Analysis, ident: str) -> bool:
    """Every exit holding `ident` returns success (0, or a value known >= 0), and so does
    some exit without it (the result does not tell), and the exits where this function
    released it all return an error (`if (err) cleanup(data);`): no error path keeps it."""
    holding = [e for e in analysis.exits if e.state.holding(ident) is not None]
    free = [e for e in analysis.exits if e.state.holding(ident) is None]
    released = [e for e in free if any(r[0] == ident and not r[1] for r in e.state.released)]
    return (
        all(_negative(e) is False for e in holding)
        and any(_negative(e) is False for e in free)
        and all(e.failure or e.truth is True for e in released)
    )


def _untold_contract(cfg: CFG, analysis: _Analysis, held: Held, exit: Exit) -> str:
    template = _held_template(held, exit, analysis)
    if template is None:
        return ""
    return contract_key(cfg.name, Effect("acquire", _lock_class(held), template, held.fn))


def _variant_mismatch(cfg: CFG, analysis: _Analysis, context: Held) -> Event:
    """`spin_lock_irqsave(&l, f) ... spin_unlock(&l)` in a function that never restores the
    context: the release at `context.orphan` does not release what the acquire took."""
    rule = analysis.table.acquires.get(context.fn)
    cls = rule.cls if rule is not None else ""
    expr = context.partner[len(cls) + 1 :] if cls else context.partner
    subject = stable_subject(context.partner, expr, cfg)
    return Event(
        "LK004", context.partner, expr, context.orphan, context.line, context.orphan_fn, subject
    )


def describe_path(cfg: CFG, exit_line: int) -> str:
    """A short description of how control reaches the exit at `exit_line`: the nearest
    branch decision on the way there. Where paths merge the walk stops and says nothing:
    which of them carries the lock is not known here, and a wrong branch misleads."""
    target = next(
        (n for n in cfg.nodes if n.kind in ("return", "end") and n.line == exit_line), None
    )
    if target is None:
        return ""
    preds: dict[int, list[tuple[int, object]]] = {}
    for node in cfg.nodes:
        for succ, label in node.succ:
            preds.setdefault(succ, []).append((node.id, label))
    current = target.id
    for _ in range(64):
        incoming = preds.get(current, [])
        if len(incoming) != 1:
            return ""
        source, label = incoming[0]
        node = cfg.nodes[source]
        if node.kind == "branch" and isinstance(label, bool):
            text = node.expr.text if node.expr is not None else "?"
            return f"when `{text}` (line {node.line}) is {'true' if label else 'false'}"
        if node.kind == "choice" and label is False:
            return f"after the loop at line {node.line}"
        if node.kind == "switch":
            return f"through the switch at line {node.line}"
        current = source
    return ""
