"""BS007: a finding one patch introduces and a later patch of the same series removes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from functools import partial

from reviewtool.checks.base import Check, SeriesContext
from reviewtool.checks.bisect.history import patch_label
from reviewtool.model import Finding, Location, Severity


def _subject_of(key: str) -> str:
    return key.split("|", 3)[-1] if key.count("|") >= 3 else key


class TransientDefect(Check):
    """What it checks:
        Any finding of any other check that one patch introduces and a later patch of the
        same series removes. The finding is reported on the introducing patch with the patch
        that removes it (`fixed_in`). Series-level findings and the bisectability family's
        own findings (which already name their span) are not repeated.

    Why it matters:
        The end state of the series looks fine, but every kernel between the two patches
        carries the defect: git bisect may land there, and a backport of the first patch alone
        carries it for good. The fix belongs in the patch that introduced the problem.

    Example:
        1/8 adds cleanup_partial_anon_vmas(), which takes the anon_vma lock inside its loop
        and never releases it (LK001); 7/8 rewrites the function without locking, so the
        leak lives from 1/8 to 6/8.

    Better:
        Fold the fix into the introducing patch and send a new version.

    Rule data:
        None. Works over every check, present and future: it reads the engine's resolved
        findings (`introduced_in`, `fixed_in`).
    """

    code = "BS007"
    name = "transient-defect"
    severity = Severity.ERROR
    scope = "series"

    def run(self, ctx: SeriesContext) -> Iterator[Finding]:
        from reviewtool.checks import ALL  # lazy: the registry imports this module

        series_level = {check.code for check in ALL if check.scope == "series"}
        for original in ctx.findings:
            introduced = original.introduced_in or original.patch
            fixed = original.fixed_in
            if fixed is None or not introduced or fixed <= introduced:
                continue
            if original.code.startswith("BS") or original.code in series_level:
                continue  # already a bisection report, or about the series as a whole
            where = f" in {original.location.function}()" if original.location.function else ""
            label = partial(patch_label, ctx.series)
            carriers = label(introduced)
            if fixed - introduced > 1:
                carriers += f" to {label(fixed - 1)}"
            message = (
                f"the {original.name} problem ({original.code}){where} that this patch "
                f"introduces stays until {label(fixed)} removes it, so kernels built at "
                f"{carriers} carry it: fix it in {label(introduced)} itself"
            )
            finding = self.finding(
                message,
                patch=introduced,
                path=original.location.path,
                line=original.location.line,
                function=original.location.function,
                subject=f"{original.code}:{_subject_of(original.key)}",
                evidence=(original.location, Location(fixed, original.location.path)),
                severity=original.severity,
            )
            yield replace(finding, introduced_in=introduced, fixed_in=fixed)
