"""Functions with no lock work, answered without lowering their expressions.

Most functions of a file call no lock primitive, no cleanup.h guard and no function whose
summary does something to locks. For them the analysis (locks/__init__.py's
`analyse_function`) stops at `_has_lock_work` and returns an empty result: budget exceeded
when the CFG hit its node bound, the depth note when the lowering left something out, and
the driver adds the "pure predicate" summary to a function that is one side-effect-free
`return` or has an empty body. Lowering every expression of such a function only to find
that out was a fifth of a whole scan.

`lock_free(...)` gives that same result from cheaper evidence, or None (then the driver
runs the analysis as before). Each step is exact:

- no lock work: every call the lowering can see is a `call_expression` of the function's
  text; one to a lock primitive or a guard is named by an identifier token of that text
  (a statement macro csyntax/prepare.py marked keeps its `/*sg*/` marker there); the
  summaries of every call csyntax records for the function are read (recorded as inputs
  of the cached result, as the analysis would read them), a superset of what the lowering
  calls by a function's name;
- nothing nests past the lowering's depth bound: a node has at most its descendant count
  less one levels below it, and the lowering goes at most two levels deeper per tree level
  (a for-each macro's body is the header's sibling), so a function whose tree is at most
  `MAX_DEPTH // 2` deep lowers completely; the walk proving it only descends into
  subtrees big enough to be deeper;
- node bound and pure predicate: `skeleton_function` lowers the statements exactly and the
  expressions as stand-ins that keep what shapes the CFG, so `build_cfg` makes the same
  nodes; it says whether the node bound was hit, and how many nodes carry an expression
  (a pure predicate has exactly one, its `return`, an empty body none: then the real
  lowering decides).

tests/test_lock_skip.py compares both paths function by function."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from reviewtool.analysis.cfg import build_cfg
from reviewtool.analysis.locks.lockwork import _effectful
from reviewtool.analysis.locks.rules import LockTable
from reviewtool.analysis.locks.state import FunctionResult
from reviewtool.csyntax import FileFacts, Function
from reviewtool.csyntax.ir import MAX_DEPTH
from reviewtool.csyntax.ir.statements import scoped_macros, skeleton_function
from reviewtool.csyntax.prepare import LOOP_MARKERS
from reviewtool.resources import Rules

_TOKEN = re.compile(r"[A-Za-z0-9_]+")
# the loop markers csyntax/repair.py writes for guard scopes (`while/*sg*/`), not foreach's
_SCOPE_MARKERS = tuple(f"/*{tag}*/" for tag, kind in LOOP_MARKERS.items() if kind != "foreach")


class LockFree:
    """The no-lock-work test for the functions of one file state."""

    def __init__(self, facts: FileFacts, table: LockTable, rules: Rules) -> None:
        self.facts = facts
        self.rules = rules
        self.lock_names = table.lock_calls | scoped_macros(rules)
        # a name the token test cannot find (rule data naming `ops->lock`): never skip
        self.usable = all(n.isascii() and n.isidentifier() for n in self.lock_names)
        self.skip_names = frozenset(table.acquires) | frozenset(table.releases)
        self._calls: dict[str | None, set[str]] | None = None

    def result(self, fn: Function, summaries: Callable[[str], Any]) -> FunctionResult | None:
        """`fn`'s result when it has no lock work (as `analyse_function` and the driver
        would make it), else None. `summaries(name)` is the analysis' door to callees."""
        if not self.usable or fn.annotations or fn.name in self.skip_names:
            return None
        node = fn.node
        text = self.facts.source[node.start_byte : node.end_byte].decode("utf-8", "replace")
        if any(marker in text for marker in _SCOPE_MARKERS):
            return None
        if not self.lock_names.isdisjoint(_TOKEN.findall(text)):
            return None
        if not shallow(node, MAX_DEPTH // 2):
            return None
        for name in sorted(self._calls_of(fn.name)):  # every one, as the analysis reads them
            if _effectful(summaries(name)):
                return None
        try:
            cfg = build_cfg(skeleton_function(self.facts.source, fn, self.rules), self.rules)
        except RecursionError:
            return None
        if not cfg.complete:
            return FunctionResult(fn.name, budget_exceeded=True)
        carrying = [n for n in cfg.nodes if n.expr is not None]
        if not carrying or len(carrying) == 1 and carrying[0].kind == "return":
            return None  # an empty body, or maybe a pure predicate: the real lowering says
        return FunctionResult(fn.name)

    def _calls_of(self, name: str) -> set[str]:
        if self._calls is None:
            self._calls = {}
            for call in self.facts.calls:
                self._calls.setdefault(call.function, set()).add(call.name)
        return self._calls.get(name, set())


def shallow(node: Any, limit: int) -> bool:
    """Whether no node lies more than `limit` levels below `node` (tree-sitter nodes: a
    subtree of n nodes is at most n - 1 deep, so only big subtrees are walked)."""
    stack = [(node, 0)]
    while stack:
        current, depth = stack.pop()
        if depth + current.descendant_count - 1 <= limit:
            continue
        if depth >= limit:
            return False
        stack.extend((child, depth + 1) for child in current.children)
    return True
