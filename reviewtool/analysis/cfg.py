"""A control-flow graph per function, built from the csyntax statement IR: if/else, loops
(for-each macros included, 0..n iterations), switch with fallthrough, goto/labels,
break/continue, return, calls that never return, and cleanup.h scopes."""

from __future__ import annotations

from dataclasses import dataclass, field

from reviewtool.csyntax.ir import Expr, Lowered, Stmt
from reviewtool.resources import Rules, default_rules, per_rules

MAX_NODES = 20_000  # a function bigger than this is not analysed

Edge = tuple[int, object]  # (node id, label): label True/False on a branch, else None


@dataclass(slots=True)
class Node:
    """kind: entry, stmt (effects of `expr`), branch (`expr` decides: succ[0] true, succ[1]
    false), choice (nondeterministic: loop of a for-each macro), switch, join, return (an exit;
    `expr` is the value), end (the closing brace: an exit), guard (a scoped_guard acquire that
    lives in `scope`), dead (after a call that never returns)."""

    id: int
    kind: str
    line: int
    expr: Expr | None = None
    succ: list[Edge] = field(default_factory=list)
    scopes: tuple[int, ...] = ()  # open block scopes (innermost last)
    scope: int = 0  # for guard nodes: the scope the guard belongs to
    cursor: tuple[str, ...] = ()  # for choice nodes: the names the iterator macro assigns


@dataclass(slots=True)
class CFG:
    name: str
    nodes: list[Node]
    end_line: int
    params: tuple[str, ...] = ()
    locals: frozenset[str] = frozenset()
    complete: bool = True  # False when the node bound was hit
    too_deep: int = 0  # Lowered.too_deep: statements from that line on are missing

    @property
    def entry(self) -> Node:
        return self.nodes[0]

    def exits(self) -> list[Node]:
        return [n for n in self.nodes if n.kind in ("return", "end")]


class _TooBig(Exception):
    pass


