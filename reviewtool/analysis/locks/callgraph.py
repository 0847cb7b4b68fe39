"""The same-file calls the lock driver (driver.py) follows: the functions a CFG calls, and
the call cycles of a graph (focus.py reads them too)."""

from __future__ import annotations

from reviewtool.analysis.cfg import CFG


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
