"""Releasing a lock in the dataflow: the held lock a release names, nesting levels, and what
a release that matches nothing held says: LK003 (released twice), LK004 (another lock's
release, or an API that is not the acquire's). `LockReleases` is the part of `ops.LockOps`
doing this; `_match` and `_event` are LockOps's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from reviewtool.analysis.cfg import Node
from reviewtool.analysis.locks import context
from reviewtool.analysis.locks.rules import (
    _LOCK_POINTER_CLASSES,
    LockTable,
    ReleaseRule,
    _same_base_api,
)
from reviewtool.analysis.locks.state import MAX_HELD, Held, State, _lock_class, base_variable
from reviewtool.csyntax.ir import Expr


class LockReleases:
    """Releases, on top of the matching and events of `LockOps`."""

    table: LockTable
    node: Node
    released_anywhere: set[str]
    released_at: dict[str, set[int]]
    released_via: set[str]
    mismatched: set[tuple[str, int]]
    callee_ends: set[tuple[str, int]]
    asserted: Callable[[State, str], bool]
    _lock_expr: Callable[..., str | None]
    _match: Callable[[State, str, str], Held | None]
    _written_locks: tuple[set[tuple[str, str]], dict[tuple[str, str], list[int]]] | None = None

    def release(self, state: State, cls: str, text: str, fn: str, certain: bool = True) -> State:
        ident = f"{cls}:{text}"
        line = self.node.line
        current = self._match(state, cls, text)
        if current is not None and not current.entry:
            self.released_anywhere.add(current.ident)  # taken and dropped here: not a wrapper
            self.released_at.setdefault(current.ident, set()).add(self.node.id)
        if current is not None:
            if current.count > 1 and context.idempotent(fn, cls):
                current = replace(current, count=1)  # local_irq_enable(): on, whatever nested
                state = replace(
                    state,
                    held=tuple(
                        sorted(current if h.ident == current.ident else h for h in state.held)
                    ),
                )
            if current.count > 1:
                lowered = replace(current, count=current.count - 1)
                return replace(
                    state, held=tuple(sorted(lowered if h is current else h for h in state.held))
                )
            rule = self.table.acquires.get(current.fn)
            release = self.table.releases.get(fn)
            mismatch = rule is not None and release is not None and fn not in rule.releases
            # any restore ends an irq/bh section, whatever disabled it
            mismatch = mismatch and not current.partner and cls not in context.CONTEXT_KINDS
            if mismatch and not _same_base_api(current.fn, fn):
                self._event("LK004", current, line, current.line, fn)
            if release is not None and not release.context:
                state = context.orphan(state, current, line, fn)  # its context stays disabled
            elif release is None:
                state = context.drop_partnered(state, current)
            if not certain and cls in self.table.nesting:
                # a callee's end of a nesting section (rcu, preempt) may close a level it or a
                # sibling call opened (perf_output_begin()/perf_output_end()): the caller's
                # own release after it is then no double release
                self.callee_ends.add((current.ident, line))
            return self._drop(state, current, line)
        previous = next((r for r in state.released if r[0] == ident), None)
        if not certain:  # a summarised callee's release: no mismatch is claimed from it
            if previous is not None:
                return state
            entry = (ident, True, line, 0)
            return replace(state, released=tuple(sorted((*state.released, entry))))
        others = [
            h
            for h in state.held
            if h.ident.startswith(f"{cls}:")
            and not h.entry
            and not h.scope
            and not h.stale
            and h.ident != ident
        ]
        if previous is not None:
            if previous[1]:
                return state  # the caller's lock, released twice: nothing known
            if len(others) == 1 and cls in _LOCK_POINTER_CLASSES:  # another one still held
                other = others[0]
                # the earlier release dropped it while a lock taken after it was still held
                # (not last-in first-out): that one was meant for the other lock
                where = previous[2] if previous[3] < other.line < previous[2] else line
                self._event("LK004", other, where, other.line, f"{fn}({text})")
                self.mismatched.add((ident, line))
                return self._drop(state, other, line)
            if (ident, previous[2]) in self.callee_ends:
                return state
            if (ident, previous[2]) not in self.mismatched:  # else that LK004 says it
                self._event("LK003", Held(ident, text, fn, line), line, previous[2], fn)
            return state
        stale = [h for h in state.held if h.stale and h.ident.startswith(f"{cls}:")]
        if stale:
            return self._drop(state, stale[0], line)
        if (
            len(others) == 1
            and cls in _LOCK_POINTER_CLASSES
            and not self._hands_back(cls, text, others[0], line)
            and not self.asserted(state, text)  # the caller's, as this function asserts
        ):
            self._event("LK004", others[0], line, others[0].line, f"{fn}({text})")
            # its own release further on is then no second release: the LK004 says it
            self.mismatched.update({(ident, line), (others[0].ident, line)})
            return self._drop(state, others[0], line)
        released = tuple(sorted((*state.released, (ident, True, line, 0))))
        return replace(state, released=released)

    def held_test(
        self, state: State, call: Expr, rule: ReleaseRule
    ) -> list[tuple[State, bool | None]]:
        """A test of whether a lock is held (`buffer_locked(bh)`, `mutex_is_locked(m)`):
        true where this function holds it; else either way, the true side holding it as
        its caller's would be (`entry`: never a leak, and its release no LK003)."""
        text = self._lock_expr(rule.lock, call.children)
        if text is None:
            return [(state, True), (state, False)]
        if self._match(state, rule.cls, text) is not None:
            return [(state, True)]
        assumed = Held(f"{rule.cls}:{text}", text, call.name, self.node.line, entry=True)
        if len(state.held) >= MAX_HELD:
            return [(state, True), (state, False)]
        held = replace(state, held=tuple(sorted((*state.held, assumed))))
        return [(held, True), (state, False)]

    def _hands_back(self, cls: str, text: str, other: Held, line: int) -> bool:
        """Releasing `text`, which this function never takes and its callers can name, while
        holding `other`, which it releases by name further on or returns the owner of: the
        caller's lock is dropped under one of its own (srcu_gp_end() drops the caller's
        srcu_gp_mutex holding its srcu_cb_mutex; a descent takes the child's lock, drops
        the parent's and returns the child), not `other` released under the wrong name."""
        taken, released = self._written()
        canon = self.canon(text)
        if (cls, canon) in taken or self.template(text) is None:
            return False
        if base_variable(other.expr) in self._returned_names():
            return True  # hand-over-hand: the child's lock goes back to the caller
        later = released.get((_lock_class(other), self.canon(other.expr)), ())
        return any(at > line for at in later)

    def _returned_names(self) -> set[str]:
        return {
            n.expr.name
            for n in self.cfg.nodes
            if n.kind == "return" and n.expr is not None and n.expr.kind == "name"
        }

    def _written(self) -> tuple[set[tuple[str, str]], dict[tuple[str, str], list[int]]]:
        """The locks this function's own calls take, and the lines releasing each, as
        (class, canonical expression): read once, when a release matches nothing held."""
        if self._written_locks is None:
            taken: set[tuple[str, str]] = set()
            released: dict[tuple[str, str], list[int]] = {}
            for node in self.cfg.nodes:
                stack = [node.expr] if node.expr is not None else []
                while stack:
                    expr = stack.pop()
                    stack.extend(expr.children)
                    if expr.kind != "call":
                        continue
                    acquire = self.table.acquires.get(expr.name)
                    release = self.table.releases.get(expr.name)
                    rule = acquire or release
                    if rule is None or rule.lock is None:
                        continue
                    text = self._lock_expr(rule.lock, expr.children, getattr(rule, "deref", False))
                    if text is None:
                        continue
                    key = (rule.cls, self.canon(text))
                    if acquire is not None:
                        taken.add(key)
                    else:
                        released.setdefault(key, []).append(node.line)
            self._written_locks = (taken, released)
        return self._written_locks

    def _drop(self, state: State, held: Held, line: int) -> State:
        if held.via:
            self.released_via.add(held.via)  # the callee's contract holds: callers release
        rest = tuple(h for h in state.held if h is not held)
        released = tuple(r for r in state.released if r[0] != held.ident)
        released = tuple(sorted((*released, (held.ident, held.entry, line, held.line))))
        return replace(state, held=rest, released=released)
