"""Lock-state dataflow over each function's CFG: the locks held along every path (a set of
abstract states per CFG node: held locks, known-released locks, flag and alias facts), trylock
and *_interruptible results, cleanup.h scopes, same-file wrapper summaries, bounded work.

Lock identity is `class:expression`: the lock class from rules/locks.toml and the normalised
argument expression (`spinlock:&root->lock`, `mm: anon_vma rwsem:anon_vma`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache

from reviewtool.analysis.cfg import CFG, Node, build_cfg
from reviewtool.csyntax import FileFacts, Function
from reviewtool.csyntax.ir import Expr, lower_function
from reviewtool.resources import Rules, default_rules

MAX_STATES_PER_NODE = 1024
MAX_STEPS = 40_000  # (node, state) transfers per function
MAX_HELD = 8  # distinct held locks tracked in one state
RETURNED = "\x00r\x00"  # in a summary template: the variable the call's result is assigned to


# -- rule data ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AcquireRule:
    name: str
    releases: frozenset[str]
    cls: str
    lock: tuple[int, ...] | None  # None: named by the variable the result is assigned to
    acquired_when: str = ""  # "", "nonzero", "zero", "nonnull"
    deref: bool = False
    handover: bool = False
    transition_from: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ReleaseRule:
    name: str
    cls: str
    lock: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class LockTable:
    acquires: dict[str, AcquireRule]
    releases: dict[str, ReleaseRule]
    guards: dict[str, str]
    cond_guards: dict[str, str]
    nesting: frozenset[str]  # classes whose acquire may nest (rcu, preempt, irq, read sides)
    protocol_classes: frozenset[str] = frozenset()  # may return held under a return code


def _lock_spec(value: object) -> tuple[int, ...] | None:
    if value == "return":
        return None
    return tuple(int(v) for v in value) if isinstance(value, list) else ()


@cache
def _table_for(rules: Rules) -> LockTable:
    table = rules.table("locks")
    acquires = {}
    for entry in table.get("acquire", ()):
        rule = AcquireRule(
            name=entry["name"],
            releases=frozenset(entry.get("releases", ())),
            cls=entry.get("class", entry["name"]),
            lock=_lock_spec(entry.get("lock", [0])),
            acquired_when=entry.get("acquired_when", ""),
            deref=bool(entry.get("deref", False)),
            handover=bool(entry.get("handover", False)),
            transition_from=frozenset(entry.get("transition_from", ())),
        )
        previous = acquires.get(rule.name)
        if previous is not None:
            rule = replace(previous, releases=previous.releases | rule.releases)
        acquires[rule.name] = rule
    releases = {
        entry["name"]: ReleaseRule(
            entry["name"], entry.get("class", entry["name"]), tuple(entry.get("lock", [0]))
        )
        for entry in table.get("release", ())
    }
    return LockTable(
        acquires,
        releases,
        dict(table.get("guards", {})),
        dict(table.get("cond_guards", {})),
        frozenset(table.get("nesting_classes", ())),
        frozenset(table.get("returned_by_protocol", ())),
    )


def lock_table(rules: Rules | None = None) -> LockTable:
    return _table_for(rules or default_rules())


# -- abstract state ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class Held:
    ident: str  # class:expression
    expr: str  # the expression as written (display)
    fn: str  # the acquiring function (variant)
    line: int
    scope: int = 0  # cleanup.h scope it is released at, 0 for none
    entry: bool = False  # the caller's lock, released and re-taken here
    stale: bool = False  # its expression's variable was reassigned: no longer nameable
    escaped: str = ""  # passed to a call whose result reports on it: "*" tested, else the var
    count: int = 1


@dataclass(frozen=True, slots=True)
class State:
    held: tuple[Held, ...] = ()
    # (ident, was the caller's, line released, line it had been taken, 0 if not here)
    released: tuple[tuple[str, bool, int, int], ...] = ()
    facts: tuple[tuple[str, bool], ...] = ()  # variable -> truthiness
    aliases: tuple[tuple[str, str], ...] = ()  # variable -> variable it was copied from

    def fact(self, name: str) -> bool | None:
        return next((v for n, v in self.facts if n == name), None)

    def with_fact(self, name: str, value: bool | None) -> State:
        facts = tuple(f for f in self.facts if f[0] != name)
        if value is not None:
            facts = tuple(sorted((*facts, (name, value))))
        return replace(self, facts=facts)

    def holding(self, ident: str) -> Held | None:
        return next((h for h in self.held if h.ident == ident), None)


@dataclass(frozen=True, slots=True)
class Event:
    """A finding-worthy event: code LK001..LK004, the lock, and the lines involved."""

    code: str
    ident: str
    expr: str
    line: int  # where it happens (exit line for LK001)
    other_line: int  # acquire line (LK001/LK002/LK004) or previous release (LK003)
    detail: str = ""  # the branch leading to the exit, or the mismatching function
    subject: str = ""  # identity for the finding key: class and expression, variables
    #                    abstracted (`spinlock:&$1->lock`) so renaming one keeps the key


@dataclass(frozen=True, slots=True)
class Effect:
    """One lock effect of a summarised function, in terms of its parameters."""

    op: str  # "acquire" or "release"
    cls: str
    template: str  # expression with `\x00N\x00` for parameter N, RETURNED for the result
    fn: str
    acquired_when: str = ""


@dataclass(frozen=True, slots=True)
class Exit:
    line: int
    state: State
    truth: bool | None  # of the returned value, None when unknown or void
    returned: str | None  # the variable or field returned, if that is what is returned
    computed: bool = False  # returns a computed value (not a constant, not void)


@dataclass
class FunctionResult:
    name: str
    events: list[Event] = field(default_factory=list)
    steps: int = 0
    states: int = 0
    budget_exceeded: bool = False
    analysed: bool = False
    summary: tuple[Effect, ...] = ()
    exits: list[Exit] = field(default_factory=list)
    error: str = ""  # the analysis gave up on input it could not handle (nothing reported)


@dataclass
class FileLocks:
    functions: dict[tuple[str, int], FunctionResult]  # by (name, first line): #ifdef twins

    def result(self, fn: Function) -> FunctionResult | None:
        return self.functions.get((fn.name, fn.start_line))

    @property
    def steps(self) -> int:
        return sum(r.steps for r in self.functions.values())


# -- expressions ---------------------------------------------------------------------------

_IDENT = re.compile(r"[A-Za-z_]\w*")
_PATH = re.compile(r"[A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*|\[\w+\])*")


def lvalue_key(expr: Expr | None) -> str | None:
    """The key facts are kept under: a variable or a field path (`vmf->pte`)."""
    if expr is None:
        return None
    if expr.kind == "name":
        return expr.name
    if expr.kind == "other" and _PATH.fullmatch(expr.text):
        return expr.text
    return None


def _strip(text: str) -> str:
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1]
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += (char == "(") - (char == ")")
        if depth < 0:
            return False
    return depth == 0


def base_variable(expr: str) -> str | None:
    """The variable a lock expression hangs off: `&foo->bar.lock` -> foo."""
    match = _IDENT.match(expr.lstrip("&*("))
    return match.group(0) if match else None


def _rebase(expr: str, old: str, new: str) -> str:
    prefix = len(expr) - len(expr.lstrip("&*("))
    head, rest = expr[:prefix], expr[prefix:]
    return head + new + rest[len(old) :] if rest.startswith(old) else expr


def _substitute(template: str, args: tuple[Expr, ...], assigned: str | None) -> str | None:
    if RETURNED in template:
        if assigned is None:
            return None
        template = template.replace(RETURNED, assigned)

    def arg(match: re.Match[str]) -> str:
        index = int(match.group(1))
        if index >= len(args):
            raise IndexError
        text = args[index].text
        return text if _PATH.fullmatch(text) else f"({text})"

    whole = re.fullmatch("\x00(\\d+)\x00", template)
    if whole is not None:
        index = int(whole.group(1))
        return args[index].text if index < len(args) else None
    try:
        text = re.sub("\x00(\\d+)\x00", arg, template)
    except IndexError:
        return None
    # (&x)->f is x.f; keep the common spelling so idents match.
    text = re.sub(r"\*\(&([\w.>-]+)\)|\*&([\w.>-]+)", lambda m: m.group(1) or m.group(2), text)
    return re.sub(r"\(&(\w+)\)->", r"\1.", text)


# -- the dataflow ----------------------------------------------------------------------------


class _Analysis:
    """The dataflow of one function."""

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
        self.steps = 0
        self.exits: list[Exit] = []
        self.batch_lines: set[int] = set()  # acquires that take one more lock per iteration
        self.released_anywhere: set[str] = set()
        self.testing = False  # evaluating a call whose result decides a branch
        self.live = live_facts(cfg, flags)
        # local_irq_save(); spin_lock(); ... spin_unlock_irqrestore(): split variants are legal
        irq_calls = {name for name, r in table.acquires.items() if r.cls in _IRQ_CLASSES} | {
            name for name, r in table.releases.items() if r.cls in _IRQ_CLASSES
        }
        self.release_classes = _release_classes(cfg, table, summaries)
        self.wrapper_named = _wrapper_name(cfg.name)
        self.split_variants = any(
            node.expr is not None and _mentions(node.expr, irq_calls) for node in cfg.nodes
        )

    # -- driver ---------------------------------------------------------------------------

    def run(self) -> bool:
        """False when the budget was exceeded (then nothing it found is reported)."""
        seen: dict[int, set[State]] = {n.id: set() for n in self.cfg.nodes}
        pending: dict[int, list[State]] = {0: [State()]}
        seen[0].add(State())
        work = [0]
        while work:
            node_id = work.pop()
            states = pending.pop(node_id, [])
            node = self.cfg.nodes[node_id]
            self.node = node
            for state in states:
                if self.steps >= MAX_STEPS:
                    return False
                self.steps += 1
                for target, out in self.transfer(node, state):
                    out = self._enter(out, self.cfg.nodes[target])
                    bucket = seen[target]
                    if out in bucket:
                        continue
                    if len(bucket) >= MAX_STATES_PER_NODE:
                        return False
                    bucket.add(out)
                    if target not in pending:
                        pending[target] = []
                        work.append(target)
                    pending[target].append(out)
        return True

    def _enter(self, state: State, node: Node) -> State:
        """Crossing into `node`: facts nothing reads any more are forgotten (so paths that
        differ only in them merge), cleanup.h guards of scopes no longer open are released."""
        live = self.live[node.id]
        if any(key not in live for key, _ in state.facts):
            state = replace(state, facts=tuple(f for f in state.facts if f[0] in live))
        if not any(h.scope and h.scope not in node.scopes for h in state.held):
            return state
        held = tuple(h for h in state.held if not h.scope or h.scope in node.scopes)
        return replace(state, held=held)

    def transfer(self, node: Node, state: State) -> Iterable[tuple[int, State]]:
        kind = node.kind
        if kind in ("return", "end"):
            self.exit(node, state)
            return ()
        if kind == "dead":
            self.effects(state, node.expr)
            return ()
        if kind == "branch":
            return [
                (target, out)
                for out, truth in self.condition(state, node.expr)
                for target, label in node.succ
                if label is truth
            ]
        if kind == "guard":
            return self.scoped_guard(node, state)
        if kind == "switch":
            outs = self.effects(state, node.expr)
            return [(target, out) for out in outs for target, _ in node.succ]
        outs = self.effects(state, node.expr) if node.expr is not None else [state]
        return [(target, out) for out in outs for target, _ in node.succ]

    # -- exits ------------------------------------------------------------------------------

    def exit(self, node: Node, state: State) -> None:
        results: list[tuple[State, bool | None]]
        if node.kind == "return" and node.expr is not None:
            results = [(s, t) for s, t in self.condition(state, node.expr, returning=True)]
        else:
            results = [(state, None)]
        returned = lvalue_key(node.expr) if node.kind == "return" else None
        computed = node.kind == "return" and node.expr is not None and not _constant(node.expr)
        for out, truth in results:
            out = replace(out, held=tuple(h for h in out.held if not h.scope))
            self.exits.append(Exit(node.line, out, truth, returned, computed))

    # -- conditions -------------------------------------------------------------------------

    def condition(
        self, state: State, expr: Expr | None, returning: bool = False
    ) -> list[tuple[State, bool | None]]:
        """The states after evaluating `expr`, each with the truth it had (None: unknown, only
        when `returning`: a value returned whose truth nothing decides)."""
        if expr is None:
            return [(state, True)]
        kind = expr.kind
        if kind == "const":
            return [(state, bool(expr.value))] if expr.value is not None else self._both(state)
        key = lvalue_key(expr)
        if key is not None:
            value = state.fact(key)
            if value is not None:
                return [(state, value)]
            if returning:
                locked_through = any(base_variable(h.expr) == key for h in state.held)
                return [(state, True if locked_through else None)]
            if key in self.flags:
                return [(state.with_fact(key, True), True), (state.with_fact(key, False), False)]
            return self._both(state)
        if kind == "unary" and expr.name == "!" and expr.children:
            return [
                (s, None if t is None else not t)
                for s, t in self.condition(state, expr.children[0], returning)
            ]
        if kind == "binary" and expr.name in ("&&", "||") and len(expr.children) == 2:
            return self._logical(state, expr)
        if kind == "call" and expr.name in _TRANSPARENT and len(expr.children) == 1:
            return self.condition(state, expr.children[0], returning)
        if kind == "binary" and len(expr.children) == 2:
            zero_test = self._zero_test(expr)
            if zero_test is not None:
                operand, positive = zero_test
                return [
                    (s, None if t is None else t == positive)
                    for s, t in self.condition(state, operand, returning)
                ]
        if kind == "binary" and expr.name in ("==", "!=") and len(expr.children) == 2:
            left, right = (c.text for c in expr.children)
            if (left, right) in state.aliases or (right, left) in state.aliases:
                return [(state, expr.name == "==")]  # `swapcache = folio; ... folio != swapcache`
        atom = _atom(expr)
        if atom is not None and atom[0] in self.flags:
            key, positive = atom
            value = state.fact(key)
            if value is not None:
                return [(state, value == positive)]
            if returning:
                return [(state, None)]
            return [
                (state.with_fact(key, positive), True),
                (state.with_fact(key, not positive), False),
            ]
        if kind == "call":
            rule = self.table.acquires.get(expr.name)
            if rule is not None and rule.acquired_when:
                return self._conditional_acquire(state, expr, rule, None)
            summary = self._conditional_summary(expr)
            if summary is not None:
                return self._summary_condition(state, expr, summary)
            self.testing = True
            try:
                outs = self.effects(state, expr)
            finally:
                self.testing = False
            if returning:
                return [(s, None) for s in outs]
            return [(s, t) for s in outs for t in (True, False)]
        if kind == "assign" and expr.name == "=" and len(expr.children) == 2:
            target, value = expr.children
            outs = self.assign(state, target, value)
            return [(s, t) for o in outs for s, t in self.condition(o, target, returning)]
        outs = self.effects(state, expr)
        if returning:
            return [(s, None) for s in outs]
        return [(s, t) for s in outs for t in (True, False)]

    @staticmethod
    def _both(state: State) -> list[tuple[State, bool | None]]:
        return [(state, True), (state, False)]

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

    def _logical(self, state: State, expr: Expr) -> list[tuple[State, bool | None]]:
        left, right = expr.children
        out: list[tuple[State, bool | None]] = []
        short = expr.name == "||"
        for s, t in self.condition(state, left):
            if t is short:
                out.append((s, t))
            else:
                out.extend(self.condition(s, right))
        return out

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
                    for out, truth in self._summary_condition(
                        self.clobber(s, name), value, summary, assigned=name
                    ):
                        result.append(out.with_fact(name, truth) if truth is not None else out)
                return result
        if value.kind == "call" and name is not None:
            outs = [
                o for s in self._effects_of_args(state, value) for o in self.call(s, value, name)
            ]
        else:
            outs = self.effects(state, value)
        if name is None:
            return outs
        return [self._bind(self.clobber(s, name), name, value) for s in outs]

    def _conditional_value(self, value: Expr) -> bool:
        """Whether `value` is a conditional acquire seen through `!`, `likely()` or a
        comparison with 0."""
        for _ in range(8):
            if _see_through(value):
                value = value.children[0]
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
        if value.kind == "name":
            known = state.fact(value.name)
            locked_base = any(base_variable(h.expr) == value.name for h in state.held)
            if known is None and locked_base:
                known = True  # a pointer something was locked through is not NULL
            state = replace(state, aliases=tuple(sorted((*state.aliases, (name, value.name)))))
            if name in self.flags and known is not None:
                state = state.with_fact(name, known)
        return state

    def clobber(self, state: State, name: str) -> State:
        """`name` gets a new value: forget its facts and aliases; locks named through it are
        renamed to a variable still holding the old value, or become stale."""
        facts = tuple(
            f
            for f in state.facts
            if f[0] != name
            and base_variable(f[0]) != name
            and (f[0].isidentifier() or name not in _BASE_IDENT.findall(f[0]))
            and not f[0].startswith((f"{name}->", f"{name}."))
        )
        released = tuple(r for r in state.released if not _names(r[0].split(":", 1)[1], name))
        copies = [a for a, b in state.aliases if b == name and a.isidentifier()]
        aliases = tuple(
            (a, b) for a, b in state.aliases if not _names(a, name) and not _names(b, name)
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
            return [self.release(state, release.cls, text, name)]
        if name in ("guard", "CLASS") and expr.children and expr.children[0].kind == "call":
            return self.guard_call(state, expr)
        summary = self.summaries.get(name)
        if summary:
            return self.apply_summary(state, expr, summary, assigned)
        if "unlock" in name.lower() and not _ASSERTISH.search(name):
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
                return self._drop(state, held, self.node.line)
        return state

    def _escape(self, state: State, call: Expr, how: str, lock_pointer_only: bool = False) -> State:
        """A held lock passed to an unknown call whose result is tested or kept: the callee
        may have dropped it and say so in its result (expand_stack, ->read_folio)."""
        if _ASSERTISH.search(call.name) or not state.held:
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
        return [self.take(state, rule.cls, text, rule.name, rule, scope)]

    def take(
        self, state: State, cls: str, text: str, fn: str, rule: AcquireRule | None, scope: int = 0
    ) -> State:
        ident = f"{cls}:{text}"
        line = self.node.line
        current = self._match(state, cls, text)
        if rule is not None and rule.transition_from:
            if current is None:
                return state
            held = tuple(sorted(replace(h, fn=fn) if h is current else h for h in state.held))
            return replace(state, held=held)
        if current is not None:
            if rule is not None and rule.handover:
                return state
            if cls in self.table.nesting:
                bumped = replace(current, count=min(current.count + 1, 3))
                held = tuple(sorted(bumped if h is current else h for h in state.held))
                return replace(state, held=held)
            if not current.stale:
                self._event("LK002", current, line, current.line)
            return state
        released = state.released
        entry = any(r[0] == ident and r[1] for r in released)
        released = tuple(r for r in released if r[0] != ident)
        if any(h.stale and h.fn == fn and h.ident.startswith(f"{cls}:") for h in state.held):
            self.batch_lines.add(line)  # one more of a series of locks kept (a batch)
        if len(state.held) >= MAX_HELD:
            return replace(state, released=released)
        held = tuple(sorted((*state.held, Held(ident, text, fn, line, scope, entry))))
        return replace(state, held=held, released=released)

    def _match(self, state: State, cls: str, text: str) -> Held | None:
        """The held lock `cls:text` denotes: by identity, through an alias, or (for locks
        only known from an `__acquires` annotation) by expression alone."""
        found = state.holding(f"{cls}:{text}") or self._alias_held(state, cls, text)
        if found is not None:
            return found
        for held in state.held:
            if held.expr == text and (cls == "annotated" or held.ident.startswith("annotated:")):
                return held
        return None

    def _alias_held(self, state: State, cls: str, text: str) -> Held | None:
        """The held lock `text` names through a copied pointer (`locked = anon_vma`)."""
        base = base_variable(text)
        if base is None:
            return None
        for a, b in state.aliases:
            for old, new in ((base, b), (base, a)) if base in (a, b) else ():
                candidate = state.holding(f"{cls}:{_rebase(text, old, new)}")
                if candidate is not None:
                    return candidate
        return None

    def release(self, state: State, cls: str, text: str, fn: str, certain: bool = True) -> State:
        ident = f"{cls}:{text}"
        line = self.node.line
        current = self._match(state, cls, text)
        if current is not None and not current.entry:
            self.released_anywhere.add(current.ident)  # taken and dropped here: not a wrapper
        if current is not None:
            if current.count > 1:
                lowered = replace(current, count=current.count - 1)
                return replace(
                    state, held=tuple(sorted(lowered if h is current else h for h in state.held))
                )
            rule = self.table.acquires.get(current.fn)
            mismatch = rule is not None and fn in self.table.releases and fn not in rule.releases
            if mismatch and self.split_variants and _same_base_api(current.fn, fn):
                state = self._drop_split_part(state, fn)
            elif mismatch:
                self._event("LK004", current, line, current.line, fn)
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
                return self._drop(state, other, line)
            self._event("LK003", Held(ident, text, fn, line), line, previous[2], fn)
            return state
        stale = [h for h in state.held if h.stale and h.ident.startswith(f"{cls}:")]
        if stale:
            return self._drop(state, stale[0], line)
        if len(others) == 1 and cls in _LOCK_POINTER_CLASSES:
            self._event("LK004", others[0], line, others[0].line, f"{fn}({text})")
            return self._drop(state, others[0], line)
        released = tuple(sorted((*state.released, (ident, True, line, 0))))
        return replace(state, released=released)

    @staticmethod
    def _drop_split_part(state: State, fn: str) -> State:
        """`spin_unlock_irqrestore` after `local_irq_save` + `spin_lock`: it also ends the
        IRQ-off section the plain lock was nested in."""
        cls = "bh" if fn.endswith("_bh") else "irq"
        if not fn.endswith(("_irqrestore", "_irq", "_bh")):
            return state
        part = next((h for h in state.held if h.ident.startswith(f"{cls}:")), None)
        if part is None:
            return state
        return replace(state, held=tuple(h for h in state.held if h is not part))

    def _drop(self, state: State, held: Held, line: int) -> State:
        rest = tuple(h for h in state.held if h is not held)
        released = tuple(r for r in state.released if r[0] != held.ident)
        released = tuple(sorted((*released, (held.ident, held.entry, line, held.line))))
        return replace(state, held=rest, released=released)

    def guard_call(self, state: State, expr: Expr) -> list[State]:
        inner = expr.children[0]
        if not inner.children:
            return [state]
        guard_type = inner.children[0].text
        acquire = self.table.guards.get(guard_type)
        rule = self.table.acquires.get(acquire or "")
        if rule is None:
            return [state]
        scope = self.node.scopes[-1] if self.node.scopes else 0
        return self.acquire(state, rule, expr, None, scope=scope or -1, args=expr.children[1:])

    def scoped_guard(self, node: Node, state: State) -> list[tuple[int, State]]:
        guard = node.expr
        true_edges = [t for t, label in node.succ if label is True]
        false_edges = [t for t, label in node.succ if label is False]
        if guard is None or not guard.children:
            return [(t, state) for t in true_edges]
        guard_type = guard.children[0].text
        conditional = guard_type in self.table.cond_guards
        acquire = (self.table.cond_guards if conditional else self.table.guards).get(guard_type)
        rule = self.table.acquires.get(acquire or "")
        args = guard.children[2:] if conditional else guard.children[1:]
        taken = [state]
        if rule is not None:
            plain = replace(rule, acquired_when="")
            taken = self.acquire(state, plain, guard, None, scope=node.scope, args=args)
        out = [(t, s) for t in true_edges for s in taken]
        if conditional:
            out.extend((t, state) for t in false_edges)
        return out

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
            for taken in self.acquire(s, plain, expr, assigned):
                outs.append((self._note(taken, assigned, taken_truth), taken_truth))
            outs.append((self._note(s, assigned, not taken_truth), not taken_truth))
        return outs

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
        effect = next(e for e in summary if e.acquired_when)
        truth = effect.acquired_when != "zero"
        taken = self.apply_summary(state, expr, summary, assigned, conditional=True)
        return [(s, truth) for s in taken] + [(state, not truth)]

    def apply_summary(
        self,
        state: State,
        expr: Expr,
        summary: tuple[Effect, ...],
        assigned: str | None,
        conditional: bool = False,
    ) -> list[State]:
        for effect in summary:
            if effect.acquired_when and not conditional:
                continue
            text = _substitute(effect.template, expr.children, assigned)
            if text is None:
                continue
            if effect.op == "acquire" and not self._confirmed(effect):
                continue
            if effect.op == "acquire":
                rule = self.table.acquires.get(effect.fn)
                state = self.take(
                    state,
                    effect.cls,
                    text,
                    effect.fn,
                    replace(rule, acquired_when="") if rule else None,
                )
            elif not self._known_null(state, effect.template, expr.children):
                state = self.release(state, effect.cls, text, effect.fn, certain=False)
        return [state]

    def _confirmed(self, effect: Effect) -> bool:
        """A callee said to return holding a lock only counts in callers that release that
        kind of lock somewhere (or hand it on): otherwise its own bug (a forgotten unlock in
        a `..._start()` helper) would be reported in every caller instead of in it."""
        return effect.cls == "annotated" or effect.cls in self.release_classes or self.wrapper_named

    @staticmethod
    def _known_null(state: State, template: str, args: tuple[Expr, ...]) -> bool:
        """The argument the effect hangs off is known NULL here (`unlock_cluster(ci)` with
        ci NULL releases nothing)."""
        match = re.search("\x00(\\d+)\x00", template)
        if match is None or int(match.group(1)) >= len(args):
            return False
        key = lvalue_key(args[int(match.group(1))])
        return key is not None and state.fact(key) is False

    # -- events -----------------------------------------------------------------------------

    def _event(self, code: str, held: Held, line: int, other: int, detail: str = "") -> None:
        key = (code, held.ident, line)
        if key not in self.events:
            subject = stable_subject(held.ident, held.expr, self.cfg)
            self.events[key] = Event(code, held.ident, held.expr, line, other, detail, subject)


_IRQ_CLASSES = frozenset({"irq", "bh"})
_VARIANT_SUFFIX = re.compile(r"_(irqsave|irqrestore|irq|bh|nested)$")


def _same_base_api(acquire: str, release: str) -> bool:
    """spin_lock_irqsave / spin_unlock: the same lock API, only the IRQ/BH part differs."""
    base_acquire = _VARIANT_SUFFIX.sub("", acquire)
    base_release = _VARIANT_SUFFIX.sub("", release)
    return base_release == base_acquire.replace("_lock", "_unlock", 1) or (
        base_release.replace("unlock", "lock") == base_acquire
    )


# Classes whose lock expression is the lock itself: passing it to a function hands it over.
_LOCK_POINTER_CLASSES = frozenset(
    {"spinlock", "raw spinlock", "mutex", "rwsem", "rwlock", "semaphore", "annotated"}
)
_ASSERTISH = re.compile(r"assert|held|locked|lockdep|WARN|BUG|might_|unlikely|likely")


def _constant(expr: Expr) -> bool:
    """`0`, `NULL`, `-EINVAL`, `VM_FAULT_RETRY`: a value fixed at the return statement."""
    if expr.kind == "const":
        return True
    if expr.kind == "unary" and expr.name == "-" and expr.children:
        return _constant(expr.children[0]) or expr.children[0].kind == "name"
    return expr.kind == "name" and expr.name.isupper()


# -- flags: variables tested in conditions ----------------------------------------------------


def _tested_names(expr: Expr | None, out: set[str]) -> None:
    if expr is None:
        return
    key = lvalue_key(expr)
    if key is not None:
        out.add(key)
    elif expr.kind == "unary" and expr.name == "!":
        _tested_names(expr.children[0] if expr.children else None, out)
    elif expr.kind == "binary" and expr.name in ("&&", "||", "==", "!=", "<", ">="):
        for child in expr.children:
            _tested_names(child, out)
    elif expr.kind == "assign" and expr.children or _see_through(expr):
        _tested_names(expr.children[0], out)


def _uses(node: Node, flags: frozenset[str]) -> set[str]:
    found: set[str] = set()
    if node.expr is None:
        return found
    if node.kind == "branch":
        _tested_names(node.expr, found)
        atoms: list[str] = []
        _atoms_in(node.expr, atoms)
        found.update(atoms)
    elif node.kind == "return":
        key = lvalue_key(node.expr)
        if key is not None:
            found.add(key)
        _tested_names(node.expr, found)
    for cond in _ternary_conditions(node.expr):
        _tested_names(cond, found)
    # a copy `a = b` carries b's fact to a
    stack = [node.expr]
    while stack:
        current = stack.pop()
        if current.kind == "assign" and len(current.children) == 2:
            key = lvalue_key(current.children[1])
            if key is not None:
                found.add(key)
        stack.extend(current.children)
    return found & flags if flags else found


def _defs(node: Node) -> set[str]:
    found: set[str] = set()
    stack = [node.expr] if node.expr is not None else []
    while stack:
        current = stack.pop()
        if current.kind == "assign" and current.children:
            key = lvalue_key(current.children[0])
            if key is not None:
                found.add(key)
        stack.extend(current.children)
    return found


def live_facts(cfg: CFG, flags: frozenset[str]) -> list[frozenset[str]]:
    """Per node, the fact keys some later test or return may read (backward liveness)."""
    count = len(cfg.nodes)
    uses = [_uses(n, flags) for n in cfg.nodes]
    for node in cfg.exits():  # facts on parameters shape the summary callers get
        uses[node.id] |= flags & set(cfg.params)
    defs = [_defs(n) for n in cfg.nodes]
    preds: list[list[int]] = [[] for _ in range(count)]
    for node in cfg.nodes:
        for target, _ in node.succ:
            preds[target].append(node.id)
    live_in: list[set[str]] = [set(u) for u in uses]
    work = list(range(count))
    rounds = 0
    while work and rounds < 50 * count + 1000:
        rounds += 1
        node_id = work.pop()
        out: set[str] = set()
        for target, _ in cfg.nodes[node_id].succ:
            out |= live_in[target]
        new = uses[node_id] | (out - defs[node_id])
        if new != live_in[node_id]:
            live_in[node_id] = new
            work.extend(preds[node_id])
    return [frozenset(x) for x in live_in]


def _atom(expr: Expr) -> tuple[str, bool] | None:
    """A side-effect-free comparison as (canonical text, polarity): `a!=b` is ("a==b", False),
    so a later `a==b` test finds the same fact."""
    if expr.kind != "binary" or expr.name in ("&&", "||") or len(expr.children) != 2:
        return None
    if _has_effects(expr):
        return None
    left, right = (c.text for c in expr.children)
    op = expr.name
    if op not in _NEGATED or op in ("==", "<", ">"):
        return f"{left}{op}{right}", True
    return f"{left}{_NEGATED[op]}{right}", False


_NEGATED = {"!=": "==", ">=": "<", "<=": ">", "==": "!=", "<": ">=", ">": "<="}
_TRANSPARENT = frozenset(
    {"likely", "unlikely", "WARN_ON", "WARN_ON_ONCE", "READ_ONCE", "data_race", "!!"}
)


def _ternary_conditions(expr: Expr) -> list[Expr]:
    found = []
    stack = [expr]
    while stack:
        current = stack.pop()
        if current.kind == "cond" and current.children:
            found.append(current.children[0])
        stack.extend(current.children)
    return found


def _see_through(expr: Expr) -> bool:
    """`!x` and `likely(x)` / `unlikely(x)`: the interesting part is the operand."""
    if not expr.children:
        return False
    return (expr.kind == "unary" and expr.name == "!") or (
        expr.kind == "call" and expr.name in _TRANSPARENT
    )


def _has_effects(expr: Expr) -> bool:
    stack = [expr]
    while stack:
        current = stack.pop()
        if current.kind in ("call", "assign"):
            return True
        stack.extend(current.children)
    return False


def _atoms_in(expr: Expr | None, out: list[str]) -> None:
    if expr is None:
        return
    atom = _atom(expr)
    if atom is not None:
        out.append(atom[0])
        return
    for child in expr.children:
        _atoms_in(child, out)


def flag_variables(cfg: CFG) -> frozenset[str]:
    """What conditions test that is worth remembering: variables and fields tested, and
    comparisons tested more than once (`if (mm != &init_mm)` twice)."""
    names: set[str] = set()
    atoms: list[str] = []
    for node in cfg.nodes:
        if node.kind == "return" and (returned := lvalue_key(node.expr)) is not None:
            names.add(returned)  # its truth at the exit tells callers what happened
        if node.kind == "branch":
            _tested_names(node.expr, names)
            _atoms_in(node.expr, atoms)
        elif node.expr is not None:
            for cond in _ternary_conditions(node.expr):
                _tested_names(cond, names)
                _atoms_in(cond, atoms)
    repeated = {a for a in atoms if atoms.count(a) > 1}
    return frozenset(names | repeated)


# -- per function and per file ----------------------------------------------------------------


def _has_lock_work(cfg: CFG, table: LockTable, summaries: dict[str, tuple[Effect, ...]]) -> bool:
    names = set(table.acquires) | set(table.releases) | set(summaries)
    names |= {"guard", "CLASS"}
    for node in cfg.nodes:
        if node.kind == "guard":
            return True
        if node.expr is not None and _mentions(node.expr, names):
            return True
    return False


def _release_classes(
    cfg: CFG, table: LockTable, summaries: dict[str, tuple[Effect, ...]]
) -> frozenset[str]:
    """The lock classes this function releases somewhere (directly or through a callee)."""
    found: set[str] = set()
    for node in cfg.nodes:
        stack = [node.expr] if node.expr is not None else []
        while stack:
            expr = stack.pop()
            if expr.kind == "call":
                rule = table.releases.get(expr.name)
                if rule is not None:
                    found.add(rule.cls)
                found.update(e.cls for e in summaries.get(expr.name, ()) if e.op == "release")
            stack.extend(expr.children)
    return frozenset(found)


def _names(expr: str, name: str) -> bool:
    """Whether the lock or fact expression `expr` depends on the variable or field `name`."""
    if name.isidentifier():
        return name in _BASE_IDENT.findall(expr)
    bare = expr.lstrip("&*(")
    return bare == name or bare.startswith((f"{name}->", f"{name}.", f"{name}["))


def _mentions(expr: Expr, names: set[str]) -> bool:
    stack = [expr]
    while stack:
        current = stack.pop()
        if current.kind == "call" and current.name in names:
            return True
        stack.extend(current.children)
    return False


def analyse_function(
    cfg: CFG, table: LockTable, summaries: dict[str, tuple[Effect, ...]], annotations: tuple = ()
) -> FunctionResult:
    result = FunctionResult(cfg.name)
    if not cfg.complete:
        result.budget_exceeded = True
        return result
    if not _has_lock_work(cfg, table, summaries):
        return result
    analysis = _Analysis(cfg, table, summaries, flag_variables(cfg))
    finished = analysis.run()
    result.steps = analysis.steps
    result.analysed = True
    if not finished:
        result.budget_exceeded = True
        return result
    result.exits = analysis.exits
    result.summary = _summarise(cfg, analysis, annotations)
    result.events = list(analysis.events.values())
    result.events.extend(_leaks(cfg, analysis, result.summary, annotations))
    return result


def _lock_class(held: Held) -> str:
    return held.ident[: len(held.ident) - len(held.expr) - 1]


def _held_template(held: Held, exit: Exit, cfg: CFG) -> str | None:
    """How a caller names `held`: through the parameters, a global, or "" for the value
    returned (`return anon_vma;` with anon_vma locked)."""
    if exit.returned is not None and base_variable(held.expr) == exit.returned:
        return _rebase(held.expr, exit.returned, RETURNED)
    return _template(held.expr, cfg.params, cfg.locals)


def _summarise(cfg: CFG, analysis: _Analysis, annotations: tuple) -> tuple[Effect, ...]:
    """What calling this function does to locks, in terms of its parameters."""
    exits = analysis.exits
    if not exits:
        return ()
    params = cfg.params
    effects: list[Effect] = []
    held_sets = [
        {h.ident: h for h in e.state.held if not h.stale and not h.entry and not h.escaped}
        for e in exits
    ]
    for ident in sorted(set().union(*held_sets)):
        holding = [(hs[ident], e) for hs, e in zip(held_sets, exits, strict=True) if ident in hs]
        free = [e for hs, e in zip(held_sets, exits, strict=True) if ident not in hs]
        templates = {_held_template(h, e, cfg) for h, e in holding}
        if len(templates) != 1 or None in templates:
            continue
        template = templates.pop()
        sample = holding[0][0]
        held_truths = {e.truth for _, e in holding}
        free_truths = {e.truth for e in free}
        if not free:
            released = ident in analysis.released_anywhere
            named = _wrapper_name(cfg.name)
            # held on every path: only by design when annotated or named so (a helper that
            # locks and returns its object on every path looks just like a forgotten unlock)
            designed = _annotated(annotations, sample.expr) or named and not released
            if not designed:
                continue  # holding it on every path is a leak unless named or annotated so
            effects.append(Effect("acquire", _lock_class(sample), template, sample.fn))
        elif (
            held_truths in ({True}, {False})
            and free_truths == {not next(iter(held_truths))}
            and (RETURNED in template or _wrapper_name(cfg.name))
        ):
            when = "nonzero" if held_truths == {True} else "zero"
            effects.append(Effect("acquire", _lock_class(sample), template, sample.fn, when))
    released_sets = [{r[0] for r in e.state.released if r[1]} for e in exits]
    for ident in sorted(set().union(*released_sets)):
        if any(any(h.ident == ident for h in e.state.held) for e in exits):
            continue
        cls, expr = ident.split(":", 1)
        template = _template(expr, params, cfg.locals)
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
    return tuple(effects)


_BASE_IDENT = re.compile(r"(?<![\w>.])[A-Za-z_]\w*")


def _template(
    expr: str, params: tuple[str, ...], declared: frozenset[str] | None = None
) -> str | None:
    """`expr` with each parameter it hangs off replaced by its placeholder; None when it
    hangs off a local variable the caller cannot name (`declared`: the function's locals)."""
    if any(base in params for base in _BASE_IDENT.findall(expr)):
        return _BASE_IDENT.sub(
            lambda m: f"\x00{params.index(m.group(0))}\x00" if m.group(0) in params else m.group(0),
            expr,
        )
    base = base_variable(expr)
    if base is None:
        return expr  # no variable: a global lock expression
    if declared is not None and declared and base not in declared:
        return expr  # neither a parameter nor a local: a global (`&hwlat_data.lock`)
    if (
        base.isupper()
        or base.startswith(("__", "init_"))
        or "_" in base
        and base.endswith(("_lock", "_mutex", "_sem", "_rwsem", "_spinlock"))
    ):
        return expr  # a global lock
    return None


def _annotated(annotations: tuple, expr: str) -> bool:
    for annotation in annotations:
        if annotation.macro not in ("__acquires", "__releases", "__must_hold", "__cond_acquires"):
            continue
        arg = annotation.argument.replace(" ", "")
        if arg == expr or base_variable(arg) == base_variable(expr) or arg.endswith(expr):
            return True
    return False


_WRAPPER_WORDS = frozenset(
    {
        "lock",
        "locks",
        "locked",
        "trylock",
        "acquire",
        "begin",
        "start",
        "prepare",
        "enter",
        "grab",
        "take",
        "hold",
        "pin",
        "freeze",
        "down",
        "disable",
        "seqlock",
        "spinlock",
        "rwlock",
        "relock",
        "ilock",
    }
)


def _wrapper_name(name: str) -> bool:
    """`filemap_invalidate_lock_two`, `vma_pgtable_walk_begin`: named for taking a lock."""
    words = set(name.lower().split("_"))
    if words & _WRAPPER_WORDS:
        return True
    # zone_span_writelock, xfs_iolock_...: a word ending in "lock" that is not another word
    return any(w.endswith("lock") and w not in _NOT_LOCK_WORDS for w in words)


_NOT_LOCK_WORDS = frozenset({"block", "clock", "flock", "deadlock", "livelock", "unlock"})


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
    if _wrapper_name(cfg.name) and (
        held.ident not in analysis.released_anywhere or _held_at_every_exit(analysis, held)
    ):
        return True  # named for taking it, and never dropping it or always returning with it
    template = _held_template(held, exit, cfg)
    # the locked object is what the function returns, when it has one to return (NULL else)
    return (
        template is not None
        and RETURNED in template
        and held.ident not in analysis.released_anywhere
        and not _held_at_every_exit(analysis, held)
    )


def _held_at_every_exit(analysis: _Analysis, held: Held) -> bool:
    """`for (;;) { rtnl_lock(); if (done) break; __rtnl_unlock(); }`: a retry loop around the
    lock still returns with it on every path."""
    return all(any(h.ident == held.ident for h in e.state.held) for e in analysis.exits)


def _leaks(
    cfg: CFG, analysis: _Analysis, summary: tuple[Effect, ...], annotations: tuple
) -> list[Event]:
    wrapped = {(e.cls, e.template) for e in summary if e.op == "acquire"}
    events: dict[tuple[str, int], Event] = {}
    for exit in analysis.exits:
        for held in exit.state.held:
            if held.stale or held.entry or held.scope:
                continue
            if (_lock_class(held), _held_template(held, exit, cfg)) in wrapped:
                continue
            if _annotated(annotations, held.expr) or _by_design(cfg, analysis, held, exit):
                continue
            key = (held.ident, exit.line)
            if key not in events:
                detail = describe_path(cfg, exit.line)
                subject = stable_subject(held.ident, held.expr, cfg)
                events[key] = Event(
                    "LK001", held.ident, held.expr, exit.line, held.line, detail, subject
                )
    return list(events.values())


def stable_subject(ident: str, expr: str, cfg: CFG) -> str:
    """`ident` with parameters written as their position and locals as `$`, so a finding
    keeps its key when a patch only renames a variable."""
    cls = ident[: len(ident) - len(expr) - 1]

    def abstract(match: re.Match[str]) -> str:
        name = match.group(0)
        if name in cfg.params:
            return f"${cfg.params.index(name) + 1}"
        return "$" if name in cfg.locals else name

    return f"{cls}:{_BASE_IDENT.sub(abstract, expr)}"


def describe_path(cfg: CFG, exit_line: int) -> str:
    """A short description of how control reaches the exit at `exit_line`: the nearest
    branch decision on the way there."""
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
        if not incoming:
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


def _call_order(functions: list[tuple[Function, CFG]]) -> list[tuple[Function, CFG]]:
    """Callees before callers (same file), so wrapper summaries exist when callers use them."""
    names = {fn.name for fn, _ in functions}
    calls: dict[str, set[str]] = {}
    for fn, cfg in functions:
        found: set[str] = set()
        for node in cfg.nodes:
            stack = [node.expr] if node.expr is not None else []
            while stack:
                e = stack.pop()
                if e.kind == "call" and e.name in names and e.name != fn.name:
                    found.add(e.name)
                stack.extend(e.children)
        calls[fn.name] = found
    order: list[tuple[Function, CFG]] = []
    done: set[str] = set()

    def visit(name: str, depth: int) -> None:
        if name in done or depth > 400:
            return
        done.add(name)
        for callee in sorted(calls.get(name, ())):
            visit(callee, depth + 1)
        order.extend(pair for pair in functions if pair[0].name == name)

    for fn, _ in functions:
        visit(fn.name, 0)
    return order


def _annotation_effects(fn: Function, params: tuple[str, ...]) -> list[Effect]:
    effects = []
    for annotation in fn.annotations:
        op = {"__acquires": "acquire", "__releases": "release"}.get(annotation.macro)
        if op is None:
            continue
        expr = annotation.argument.replace(" ", "")
        template = _template(expr, params)
        if template is not None:
            effects.append(Effect(op, "annotated", template, ""))
    return effects


def analyse_file(facts: FileFacts, rules: Rules | None = None, known: object = None) -> FileLocks:
    """Lock results for every function of a file. `known(first, last)` says whether a
    function is wholly known (hunks-only states); unknown ones are not analysed but their
    names still resolve to nothing."""
    rules = rules or default_rules()
    table = lock_table(rules)
    pairs: list[tuple[Function, CFG]] = []
    for fn in facts.functions:
        if known is not None and not known(fn.start_line, fn.end_line):  # type: ignore[operator]
            continue
        try:
            lowered = lower_function(facts.source, fn, rules)
        except RecursionError:
            continue
        pairs.append((fn, build_cfg(lowered, rules)))
    summaries: dict[str, tuple[Effect, ...]] = {}
    results: dict[tuple[str, int], FunctionResult] = {}
    for fn, cfg in _call_order(pairs):
        if fn.name in table.acquires or fn.name in table.releases:
            results[(fn.name, fn.start_line)] = FunctionResult(fn.name)  # the table has it
            continue
        try:
            result = analyse_function(cfg, table, summaries, fn.annotations)
        except RecursionError:  # pathological nesting: report nothing rather than crash
            result = FunctionResult(fn.name, error="nesting too deep")
        effects = list(result.summary)
        if not effects:
            effects = _annotation_effects(fn, cfg.params)
        if effects:
            summaries[fn.name] = tuple(effects)
            result.summary = tuple(effects)
        results[(fn.name, fn.start_line)] = result
    return FileLocks(results)
