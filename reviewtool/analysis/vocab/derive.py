"""The lock vocabulary derived from header definitions.

Roots are what a header says about itself: `__acquires(x)`/`__releases(x)` on a prototype or
function, sparse's `__acquire(RCU)`/`__release(x)`/`__cond_lock(x, c)` in a body, and
out-of-line primitives whose parameter has a lock type and whose name says lock or unlock
(`extern void mutex_lock(struct mutex *lock)`), plus the hand entries of rules/locks.toml.
A macro or function whose body, free of control flow, performs exactly one lock operation
of a known primitive on one of its parameters (`#define xa_lock(xa) spin_lock(&(xa)->xa_lock)`,
`static inline void inode_lock(struct inode *inode) { down_write(&inode->i_rwsem); }`) is
that operation too; the derivation runs to a fixed point.

A lock's class is the class of its type when the wrapper's parameter has a lock type
(`spin_lock(spinlock_t *)` over `raw_spin_lock`), else the primitive's class and the path to
the lock (`rwsem ->i_rwsem`), so two wrappers of different locks of one object never meet.
Op, Conventions, the classes and the pairing of releases with acquires are in primitives.py."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from reviewtool.analysis.vocab.headers import Definition, calls_in, split_arguments
from reviewtool.analysis.vocab.primitives import STATE_CLASSES, Conventions, Op, compose

MAX_ROUNDS = 12


_CONTROL = re.compile(r"\b(?:if|for|switch|goto|else|case)\b|\?|\bwhile\b(?!\s*\(\s*0\s*\))")
_CAST = re.compile(r"^\(\s*(?:const\s+)?(?:struct\s+|union\s+)?\w+\s*\**\s*\)\s*(?!->|\.)")
_ACCESS = re.compile(r"\(?\s*([A-Za-z_]\w*)\s*\)?((?:\s*(?:->|\.)\s*[A-Za-z_]\w*)*)")
_GLOBAL = re.compile(r"[A-Za-z_]\w*(?:\s*(?:->|\.)\s*[A-Za-z_]\w*)*")


def _strip_parens(text: str) -> str:
    text = text.strip()
    while text.startswith("(") and text.endswith(")"):
        inner = text[1:-1]
        depth = 0
        for char in inner:
            depth += (char == "(") - (char == ")")
            if depth < 0:
                return text
        text = inner.strip()
    return text


@dataclass(frozen=True, slots=True)
class _Lock:
    """Where a call's lock argument comes from in the calling definition."""

    param: int | None  # None: a global lock expression
    chain: str  # `->field` path from the parameter (or the global expression)
    type: str  # the lock's C type when known: the parameter's, or a converter's
    owner: str = ""  # the parameter's declared type when the lock hangs off it


