"""BS009 (note): calls whose arguments BS006 could not count, said rather than kept silent."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from reviewtool.analysis.symbols.state import C_SUFFIXES, MAX_ARG_SCAN, MAX_SCAN_PER_FILE
from reviewtool.analysis.tree_view import TreeView
from reviewtool.checks.bisect.history import (
    EachStep,
    counted,
    patch_label,
    previous_symbols,
)
from reviewtool.model import Finding, Series, Severity


class ArgumentsNotCounted(EachStep):
    """What it checks:
        Calls in a file a patch touched whose arguments BS006 (argument-count-mismatch)
        could not count: the arguments of one call run past 8,000 characters, or the
        file's calls already took the 2,000,000 characters the recount may read per file
        (deeply nested calls on hostile input). A note, given when the patch changes how
        many calls of the file are left uncounted.

    Why it matters:
        No BS006 finding for those calls does not mean their argument counts match.

    Example:
        A patch adding `return f(f(f(...f(v)...)));` nested 3,000 deep.

    Better:
        Nothing to change when the code is real; check those calls by hand (a build
        does, see --build-cmd).

    Rule data:
        None; the bounds are MAX_ARG_SCAN and MAX_SCAN_PER_FILE of analysis/symbols/state.py.
    """

    code = "BS009"
    name = "arguments-not-counted"
    severity = Severity.NOTE

    def _step(self, series: Series, views: list[TreeView], step: int) -> Iterator[Finding]:
        view = views[step]
        for path in sorted(view.snapshot.touched):
            symbols = view.symbols(path) if path.endswith(C_SUFFIXES) else None
            if symbols is None or not symbols.uncounted:
                continue
            before = previous_symbols(views, step, path)
            if before is not None and len(before.uncounted) == len(symbols.uncounted):
                continue  # as uncounted as before this patch: said where it changed
            lines = symbols.uncounted
            note = self.finding(
                f"the arguments of {counted(len(lines), 'call')} in {path} at "
                f"{patch_label(series, step)} were not counted (one call's arguments run "
                f"past {MAX_ARG_SCAN:,} characters, or the file's {MAX_SCAN_PER_FILE:,}-"
                "character recount budget is spent): BS006 did not check them",
                patch=step,
                path=path,
                line=lines[0],
                function=symbols.function_at(lines[0]),
            )
            yield replace(note, introduced_in=step)
