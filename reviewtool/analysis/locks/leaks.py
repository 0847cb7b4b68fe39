"""After the dataflow: a function's leaks (LK001), the locks it returns holding that are
not its job to hand over (summary.py says what it hands over)."""

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
    split_ident,
    stable_subject,
)
from reviewtool.analysis.locks.summary import _annotated, _held_template, _negative


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
