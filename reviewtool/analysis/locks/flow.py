"""The worklist dataflow of one function: bounded driver, transfer, exits (its conditions
are conditions.py's)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from reviewtool.analysis.cfg import CFG, Node
from reviewtool.analysis.locks.conditions import Conditions
from reviewtool.analysis.locks.facts import (
    _constant,
    error_value,
    live_facts,
)
from reviewtool.analysis.locks.rules import LockTable
from reviewtool.analysis.locks.state import (
    RETURNED,
    Effect,
    Exit,
    State,
    lvalue_key,
)
from reviewtool.csyntax.ir import Expr

MAX_STATES_PER_NODE = 1024
_RESULT = "returned__"  # names the value of `return f(...)` when f returns a lock


class _Analysis(Conditions):
    """The dataflow of one function."""

    def __init__(
        self,
        cfg: CFG,
        table: LockTable,
        summaries: dict[str, tuple[Effect, ...]],
        flags: frozenset[str],
        max_steps: int,
        pure: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(cfg, table, summaries, flags)
        self.pure = pure  # callees that are side-effect-free predicates (tested twice here)
        self.max_steps = max_steps  # (node, state) transfers, read per call (tests patch it)
        self.steps = 0
        self.exits: list[Exit] = []
        self.live = live_facts(cfg, flags, pure)
        self._live_facts: dict[tuple[int, tuple], tuple] = {}  # (node, facts) -> those live

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
                if self.steps >= self.max_steps:
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
        if state.facts:
            key = (node.id, state.facts)
            facts = self._live_facts.get(key)
            if facts is None:
                live = self.live[node.id]
                facts = self._live_facts[key] = tuple(f for f in state.facts if f[0] in live)
            if len(facts) != len(state.facts):
                state = State(state.held, state.released, facts, state.aliases)
        if not self.scoped or not any(h.scope and h.scope not in node.scopes for h in state.held):
            return state
        held = tuple(h for h in state.held if not h.scope or h.scope in node.scopes)
        return State(held, state.released, state.facts, state.aliases)

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
        if kind == "choice":  # the next item: locks named through the cursor are its last's
            for name in node.cursor:
                if name in self.cfg.locals:
                    state = self.clobber(state, name)
            return [(target, state) for target, _ in node.succ]
        if kind == "switch":
            outs = self.effects(state, node.expr)
            return [(target, out) for out in outs for target, _ in node.succ]
        outs = self.effects(state, node.expr) if node.expr is not None else [state]
        return [(target, out) for out in outs for target, _ in node.succ]

    # -- exits ------------------------------------------------------------------------------

    def exit(self, node: Node, state: State) -> None:
        results: list[tuple[State, bool | None]]
        returned = lvalue_key(node.expr) if node.kind == "return" else None
        if node.kind == "return" and self._returns_callee_lock(node.expr):
            # `return move_queued_task(rq, ...)`: what the callee returns locked is returned
            assert node.expr is not None
            result = Expr("name", _RESULT, node.line, name=_RESULT)
            results = [
                (s, t)
                for o in self.assign(state, result, node.expr)
                for s, t in self.condition(o, result, returning=True)
            ]
            returned = _RESULT
        elif node.kind == "return" and node.expr is not None:
            results = [(s, t) for s, t in self.condition(state, node.expr, returning=True)]
        else:
            results = [(state, None)]
        computed = node.kind == "return" and node.expr is not None and not _constant(node.expr)
        failure = node.kind == "return" and error_value(node.expr)
        for out, truth in results:
            out = replace(out, held=tuple(h for h in out.held if not h.scope))
            value = node.expr.text if node.kind == "return" and node.expr is not None else ""
            self.exits.append(Exit(node.line, out, truth, returned, computed, failure, value))

    def _returns_callee_lock(self, expr: Expr | None) -> bool:
        if expr is None or expr.kind != "call":
            return False
        return any(RETURNED in e.template for e in self.summaries.get(expr.name, ()))