class Deriver:
    def __init__(self, conventions: Conventions, hand: Iterable[Op]) -> None:
        self.conv = conventions
        self.known: dict[str, Op] = {op.name: op for op in hand}
        self.hand = frozenset(self.known)
        self.converters: dict[str, tuple[str, str]] = {}  # name -> (param type, chain)

    # -- roots --------------------------------------------------------------------------

    def _root(self, d: Definition) -> Op | None:
        lock_notes = [n for n in d.annotations if n[0] in ("__acquires", "__releases")]
        if len(lock_notes) > 1:
            return None  # takes or drops two locks at once: no single primitive
        for macro, argument in d.annotations:
            op = {"__acquires": "acquire", "__releases": "release"}.get(macro)
            if macro == "__cond_acquires":
                op = "acquire"
            if op is None:
                continue
            found = self._annotated(d, op, argument.strip(), macro == "__cond_acquires")
            if found is not None:
                return found
        if d.kind == "function" and not d.body.strip() or d.kind == "prototype":
            return self._by_convention(d)
        return None

    def _annotated(self, d: Definition, op: str, argument: str, cond: bool) -> Op | None:
        when = "nonzero" if cond else ""
        if argument in self.conv.contexts:
            return self._op(d, op, self.conv.contexts[argument], (), when)
        names = [p.name for p in d.params]
        if argument in names:
            index = names.index(argument)
            cls = self.conv.types.get(d.params[index].type)
            if cls is not None:
                return self._op(d, op, cls, (index,), when)
            return None
        access = _ACCESS.fullmatch(argument.lstrip("&").strip())
        if access is None or access.group(1) not in names or not access.group(2):
            return None
        # `__acquires(rq->lock)`: a lock inside a parameter, of a type the header does not say
        index = names.index(access.group(1))
        chain = re.sub(r"\s", "", access.group(2))
        cls = compose("annotated", chain, d.params[index].type)
        return self._op(d, op, cls, (index,), when)

    def _by_convention(self, d: Definition) -> Op | None:
        words = set(self.conv.words(d.name))
        if self.conv.says(d.name, self.conv.skip_words):
            return None
        typed = [(i, p) for i, p in enumerate(d.params) if p.type in self.conv.types]
        if len(typed) != 1:
            return None
        if self.conv.says(d.name, self.conv.release_words):
            op = "release"
        elif self.conv.says(d.name, self.conv.acquire_words):
            op = "acquire"
        else:
            return None
        index, param = typed[0]
        when = ""
        if op == "acquire" and re.search(r"\b(?:int|bool)\b", d.returns):
            when = next((w for k, w in self.conv.conditional.items() if k in words), "")
            if not when:
                return None  # a result whose meaning the name does not say (virt_spin_lock)
        return self._op(d, op, self.conv.types[param.type], (index,), when)

    def _op(self, d: Definition, op: str, cls: str, lock: tuple[int, ...], when: str) -> Op:
        return Op(
            d.name,
            op,
            cls,
            lock,
            when,
            self.conv.variant(d.name),
            self.conv.side(d.name),
            f"{d.path}:{d.line}",
        )

    def _converter(self, d: Definition) -> None:
        """`spinlock_check(spinlock_t *lock) { return &lock->rlock; }`: a typed accessor."""
        if d.kind != "function" or len(d.params) != 1:
            return
        match = re.fullmatch(r"\s*return\s+(.+?);\s*", d.body, re.DOTALL)
        if match is None or d.params[0].type not in self.conv.types:
            return
        expr = _strip_parens(match.group(1)).lstrip("&")
        access = _ACCESS.fullmatch(expr)
        if access is not None and access.group(1) == d.params[0].name:
            self.converters[d.name] = (d.params[0].type, re.sub(r"\s", "", access.group(2)))

    # -- wrappers -----------------------------------------------------------------------

    def _lock_argument(self, text: str, d: Definition, depth: int = 0) -> _Lock | None:
        text = _strip_parens(text)
        parts = split_arguments(text)
        if len(parts) > 1:  # `((void)(subclass), (lock))`
            text = _strip_parens(parts[-1])
        text = _CAST.sub("", text).lstrip("&").strip()
        call = re.fullmatch(r"([A-Za-z_]\w*)\s*\((.*)\)", text, re.DOTALL)
        if call is not None and depth < 4:
            args = split_arguments(call.group(2))
            if call.group(1) in self.conv.accessors and len(args) == 2 and args[1].isidentifier():
                return self._lock_argument(f"({args[0]})->{args[1]}", d, depth + 1)
            inner = self._lock_argument(args[0], d, depth + 1)
            if inner is None:
                return None
            if call.group(1) in self.converters and inner.param is not None:
                ptype, _chain = self.converters[call.group(1)]
                return _Lock(inner.param, inner.chain, ptype)
            return inner if call.group(1) in self.conv.transparent else None
        text = text.lstrip("&").strip()
        access = _ACCESS.fullmatch(text)
        if access is None:
            return None
        names = [p.name for p in d.params]
        chain = re.sub(r"\s", "", access.group(2))
        if access.group(1) in names:
            index = names.index(access.group(1))
            declared = d.params[index].type
            return _Lock(index, chain, "" if chain else declared, declared if chain else "")
        base = access.group(1)
        local = re.search(rf"[\w*]\s+\**\s*{base}\s*[=;\[,)]", d.body)
        if _GLOBAL.fullmatch(text) and not base.isupper() and local is None:
            return _Lock(None, "&" + re.sub(r"\s", "", text), "")
        return None

    def _body_ops(self, d: Definition) -> list[tuple[Op, list[_Lock | None], bool]] | None:
        """(primitive, where each of its lock arguments comes from, result passed on)."""
        body = d.body
        if not body or _CONTROL.search(body):
            return None
        found: list[tuple[Op, list[str], bool]] = []
        consumed_until = -1
        for callee, args, start, end in calls_in(body):
            if start < consumed_until:
                continue
            if callee == "__cond_lock" and len(args) == 2:
                inner = re.match(r"\s*([A-Za-z_]\w*)\s*\(", args[1])
                primitive = self.known.get(inner.group(1)) if inner else None
                if primitive is not None and primitive.op == "acquire":
                    found.append((replace(primitive, acquired_when="nonzero"), [args[0]], True))
                    consumed_until = end
                continue
            if callee in ("__acquire", "__release") and args:
                op = "acquire" if callee == "__acquire" else "release"
                context = self.conv.contexts.get(args[0].strip())
                if context is not None:
                    found.append((Op(callee, op, context, ()), [], False))
                continue
            primitive = self.known.get(callee)
            if primitive is None:
                continue
            passed = bool(primitive.acquired_when) and self._passes_result(body, start)
            lock_args = [args[i] if i < len(args) else "" for i in primitive.lock]
            found.append((primitive, lock_args, passed))
        return [
            (op, [self._lock_argument(a, d) if a else None for a in args], passed)
            for op, args, passed in found
        ]

    def _unknown_lock_call(self, d: Definition) -> bool:
        """A call in the body to something named for locking that is not a primitive."""
        words = self.conv.acquire_words | self.conv.release_words
        return any(
            name not in self.known and self.conv.says(name, words)
            for name, _args, _start, _end in calls_in(d.body)
        )

    @staticmethod
    def _passes_result(body: str, offset: int) -> bool:
        """The call's result is what the definition returns: a macro that is the call, a
        `return call(...)`, or `ret = call(...); ... return ret;`."""
        before = body[:offset].rstrip()
        if not before.strip("( \t\n"):
            return True  # the macro's value is the call
        if before.endswith("return"):
            return True
        assigned = re.search(r"([A-Za-z_]\w*)\s*=\s*$", before)
        return (
            assigned is not None
            and re.search(rf"\breturn\s+{assigned.group(1)}\s*;", body[offset:]) is not None
        )

    def _wrapper(self, d: Definition) -> Op | None:
        ops = self._body_ops(d)
        if not ops:
            return None
        locks = [(op, args, passed) for op, args, passed in ops if op.cls not in STATE_CLASSES]
        states = [op for op, _, _ in ops if op.cls in STATE_CLASSES]
        kinds = {op.op for op, _, _ in ops}
        if len(kinds) != 1:
            return None  # takes and releases: a critical section, not a wrapper
        if not locks:
            if self._by_convention(d) is not None:
                return None  # `__raw_spin_lock(raw_spinlock_t *)`: its name says what it is
            if self._unknown_lock_call(d):
                return None  # `local_irq_save(); raw_spin_rq_lock(rq);`: more than IRQs
            classes = {op.cls for op in states}
            if len(classes) != 1:
                return None
            primitive = states[0]
            return self._derived(d, primitive, primitive.cls, (), "", primitive.variant)
        if len({(op.cls, tuple(args)) for op, args, _ in locks}) != 1:
            return None  # two different locks
        primitive, args, passed = locks[0]
        if primitive.acquired_when and not passed:
            return None  # a conditional acquire whose outcome the caller cannot see
        when = primitive.acquired_when
        variant = next((op.variant for op in states if op.variant), primitive.variant)
        if not primitive.lock:
            return self._derived(d, primitive, primitive.cls, (), when, variant)
        if any(a is None for a in args) or len(args) != 1:
            return None
        lock = args[0]
        assert lock is not None
        if lock.param is None:
            cls = compose(primitive.cls, lock.chain)
            return self._derived(d, primitive, cls, (), when, variant)
        types = self.conv.types  # a wrapper taking the lock's own type: `spin_lock(spinlock_t *)`
        cls = types.get(lock.type) or types.get(lock.owner)
        cls = cls or compose(primitive.cls, lock.chain, lock.owner)
        return self._derived(d, primitive, cls, (lock.param,), when, variant)

    def _derived(
        self, d: Definition, primitive: Op, cls: str, lock: tuple[int, ...], when: str, variant: str
    ) -> Op:
        return Op(
            d.name,
            primitive.op,
            cls,
            lock,
            when,
            self.conv.variant(d.name) or variant,
            self.conv.side(d.name) or primitive.side,
            f"{d.path}:{d.line}",
        )

    # -- driver -------------------------------------------------------------------------

    def run(self, definitions: Iterable[Definition]) -> dict[str, Op]:
        by_name: dict[str, list[Definition]] = {}
        for d in definitions:
            if d.name not in self.hand:
                by_name.setdefault(d.name, []).append(d)
        for group in by_name.values():
            for d in group:
                self._converter(d)
        for name, group in by_name.items():
            root = next((r for d in group if (r := self._root(d)) is not None), None)
            if root is not None:
                self.known[name] = root
        roots = dict(self.known)
        pending = {n: g for n, g in by_name.items() if n not in roots}
        derived: dict[str, Op] = {}
        for _ in range(MAX_ROUNDS):  # again from scratch: a callee found later can veto
            self.known = {**roots, **derived}
            found = {}
            for name, group in pending.items():
                op = next((w for d in group if (w := self._wrapper(d)) is not None), None)
                if op is not None:
                    found[name] = op
            if found == derived:
                break
            derived = found
        self.known = {**roots, **derived}
        for name, group in pending.items():  # typed primitives with a body we cannot follow
            if name in derived:
                continue
            op = next((c for d in group if (c := self._by_convention(d)) is not None), None)
            if op is not None:
                self.known[name] = op
        return {n: op for n, op in self.known.items() if n not in self.hand}
