"""IN011: what the series memory (reviewtool.memory) could not compare. Its findings are made
while the earlier postings are chosen; `run` yields nothing."""

from __future__ import annotations

from collections.abc import Iterator

from reviewtool.checks.base import Check, SeriesContext
from reviewtool.model import Finding, Severity


class NotCompared(Check):
    """What it checks: a version in the input (or in `--since`) that was not compared with
    the reviewed one: it shares no patch (by patch id, subject or content) and no title with
    the posting after it, or `--history N` left it out.

    Why it matters: findings are reported as new or persisting, and earlier ones as fixed,
    only against the postings that were compared; a reviewer should know which were not.

    Example: a v4 thread that also holds three unnumbered `[PATCH]` follow-ups (they parse
    as v1 but are not an earlier version of the series).

    Better: nothing to fix; pass `--history N` to compare more earlier versions.

    Rule data: none.
    """

    code = "IN011"
    name = "version-not-compared"
    severity = Severity.NOTE
    scope = "series"

    def run(self, ctx: SeriesContext) -> Iterator[Finding]:
        return iter(())


NOT_COMPARED = NotCompared()

CHECKS: list[Check] = [NOT_COMPARED]
