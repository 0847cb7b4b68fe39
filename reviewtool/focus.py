"""Which functions a patch can change the findings of: the engine's focus between two states.

A function-scoped check (LK, AS) judges a function by its prepared text, the preprocessor
conditions around it, whether the state knows all of it, and what its same-file callees'
lock summaries say. So between two states of a file, only the findings of these functions
can differ:
- functions whose name's definitions changed (text, annotations, conditions, known-ness, or
  the order of same-named variants);
- their callers, transitively (a callee's summary may have changed);
- when anything changed and the file has call cycles, every function of a cycle and its
  callers (summaries inside a cycle follow the whole file's call order).
Every other function has the same findings, with the same keys, in both states; the
engine compares only the focus. Calls are csyntax's call facts, a superset of the calls the
analyses see."""

from __future__ import annotations

from collections.abc import Callable

from reviewtool.analysis.functions import text_key
from reviewtool.analysis.locks.callgraph import _cycles
from reviewtool.csyntax import FileFacts, Function
from reviewtool.model import FileState

_CONDITIONS = ("preproc_if", "preproc_ifdef", "preproc_elif", "preproc_elifdef", "preproc_else")


def conditions(facts: FileFacts, fn: Function) -> tuple[tuple[str, str, bool], ...]:
    """The preprocessor conditions around `fn`, innermost first: (kind, directive text up to
    its condition, whether `fn` sits in the #else part)."""
    found = []
    child, parent = fn.node, fn.node.parent
    while parent is not None:
        if parent.type in _CONDITIONS:
            head = parent.child_by_field_name("condition") or parent.child_by_field_name("name")
            end = head.end_byte if head is not None else parent.start_byte + 8
            text = facts.source[parent.start_byte : end].decode("utf-8", "replace")
            alternative = child == parent.child_by_field_name("alternative")
            found.append((parent.type, text, alternative))
        child, parent = parent, parent.parent
    return tuple(found)


def signatures(state: FileState, facts: FileFacts) -> dict[str, tuple]:
    """name -> what a function-scoped check's findings for that name depend on, locally."""
    out: dict[str, list] = {}
    for fn in facts.functions:
        node = fn.node
        signature = (
            text_key(facts.source, node.start_byte, node.end_byte),
            tuple((a.macro, a.argument) for a in fn.annotations),
            conditions(facts, fn),
            state.is_known(fn.start_line, fn.end_line),
        )
        out.setdefault(fn.name, []).append(signature)
    return {name: tuple(found) for name, found in out.items()}


def call_graph(facts: FileFacts) -> dict[str, set[str]]:
    """caller -> callees among the file's own functions (csyntax's call facts)."""
    names = {fn.name for fn in facts.functions}
    graph: dict[str, set[str]] = {name: set() for name in names}
    for call in facts.calls:
        if call.function in names and call.name in names and call.name != call.function:
            graph[call.function].add(call.name)
    return graph


def graph(facts: FileFacts) -> tuple[dict[str, set[str]], frozenset[str]]:
    """The file's call graph (`call_graph`) and the names in its call cycles."""
    calls = call_graph(facts)
    return calls, frozenset(_cycles(calls))


def focus(
    old: FileState,
    new: FileState,
    facts: Callable[[FileState], FileFacts],
    signatures_of: Callable[[FileState], dict[str, tuple]] | None = None,
    graph_of: Callable[[FileState], tuple[dict[str, set[str]], frozenset[str]]] | None = None,
) -> frozenset[str]:
    """Names of the functions whose function-scoped findings may differ between `old` and
    `new` (two states of one file). Everything else is identical in both. `signatures_of`
    and `graph_of` may answer from a cache (a state is compared with both neighbours)."""
    read = signatures_of or (lambda state: signatures(state, facts(state)))
    before, after = read(old), read(new)
    changed = {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
    if not changed:
        return frozenset()
    graphs = [(graph_of or (lambda state: graph(facts(state))))(state) for state in (old, new)]
    for _calls, cycles in graphs:
        changed.update(cycles)
    callers: dict[str, set[str]] = {}
    for calls, _cycles_of in graphs:
        for caller, callees in calls.items():
            for callee in callees:
                callers.setdefault(callee, set()).add(caller)
    pending = list(changed)
    while pending:
        for caller in callers.get(pending.pop(), ()):
            if caller not in changed:
                changed.add(caller)
                pending.append(caller)
    return frozenset(changed)