class _Builder:
    def __init__(self, noreturn: frozenset[str], noreturn_if: frozenset[str]) -> None:
        self.noreturn_if = noreturn_if
        self.nodes: list[Node] = []
        self.frontier: list[Edge] = []
        self.breaks: list[list[Edge]] = []
        self.continues: list[int] = []
        self.labels: dict[str, int] = {}
        self.scope_stack: list[int] = []
        self.next_scope = 1
        self.noreturn = noreturn
        self.switches: list[tuple[int, list[bool]]] = []  # (switch node, [saw default])

    def new(self, kind: str, line: int, expr: Expr | None = None) -> Node:
        if len(self.nodes) >= MAX_NODES:
            raise _TooBig
        node = Node(len(self.nodes), kind, line, expr, scopes=tuple(self.scope_stack))
        self.nodes.append(node)
        return node

    def connect(self, edges: list[Edge], target: int) -> None:
        for source, label in edges:
            self.nodes[source].succ.append((target, label))

    def emit(self, kind: str, line: int, expr: Expr | None = None) -> Node:
        node = self.new(kind, line, expr)
        self.connect(self.frontier, node.id)
        self.frontier = [(node.id, None)]
        return node

    def label_node(self, name: str, line: int) -> int:
        if name not in self.labels:
            self.labels[name] = self.new("join", line).id
        return self.labels[name]

    # -- statements ----------------------------------------------------------------------

    def seq(self, stmts: tuple[Stmt, ...]) -> None:
        for stmt in stmts:
            self.stmt(stmt)

    def stmt(self, stmt: Stmt) -> None:  # noqa: C901 - one branch per statement kind
        kind = stmt.kind
        if kind == "expr" and _is_call_to(stmt.expr, self.noreturn_if):
            assert stmt.expr is not None
            branch = self.emit("branch", stmt.line, stmt.expr.children[0])
            dead = self.new("dead", stmt.line)
            branch.succ.append((dead.id, True))
            self.frontier = [(branch.id, False)]
        elif kind == "expr":
            node = self.emit("stmt", stmt.line, stmt.expr)
            if _calls_noreturn(stmt.expr, self.noreturn):
                node.kind = "dead"
                self.frontier = []
        elif kind == "block":
            self.scoped_block(stmt.body)
        elif kind == "if":
            self.if_(stmt)
        elif kind in ("while", "for"):
            self.loop(stmt)
        elif kind == "dowhile":
            self.dowhile(stmt)
        elif kind == "foreach":
            self.foreach(stmt)
        elif kind == "switch":
            self.switch(stmt)
        elif kind == "case":
            self.case(stmt)
        elif kind == "label":
            target = self.label_node(stmt.name, stmt.line)
            self.nodes[target].line = stmt.line
            self.nodes[target].scopes = tuple(self.scope_stack)
            self.connect(self.frontier, target)
            self.frontier = [(target, None)]
            self.seq(stmt.body)
        elif kind == "goto":
            self.connect(self.frontier, self.label_node(stmt.name, stmt.line))
            self.frontier = []
        elif kind == "break":
            if self.breaks:
                self.breaks[-1].extend(self.frontier)
            self.frontier = []
        elif kind == "continue":
            if self.continues:
                self.connect(self.frontier, self.continues[-1])
            self.frontier = []
        elif kind == "return":
            self.emit("return", stmt.line, stmt.expr)
            self.frontier = []
        elif kind == "scoped":
            self.scoped(stmt)

    def scoped_block(self, body: tuple[Stmt, ...]) -> None:
        self.scope_stack.append(self.next_scope)
        self.next_scope += 1
        self.seq(body)
        self.scope_stack.pop()

    def if_(self, stmt: Stmt) -> None:
        branch = self.emit("branch", stmt.line, stmt.expr)
        self.frontier = [(branch.id, True)]
        self.seq(stmt.body)
        after_then = self.frontier
        self.frontier = [(branch.id, False)]
        self.seq(stmt.orelse)
        self.frontier = after_then + self.frontier

    def _loop_body(self, body: tuple[Stmt, ...], continue_to: int) -> list[Edge]:
        """Build the body; returns the break edges."""
        self.breaks.append([])
        self.continues.append(continue_to)
        self.seq(body)
        self.continues.pop()
        return self.breaks.pop()

    def loop(self, stmt: Stmt) -> None:
        for init in stmt.init:
            self.emit("stmt", stmt.line, init)
        if stmt.expr is not None:
            head = self.emit("branch", stmt.line, stmt.expr)
            exits: list[Edge] = [(head.id, False)]
            self.frontier = [(head.id, True)]
        else:
            head = self.emit("join", stmt.line)
            exits = []
        latch = head.id
        if stmt.update is not None:
            latch = self.new("stmt", stmt.line, stmt.update).id
            self.nodes[latch].succ.append((head.id, None))
        breaks = self._loop_body(stmt.body, latch)
        self.connect(self.frontier, latch)
        self.frontier = exits + breaks

    def dowhile(self, stmt: Stmt) -> None:
        start = self.emit("join", stmt.line)
        test = self.new("branch", stmt.end_line or stmt.line, stmt.expr)
        breaks = self._loop_body(stmt.body, test.id)
        self.connect(self.frontier, test.id)
        if stmt.expr is not None and stmt.expr.kind == "const" and stmt.expr.value == 0:
            test.kind = "join"  # do { } while (0): no back edge
            self.frontier = [(test.id, None)] + breaks
            return
        test.succ.append((start.id, True))
        self.frontier = [(test.id, False)] + breaks

    def foreach(self, stmt: Stmt) -> None:
        head = self.emit("choice", stmt.line, None)
        head.cursor = _cursors(stmt.expr)
        self.frontier = [(head.id, True)]
        breaks = self._loop_body(stmt.body, head.id)
        self.connect(self.frontier, head.id)
        self.frontier = [(head.id, False)] + breaks

    def switch(self, stmt: Stmt) -> None:
        node = self.emit("switch", stmt.line, stmt.expr)
        self.frontier = []
        self.breaks.append([])
        self.switches.append((node.id, [False]))
        self.seq(stmt.body)
        _, saw_default = self.switches.pop()
        breaks = self.breaks.pop()
        self.frontier = self.frontier + breaks + ([] if saw_default[0] else [(node.id, None)])

    def case(self, stmt: Stmt) -> None:
        if not self.switches:
            self.seq(stmt.body)
            return
        switch_id, saw_default = self.switches[-1]
        target = self.new("join", stmt.line)
        self.nodes[switch_id].succ.append((target.id, stmt.expr.text if stmt.expr else None))
        if stmt.expr is None:
            saw_default[0] = True
        self.connect(self.frontier, target.id)  # fallthrough from the previous case
        self.frontier = [(target.id, None)]
        self.seq(stmt.body)

    def scoped(self, stmt: Stmt) -> None:
        self.scope_stack.append(self.next_scope)
        self.next_scope += 1
        guard = self.emit("guard", stmt.line, stmt.guard)
        guard.scope = self.scope_stack[-1]
        self.frontier = [(guard.id, True)]
        self.seq(stmt.body)
        self.scope_stack.pop()
        after_body = self.frontier
        self.frontier = [(guard.id, False)]
        self.seq(stmt.orelse)  # scoped_cond_guard's fail statement
        self.frontier = after_body + self.frontier


def _cursors(expr: Expr | None) -> tuple[str, ...]:
    """The plain names among an iterator macro's arguments (`pos`, `n` of
    list_for_each_entry_safe(pos, n, head, member)): candidates for what each step assigns."""
    if expr is None:
        return ()
    return tuple(a.name for a in expr.children if a.kind == "name")


def _is_call_to(expr: Expr | None, names: frozenset[str]) -> bool:
    return expr is not None and expr.kind == "call" and expr.name in names and bool(expr.children)


def _calls_noreturn(expr: Expr | None, noreturn: frozenset[str]) -> bool:
    return expr is not None and expr.kind == "call" and expr.name in noreturn


@per_rules  # read once per rule set, not once per function
def noreturn_calls(rules: Rules) -> tuple[frozenset[str], frozenset[str]]:
    """(calls that never return, assertions that never return when their argument holds)."""
    table = rules.table("cfg").get("noreturn", {})
    return frozenset(table.get("calls", ())), frozenset(table.get("if_true", ()))


def build_cfg(lowered: Lowered, rules: Rules | None = None) -> CFG:
    """The CFG of one lowered function. Node 0 is the entry; exits are return/end nodes."""
    builder = _Builder(*noreturn_calls(rules or default_rules()))
    try:
        builder.emit("entry", 0)
        builder.scoped_block(lowered.body)
        builder.emit("end", lowered.end_line)
    except _TooBig:
        return CFG(
            lowered.name, builder.nodes[:1], lowered.end_line, lowered.params, complete=False
        )
    return CFG(
        lowered.name,
        builder.nodes,
        lowered.end_line,
        lowered.params,
        lowered.locals,
        too_deep=lowered.too_deep,
    )
