"""LK005: what the lock analysis could not look at, said rather than kept silent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from reviewtool.analysis import locks as lock_analysis
from reviewtool.analysis.cfg import MAX_NODES
from reviewtool.analysis.locks import flow, lock_table
from reviewtool.checks.base import Check, FileContext
from reviewtool.checks.locks import file_locks
from reviewtool.model import Finding, Severity


def _span(lines: tuple[int, ...]) -> str:
    shown = ", ".join(str(n) for n in lines[:5])
    return f"line {shown}" if len(lines) == 1 else f"lines {shown}" + (", …" if lines[5:] else "")


class LockAnalysisIncomplete(Check):
    """What it checks:
        A function the lock checks (LK001..LK004) could not judge, or judged without part of
        it: its paths exceed the analysis budget (steps, or distinct lock states at one
        point) or its control-flow graph the node bound; its statements or expressions nest
        past the depth the C front end lowers (200 levels: what is deeper is left out, a
        lock call there is not seen); it holds more than 8 locks or disabled contexts at
        once (those past 8 are not tracked; a loop taking one more lock of a kind per
        iteration is summarised there instead); or lines inside the region where it holds a
        lock do not parse (tree-sitter error nodes, often a macro the C front end does not
        know). A note, not an error: it names the function and why.

    Why it matters:
        No lock finding there does not mean the locking is right. A reviewer should read
        that function's locking by hand, or teach reviewtool the macro (rules/csyntax.toml).

    Example:
        spin_lock(&q->lock);
        MY_ODD_MACRO(q) {          /* not C to a parser */
            ...
        }
        spin_unlock(&q->lock);

    Better:
        Nothing to change in the code; add the macro to rules/csyntax.toml (`attributes`,
        `statement_macros`) with --rules DIR so the region parses.

    Rule data:
        rules/csyntax.toml (what the C front end repairs before parsing); the step budget
        and node bound of the lock analysis; the C lowering's depth bound; the locks one
        lock state tracks at once.
    """

    code = "LK005"
    name = "lock-analysis-incomplete"
    severity: ClassVar[Severity] = Severity.NOTE
    scope: ClassVar[str] = "file"
    focus_aware = True  # a function's note depends on what its LK findings depend on

    def run(self, ctx: FileContext) -> Iterator[Finding]:
        results = file_locks(ctx)
        table = lock_table(ctx.rules, ctx.path)
        lock_calls = frozenset(table.acquires) | frozenset(table.releases)
        by_function: dict[str | None, list] = {}
        for call in ctx.facts.calls:
            if call.name in lock_calls and ctx.in_focus(call.function):
                by_function.setdefault(call.function, []).append(call)
        for fn in ctx.facts.functions:
            if not ctx.in_focus(fn.name):
                continue
            result = results.result(fn)
            if result is None or not ctx.state.is_known(fn.start_line, fn.end_line):
                continue
            calls = by_function.get(fn.name, [])
            acquires = [c.line for c in calls if c.name in table.acquires]
            if result.error or result.budget_exceeded and (result.analysed or acquires):
                yield self._skipped(ctx, fn, result)
                continue
            for subject, why in result.incomplete:  # judged, but without part of it
                yield self.finding(
                    f"{fn.name}(): {why}, so lock findings there may be missing or wrong",
                    path=ctx.path,
                    line=fn.start_line,
                    function=fn.name,
                    subject=subject,
                )
            if not acquires or not fn.error_lines:
                continue
            releases = [c.line for c in calls if c.name in table.releases]
            first = min(acquires)
            last = max([*releases, first]) if releases else fn.end_line
            broken = tuple(n for n in fn.error_lines if first <= n <= last)
            if broken:
                yield self.finding(
                    f"{fn.name}(): {_span(broken)} inside the region where it holds a lock "
                    f"(lines {first}-{last}) do not parse, so lock findings there may be "
                    "missing or wrong",
                    path=ctx.path,
                    line=broken[0],
                    function=fn.name,
                    subject="parse",
                )

    def _skipped(self, ctx: FileContext, fn, result) -> Finding:
        if result.error:
            why, subject = f"not checked for lock errors: {result.error}", "nesting"
        elif not result.analysed:
            why = f"not checked for lock errors: more than {MAX_NODES:,} control-flow nodes"
            subject = "size"
        elif result.steps >= lock_analysis.MAX_STEPS:  # read per call, as the analysis does
            why = f"not checked for lock errors: its paths exceed {result.steps:,} analysis steps"
            subject = "budget"
        else:  # the other bound of the dataflow (flow.py): distinct states at one node
            why = (
                "not checked for lock errors: more than "
                f"{flow.MAX_STATES_PER_NODE:,} lock states reach one point of its paths"
            )
            subject = "budget"
        return self.finding(
            f"{fn.name}() was {why}",
            path=ctx.path,
            line=fn.start_line,
            function=fn.name,
            subject=subject,
        )


CHECKS: list[Check] = [LockAnalysisIncomplete()]
