"""Lock operations of the dataflow: calls, acquires, guards, callee summaries; releases are
release.py's (`LockReleases`, a part of `LockOps`)."""

from __future__ import annotations

from dataclasses import replace

from reviewtool.analysis.cfg import CFG, Node
from reviewtool.analysis.locks import aliases, context, masks
from reviewtool.analysis.locks.lockwork import _release_classes, call_names, context_calls
from reviewtool.analysis.locks.release import LockReleases
from reviewtool.analysis.locks.rules import (
    _ASSERTISH,
    _LOCK_POINTER_CLASSES,
    AcquireRule,
    LockTable,
    nonblocking,
    unlocking_name,
)
from reviewtool.analysis.locks.state import (
    MAX_HELD,
    OLD_VALUE,
    Effect,
    Event,
    Held,
    State,
    _lock_class,
    _rebase,
    _strip,
    _template,
    base_variable,
    stable_subject,
    written_lock,
)
from reviewtool.analysis.locks.variants import told_flags
from reviewtool.csyntax.ir import Expr

_HELD_ASSERTIONS = frozenset(
    {
        "lockdep_assert_held", "lockdep_assert_held_once", "lockdep_assert_held_write",
        "lockdep_assert_held_read",
    }
)  # fmt: skip


class LockOps(LockReleases):
    """The lock operations of one function's dataflow, and what they record as they go."""

    def __init__(
        self,
        cfg: CFG,
        table: LockTable,
        summaries: dict[str, tuple[Effect, ...]],
        flags: frozenset[str],
    ) -> None:
        self.cfg = cfg
        self.table = table
        self.summaries = summaries
        self.flags = flags
        self.events: dict[tuple[str, str, int], Event] = {}
        self.node: Node = cfg.entry
        self.batch_lines: set[int] = set()  # acquires that take one more lock per iteration
        self.untracked = False  # a lock past MAX_HELD held at once was taken, not tracked
        self.released_anywhere: set[str] = set()
        # the CFG nodes each lock is released / taken at (retry.py: a retry loop's release)
        self.released_at: dict[str, set[int]] = {}
        self.taken_at: dict[str, set[int]] = {}
        self.released_via: set[str] = set()  # callee contracts whose lock is released here
        self.takes_locks = False
        self.taken_classes: set[str] = set()  # classes it takes (an unlock helper takes none)
        self.refuted_via: set[str] = set()  # callee contracts this function contradicts
        self.defs = aliases.definitions(cfg)  # locals that only name a lock's owner
        self.own_values = cfg.locals | set(cfg.params)  # no callee changes them unseen
        self.defer_returned = False
        self.mismatched: set[tuple[str, int]] = set()  # (lock, line) released as LK004
        self.callee_ends: set[tuple[str, int]] = set()  # (section, line) a callee ended
        self.unknown_calls_holding: set[str] = set()  # unknown callees called with a lock held
        self._canon: dict[str, str] = {}
        self.testing = False  # evaluating a call whose result decides a branch
        self.scoped = False  # some lock was taken for a cleanup.h scope
        self._asserted: frozenset[str] | None = None  # locks it asserts its caller holds
        calls = call_names(cfg)
        self.release_classes = _release_classes(calls, table, summaries)
        # the contexts (irq, bh) this function disables / restores anywhere, any way
        self.context_acquires = context_calls(calls, table, summaries, "acquire")
        self.context_releases = context_calls(calls, table, summaries, "release")

    # -- lock operations --------------------------------------------------------------------

    def _lock_expr(
        self, indexes: tuple[int, ...], args: tuple[Expr, ...], deref: bool = False
    ) -> str | None:
        if any(i >= len(args) for i in indexes):
            return None
        parts = [_strip(args[i].text) for i in indexes]
        if deref:
            parts = [p[1:] if p.startswith("&") else f"*{p}" for p in parts]
        return ",".join(sorted(parts))  # lock_two_nondirectories(a, b) / unlock(b, a)

    def call(self, state: State, expr: Expr, assigned: str | None) -> list[State]:
        name = expr.name
        state = masks.after_call(state, expr, self.own_values)
        told = told_flags(expr, self.summaries.get(name, ())) if state.facts else ()
        for arg in expr.children if state.facts else ():
            # `f(&dropped)`: the callee may set what it points to (unless its summary says)
            if arg.kind == "unary" and arg.name == "&" and arg.children:
                inner = arg.children[0]
                if (
                    inner.kind == "name"
                    and inner.name not in told
                    and state.fact(inner.name) is not None
                ):
                    state = state.with_fact(inner.name, None)
        rule = self.table.acquires.get(name)
        if rule is not None:
            if rule.lock is None:
                return [state]  # the lock is the result: only meaningful when assigned
            return self.acquire(state, rule, expr, assigned)
        release = self.table.releases.get(name)
        if release is not None:
            text = self._lock_expr(release.lock, expr.children)
            if text is None:
                return [state]
            lock = self._match(state, release.cls, text)
            state = self.release(state, release.cls, text, name)
            if release.context:
                state = self._restore_context(state, release.context, lock, name)
            return [state]
        if name in ("guard", "CLASS") and expr.children and expr.children[0].kind == "call":
            return self.guard_call(state, expr)
        if any(f[0][0] == "*" for f in state.facts):  # `f(shared)` may change `*shared`
            pointees = {f"*{a.name}" for a in expr.children if a.kind == "name"}
            facts = tuple(f for f in state.facts if f[0] not in pointees)
            if len(facts) != len(state.facts):
                state = replace(state, facts=facts)
        summary = self.summaries.get(name)
        if summary:
            return self.apply_summary(state, expr, summary, assigned)
        if state.held:
            self.unknown_calls_holding.add(name)  # might release it: worth a look elsewhere
        if unlocking_name(name):
            state = self._unlocking_callee(state, expr)
        if assigned is not None or self.testing:
            return [self._escape(state, expr, assigned or "*")]
        return [self._escape(state, expr, "*", lock_pointer_only=True)]

    def _unlocking_callee(self, state: State, call: Expr) -> State:
        """`wbc_attach_and_unlock_inode(wbc, inode)`: an unknown function named for unlocking
        releases the held lock whose expression or object it is given."""
        args = {a.text for a in call.children}
        compound = "and_unlock" in call.name or "unlock_and" in call.name
        for held in state.held:
            names = {held.expr, held.expr.lstrip("&")}
            if compound:  # `..._and_unlock_inode(wbc, inode)`: its object is enough
                names.add(base_variable(held.expr) or held.expr)
            if names & args:
                state = context.drop_partnered(state, held)
                return self._drop(state, held, self.node.line)
        return state

    def _escape(self, state: State, call: Expr, how: str, lock_pointer_only: bool = False) -> State:
        """A held lock passed to an unknown call whose result is tested or kept: the callee
        may have dropped it and say so in its result (expand_stack, ->read_folio)."""
        if not state.held or _ASSERTISH.search(call.name):
            return state
        args = {a.text for a in call.children}
        changed = False
        held = []
        for h in state.held:
            if lock_pointer_only and _lock_class(h) not in _LOCK_POINTER_CLASSES:
                held.append(h)
                continue  # passing a folio or an mm around is what holding its lock is for
            names = {h.expr, f"&{h.expr}", h.expr[1:] if h.expr.startswith("&") else h.expr}
            if (not h.escaped or how == "*") and h.escaped != how and names & args:
                h = replace(h, escaped=how)
                changed = True
            held.append(h)
        return replace(state, held=tuple(held)) if changed else state

    def _hand_over(
        self, state: State, rule: AcquireRule, expr: Expr, assigned: str | None
    ) -> State:
        """A hand-over-hand helper drops what it took before (the same lock, or any of its
        class when the lock is named by the result)."""
        if rule.lock is None:
            prefix = f"{rule.cls}:"
            held = tuple(h for h in state.held if not h.ident.startswith(prefix))
        else:
            text = self._lock_expr(rule.lock, expr.children, rule.deref)
            held = tuple(h for h in state.held if h.ident != f"{rule.cls}:{text}")
        return replace(state, held=held) if len(held) != len(state.held) else state

    def acquire(
        self,
        state: State,
        rule: AcquireRule,
        expr: Expr,
        assigned: str | None,
        scope: int = 0,
        args: tuple[Expr, ...] | None = None,
    ) -> list[State]:
        args = expr.children if args is None else args
        self.scoped |= scope != 0
        if rule.handover:
            state = self._hand_over(state, rule, expr, assigned)
        if rule.lock is None:
            if assigned is None:
                return [state]
            text = assigned
        else:
            found = self._lock_expr(rule.lock, args, rule.deref)
            if found is None:
                return [state]
            text = found
        already = self._match(state, rule.cls, text)
        state = self.take(state, rule.cls, text, rule.name, rule, scope)
        if rule.context and (already is None or rule.cls in self.table.nesting):
            line = self.node.line
            ident = f"{rule.cls}:{text}"
            if len(state.held) >= MAX_HELD and context.component(state, rule.context) is None:
                self.untracked |= line not in self.batch_lines  # take_context keeps to it too
            self.taken_classes.add(rule.context)
            state = context.take_context(state, rule.context, rule.name, line, ident, scope)
        return [state]

    def _restore_context(self, state: State, kind: str, lock: Held | None, fn: str) -> State:
        """The context half of `spin_unlock_irqrestore(&l, f)`: restoring a context nothing
        here disabled, after releasing a lock this function took with a plain variant and
        never disabling that context anywhere, is the variant mismatch (LK004)."""
        state, disabled = context.release_context(state, kind, self.node.line, fn)
        if disabled or lock is None or lock.entry or kind in self.context_acquires:
            return state
        rule = self.table.acquires.get(lock.fn)
        if rule is not None and not rule.context and rule.cls not in context.CONTEXT_KINDS:
            self._event("LK004", lock, self.node.line, lock.line, fn)
        return state

    def take(
        self,
        state: State,
        cls: str,
        text: str,
        fn: str,
        rule: AcquireRule | None,
        scope: int = 0,
        via: str = "",
    ) -> State:
        ident = f"{cls}:{text}"
        line = self.node.line
        self.takes_locks = True
        self.taken_at.setdefault(ident, set()).add(self.node.id)
        self.taken_classes.add(cls)
        current = self._match(state, cls, text)
        if rule is not None and rule.transition_from:
            if current is None:
                return state
            held = tuple(sorted(replace(h, fn=fn) if h is current else h for h in state.held))
            return replace(state, held=held)
        if current is not None and current.via and not via and cls not in self.table.nesting:
            # taking it itself right after the call: the caller never expected the callee to
            # return holding it, so that contract is refuted (its leak is the callee's)
            self.refuted_via.add(current.via)
            state = replace(state, held=tuple(h for h in state.held if h is not current))
            current = None
        if current is not None and current.entry and current.fn in self.table.held_tests:
            # held by someone, as a test said (release.py `held_test`): now taken here
            state = replace(state, held=tuple(h for h in state.held if h is not current))
            current = None
        if current is not None:
            if rule is not None and rule.handover or nonblocking(fn):
                return state  # a trylock of a held lock fails: it never waits for itself
            if cls in self.table.nesting:
                # local_irq_disable() with interrupts already off changes nothing: only the
                # saving forms nest
                step = 0 if context.idempotent(fn, cls) else 1
                count = min(current.count + step, 3)
                bumped = replace(current, count=count, via=current.via or via)
                held = tuple(sorted(bumped if h is current else h for h in state.held))
                return replace(state, held=held)
            if not current.stale:
                self._event("LK002", current, line, current.line, via=current.via or via)
            return state
        released = state.released
        entry = any(r[0] == ident and r[1] for r in released)
        released = tuple(r for r in released if r[0] != ident)
        batch = any(h.stale and h.fn == fn and h.ident.startswith(f"{cls}:") for h in state.held)
        if batch:
            self.batch_lines.add(line)  # one more of a series of locks kept (a batch)
        if len(state.held) >= MAX_HELD:
            self.untracked |= not batch  # a batch stops at the bound by design: no note
            return replace(state, released=released)
        # the caller's lock, asserted held, re-taken after this function dropped it
        entry = entry or self.asserted(state, text)
        taken = Held(ident, text, fn, line, scope, entry, via=via)
        return replace(state, held=tuple(sorted((*state.held, taken))), released=released)

    def asserted(self, state: State, text: str) -> bool:
        """Whether `text` names a lock this function asserts held at some point
        (`lockdep_assert_held(&caller_pool->lock)`): the caller's lock, even through a
        pointer copied from the asserted one (`locked_pool = caller_pool`)."""
        if self._asserted is None:
            found = set()
            for node in self.cfg.nodes:
                stack = [node.expr] if node.expr is not None else []
                while stack:
                    expr = stack.pop()
                    stack.extend(expr.children)
                    if expr.kind == "call" and expr.name in _HELD_ASSERTIONS and expr.children:
                        found.add(self.canon(_strip(expr.children[0].text)).lstrip("&"))
            self._asserted = frozenset(found)
        if not self._asserted:
            return False
        names = {text}
        base = base_variable(text)
        for a, b in state.aliases:
            if base in (a, b):
                names.add(_rebase(text, base, b if base == a else a))
        return any(self.canon(name).lstrip("&") in self._asserted for name in names)

    def _match(self, state: State, cls: str, text: str) -> Held | None:
        """The held lock `cls:text` denotes: by identity, through an alias, or (for locks
        only known from an `__acquires` annotation) by expression alone."""
        found = state.holding(f"{cls}:{text}") or self._alias_held(state, cls, text)
        if found is not None:
            return found
        if cls == "annotated" or any(h.ident.startswith("annotated:") for h in state.held):
            # a lock only an annotation names, matched by how code writes it
            written = written_lock(cls, text)
            for held in state.held:
                if (cls == "annotated" or held.ident.startswith("annotated:")) and (
                    held.expr == text or written_lock(_lock_class(held), held.expr) == written
                ):
                    return held
        if self.defs:  # `&sbi->s_fc_lock` is `&EXT4_SB(sb)->s_fc_lock` after `sbi = EXT4_SB(sb)`
            canon = self.canon(text)
            for held in state.held:
                if not held.stale and _lock_class(held) == cls and self.canon(held.expr) == canon:
                    return held
        return None

    def canon(self, text: str) -> str:
        found = self._canon.get(text)
        if found is None:
            found = self._canon[text] = aliases.canonical(text, self.defs)
        return found

    def template(self, expr: str) -> str | None:
        """How a caller names the lock `expr`, seen through this function's aliases."""
        if expr.endswith(OLD_VALUE):
            return None  # an object its variable no longer names
        shared = self.table.shared_values
        template = _template(expr, self.cfg.params, self.cfg.locals, shared)
        if template is None and self.defs:
            template = _template(self.canon(expr), self.cfg.params, self.cfg.locals, shared)
        return template

    def _alias_held(self, state: State, cls: str, text: str) -> Held | None:
        """The held lock `text` names through a copied pointer (`locked = anon_vma`)."""
        base = base_variable(text)
        if base is None:
            return None
        bare = text.lstrip("&*(")
        for a, b in state.aliases:
            for old, new in ((base, b), (base, a)) if base in (a, b) else ():
                candidate = state.holding(f"{cls}:{_rebase(text, old, new)}")
                if candidate is not None:
                    return candidate
            for old, new in ((a, b), (b, a)):  # `base` is `timer->base`
                if old != base and bare.startswith(old) and bare[len(old) : len(old) + 1] in "-.":
                    candidate = state.holding(f"{cls}:{_rebase(text, old, new)}")
                    if candidate is not None:
                        return candidate
        return None

    # -- defined by callsites.CallSites (calls to guards and summarised functions) -----------

    def guard_call(self, state: State, expr: Expr) -> list[State]:
        raise NotImplementedError

    def apply_summary(
        self,
        state: State,
        expr: Expr,
        summary: tuple[Effect, ...],
        assigned: str | None,
        truth: bool | None = None,
    ) -> list[State]:
        raise NotImplementedError

    # -- events -----------------------------------------------------------------------------

    def _event(
        self, code: str, held: Held, line: int, other: int, detail: str = "", via: str = ""
    ) -> None:
        key = (code, held.ident, line)
        if key not in self.events:
            subject = stable_subject(held.ident, held.expr, self.cfg)
            via = via or held.via
            event = Event(code, held.ident, held.expr, line, other, detail, subject, via)
            self.events[key] = event
