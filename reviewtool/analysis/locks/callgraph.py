"""The same-file calls the lock driver (driver.py) follows: which function a call names,
the functions a CFG calls, and the call cycles of a graph (focus.py reads them too).

A file's own macro can stand for a call of one of its functions, for sparse's sake.

kernel/time/posix-timers.c:

    #define lock_timer(tid, flags)                                            \\
    ({ struct k_itimer *__timr;                                              \\
       __cond_lock(&__timr->it_lock, __timr = __lock_timer(tid, flags));     \\
       __timr; })

`__cond_lock(lock, expr)` is `expr` to the compiler (the lock is sparse's business): the
macro's value is `__lock_timer(tid, flags)`'s result. A call of `lock_timer()` is then read
with `__lock_timer()`'s summary, which the analysis computes from its body. Only macros
defined in the analysed file, whose parameters are passed to the call as they come (same
names, same order: the summary's parameter positions hold), and whose value is the call's
(the `__cond_lock()` expression itself, or the variable it assigns when the body ends with
that variable); never for a file that does not spell `__cond_lock`."""

from __future__ import annotations

import re

from reviewtool.analysis.cfg import CFG
from reviewtool.analysis.vocab.headers import calls_in, definitions
from reviewtool.resources import Rules

_MARK = b"__cond_lock"
_ASSIGNED_CALL = re.compile(r"\s*(?:([A-Za-z_]\w*)\s*=\s*)?([A-Za-z_]\w*)\s*\((.*)\)\s*", re.DOTALL)


def call_aliases(path: str, source: bytes, rules: Rules) -> dict[str, str]:
    """Macro name -> the function whose call the macro is, for the macros of one file."""
    if _MARK not in source:
        return {}
    text = source.decode("utf-8", "replace")
    found: dict[str, str] = {}
    for d in definitions(path, text, rules):
        if d.kind != "macro":
            continue
        callee = _macro_call(d.body, tuple(p.name for p in d.params))
        if callee is not None and callee != d.name:
            found[d.name] = callee
    return found


def _macro_call(body: str, params: tuple[str, ...]) -> str | None:
    """The function `body` (a macro's replacement text) is one call of, if it is."""
    conds = [c for c in calls_in(body) if c[0] == "__cond_lock"]
    if len(conds) != 1 or len(conds[0][1]) != 2:
        return None
    _name, args, start, end = conds[0]
    match = _ASSIGNED_CALL.fullmatch(args[1])
    if match is None or [a.strip() for a in match.group(3).split(",")] != list(params):
        return None
    variable, callee = match.group(1), match.group(2)
    before, after = body[:start].strip(), body[end + 1 :].strip()
    if variable is None:  # `#define m(a) __cond_lock(l, f(a))`: the value is the call's
        return callee if not before.strip("(") and not after.strip(")") else None
    # `({ T *v; __cond_lock(l, v = f(a)); v; })`: the value is v's
    value = re.fullmatch(rf";\s*{re.escape(variable)}\s*;\s*\}}\s*\)", after)
    return callee if before.startswith("({") and value is not None else None


def _called(cfg: CFG, names: set[str]) -> set[str]:
    found: set[str] = set()
    for node in cfg.nodes:
        stack = [node.expr] if node.expr is not None else []
        while stack:
            expr = stack.pop()
            if expr.kind == "call" and expr.name in names:
                found.add(expr.name)
            stack.extend(expr.children)
    return found


def _cycles(graph: dict[str, set[str]]) -> dict[str, int]:
    """name -> component number, for names in a call cycle of two or more (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: dict[str, int] = {}
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                members = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    members.append(member)
                    if member == node:
                        break
                if len(members) > 1:
                    out.update((member, index[node]) for member in members)
    return out
