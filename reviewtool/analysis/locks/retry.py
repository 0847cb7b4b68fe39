"""Releases a retry loop undoes: the lock dropped only to be taken again before any exit.

    for (;;) {
        lock = __rq_lockp(rq);
        raw_spin_lock(lock);
        if (likely(lock == __rq_lockp(rq)))
            return;            /* holding the rq's lock, by design */
        raw_spin_unlock(lock); /* the wrong one: drop it, read the owner again */
    }

The release in the loop never lets the function return without the lock: every path from
it takes a lock of the same name again before reaching an exit. It says nothing about
whether the function hands the lock to its caller, as a release on the way out would (a
function named for locking that releases what it took is no acquire helper: leaks.py's
`_by_design`). A lock released anywhere else still counts as released."""

from __future__ import annotations

from reviewtool.analysis.cfg import CFG

_EXITS = frozenset({"return", "end"})


def retried(cfg: CFG, released: dict[str, set[int]], taken: dict[str, set[int]]) -> set[str]:
    """The locks (idents) every release of which, at the CFG nodes in `released`, is
    followed on every path by a take of the same lock (`taken`) before any exit."""
    return {
        ident
        for ident, nodes in released.items()
        if nodes and all(_retaken(cfg, node, taken.get(ident, set())) for node in nodes)
    }


def _retaken(cfg: CFG, start: int, takes: set[int]) -> bool:
    """Whether every path from node `start` reaches one of `takes` before an exit."""
    if not takes:
        return False
    seen = {start}
    work = [target for target, _ in cfg.nodes[start].succ]
    while work:
        node_id = work.pop()
        if node_id in seen or node_id in takes:
            continue
        seen.add(node_id)
        node = cfg.nodes[node_id]
        if node.kind in _EXITS:
            return False
        work.extend(target for target, _ in node.succ)
    return True
