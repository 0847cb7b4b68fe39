"""`check --jobs N`: the file checks of a series' independent files in N forked workers.

The file checks of one file state depend on that state, the focus the engine gives it
(the functions the patch changed in that file) and the rules, nothing else: the engine
runs them once per (path, content, focus) and compares the key counts of the states
before and after each patch (engine.step_changes). So the work of different files is
independent once the snapshots are built. A *lane* is everything one file needs across
the series: for each step that changes it, its states before and after (a rename's old
state rides in the new path's lane). Lanes run in workers, each lane in step order in one
worker (its FactsCache parses each new state incrementally from the previous one, its
FunctionCache reuses the results of unchanged functions, as one process would); the
results come back by (step, old path, new path) and `step_changes` reads them where it
would have computed them, in its own order. The report is byte-identical to one job
(tests/test_check_jobs.py).

What needs all files at once stays in the main process: patch checks, series checks and
the steps' observers (they parse what they read there)."""

from __future__ import annotations

from collections.abc import Sequence

from reviewtool.checks.base import Check, Memo
from reviewtool.csyntax import FactsCache
from reviewtool.model import Finding, Snapshot
from reviewtool.parallel import map_ordered
from reviewtool.resources import Rules

Pair = tuple[int, str | None, str | None]  # (step, old path, new path)
Found = tuple[tuple[Finding, ...], tuple[Finding, ...]]  # (after the patch, before it)

_CONTEXT: tuple[Sequence[Snapshot], Sequence[Check], Rules] | None = None  # a worker's


def lanes(snapshots: Sequence[Snapshot]) -> list[list[Pair]]:
    """The series' file-check work by file, each lane in step order, lanes by path."""
    from reviewtool.engine import _file_pairs

    by_path: dict[str, list[Pair]] = {}
    for step in range(1, len(snapshots)):
        for old_path, new_path in _file_pairs(snapshots[step - 1], snapshots[step]):
            lane = new_path if new_path is not None else old_path
            assert lane is not None
            by_path.setdefault(lane, []).append((step, old_path, new_path))
    return [by_path[path] for path in sorted(by_path)]


def file_findings_by_lane(
    snapshots: Sequence[Snapshot], checks: Sequence[Check], rules: Rules, jobs: int
) -> dict[Pair, Found]:
    """Every lane's file-check findings, computed in up to `jobs` forked workers; empty
    when there is nothing to share out (one job, or one file): then the engine computes
    them as it walks the steps."""
    work = lanes(snapshots)
    if jobs <= 1 or len(work) <= 1:
        return {}
    work.sort(key=len, reverse=True)  # the longest lanes first: workers finish together
    derived: dict[Pair, Found] = {}
    context = (snapshots, checks, rules)
    # a lane at a time: lanes are few and uneven (a file changed by every patch, or once)
    for results in map_ordered(_lane, work, jobs, _start, (context,), chunk=1):
        derived.update(results)
    return derived


def _start(context: tuple[Sequence[Snapshot], Sequence[Check], Rules] | None) -> None:
    global _CONTEXT
    _CONTEXT = context
    if context is not None:  # a forked worker reads the base tree through its own process
        reopen = getattr(getattr(context[2], "base_tree", None), "reopen", None)
        if reopen is not None:
            reopen()


def _lane(pairs: list[Pair]) -> dict[Pair, Found]:
    from reviewtool.engine import _Runner

    assert _CONTEXT is not None
    snapshots, checks, rules = _CONTEXT
    runner = _Runner(checks, rules, FactsCache(rules, capacity=16), Memo(across_states=True))
    out: dict[Pair, Found] = {}
    for step, old_path, new_path in pairs:
        before, after = snapshots[step - 1], snapshots[step]
        old = before.files.get(old_path) if old_path else None
        new = after.files.get(new_path) if new_path else None
        focus = runner.focus(old, new)
        now = runner.file_findings(new, focus) if new is not None else ()
        then = runner.file_findings(old, focus) if old is not None else ()
        out[(step, old_path, new_path)] = (now, then)
    return out
