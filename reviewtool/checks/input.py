"""IN checks: the shape of the series as it arrived (gaps, duplicates, versions, trailers).
IN001..IN008 are found while `series.assemble` builds the Series; their `run` hands back
those findings. IN010 and up are other input checks."""

from __future__ import annotations

from collections.abc import Iterator

from reviewtool.checks.base import Check, SeriesContext
from reviewtool.model import Finding, Severity


class _AssemblyCheck(Check):
    """A finding made by `series.assemble`; `run` returns those with this check's code."""

    scope = "series"

    def run(self, ctx: SeriesContext) -> Iterator[Finding]:
        yield from (f for f in ctx.series.findings if f.code == self.code)


class MissingPatch(_AssemblyCheck):
    """What it checks: a slot n of a series of m patches for which no mail was found; or an
    input that holds only a cover letter (one finding, "nothing to review", exit 0 unless
    `--fail-on warning`).

    Why it matters: the series cannot be applied or reviewed as posted; later patches may
    depend on the missing one, so apply and build results after the gap mean little.

    Example: `[PATCH v7 1/6]`, `[PATCH v7 2/6]`, `[PATCH v7 4/6]` (3/6, 5/6 and 6/6 were
    not sent to this list).

    Better: fetch the whole thread (`b4 mbox <msgid>`) or ask the author to resend with
    every list on Cc.

    Rule data: none.
    """

    code = "IN001"
    name = "missing-patch"
    severity = Severity.WARNING


class DuplicatePatch(_AssemblyCheck):
    """What it checks: two mails claim the same slot n/m of the same version.

    Why it matters: one of them is a resend or a fixup; reviewing the wrong one wastes
    everyone's time. The newest by Date is kept.

    Example: two `[PATCH v2 3/5]` mails, the second sent an hour later.

    Better: resend a corrected patch as a new version (`v3`), or as `[PATCH v2 RESEND 3/5]`
    with a note saying what changed.

    Rule data: none.
    """

    code = "IN002"
    name = "duplicate-patch"
    severity = Severity.WARNING


class TotalMismatch(_AssemblyCheck):
    """What it checks: the m of n/m differs between mails of one version, or a patch number
    is larger than the total.

    Why it matters: usually a patch from another posting was mixed in, or the series was
    edited by hand after `git format-patch`; either way the order may be wrong.

    Example: `[PATCH v3 0/4]` followed by `[PATCH v3 1/5]` … `[PATCH v3 5/5]`.

    Better: regenerate the whole series with `git format-patch --cover-letter -vN`.

    Rule data: none.
    """

    code = "IN003"
    name = "total-mismatch"
    severity = Severity.WARNING


class MixedSeries(_AssemblyCheck):
    """What it checks: the input holds patches that do not belong to the series chosen for
    review (another thread, another sender, an unnumbered follow-up patch).

    Why it matters: those patches are not reviewed; if one of them was meant to be part of
    the series, the review is incomplete.

    Example: an mbox holding `[PATCH 1/2]`, `[PATCH 2/2]` and an unrelated `[PATCH] foo`.

    Better: give reviewtool one series at a time (`b4 am -o - <msgid>`).

    Rule data: none.
    """

    code = "IN004"
    name = "mixed-series"
    severity = Severity.NOTE


class OlderVersions(_AssemblyCheck):
    """What it checks: the input holds more than one version of the series.

    Why it matters: only one version is reviewed (the newest, or `--series-version`); the
    others are compared with it (its findings are new or persisting, theirs that are gone are
    fixed: docs/memory.md) unless `--history 0`, but get no findings of their own.

    Example: a thread with `[PATCH v4 0/6]` … and `[PATCH v5 6/6]`.

    Better: nothing to fix; pass `--series-version N` to review another version.

    Rule data: none.
    """

    code = "IN005"
    name = "older-versions"
    severity = Severity.NOTE


class PartialReroll(_AssemblyCheck):
    """What it checks: version N resends only some patches, in reply to their version N-1
    counterparts; the others are taken from version N-1 (b4's partial-reroll rule).

    Why it matters: the series reviewed mixes two postings; a reviewer should know which
    patches were carried over unchanged.

    Example: `[PATCH v5 6/6]` sent in reply to `[PATCH v4 6/6]`.

    Better: resend the whole series as vN so tools and maintainers need not guess.

    Rule data: none.
    """

    code = "IN006"
    name = "partial-reroll"
    severity = Severity.NOTE


class PatchWithoutDiff(_AssemblyCheck):
    """What it checks: a numbered patch mail (n/m with n ≥ 1) that carries no diff we can
    find, or a diff unidiff cannot parse.

    Why it matters: the patch cannot be applied or analysed; often the mail client mangled
    it (wrapped lines, HTML, lost leading spaces).

    Example: `[PATCH 2/3] foo` whose body was re-flowed by the mailer.

    Better: send with `git send-email`, or check the mail with `git am --check`.

    Rule data: none.
    """

    code = "IN007"
    name = "patch-without-diff"
    severity = Severity.WARNING


class ForeignTrailer(_AssemblyCheck):
    """What it checks: a reply gives a `*-by:` trailer for someone other than its sender.

    Why it matters: only the person named may give their Reviewed-by/Acked-by/Tested-by; such
    trailers are not collected (b4's rule), and a maintainer should ask that person.

    Example: Jane writes "Reviewed-by: John Doe <john@example.org>" in her reply.

    Better: John replies with his own Reviewed-by.

    Rule data: none.
    """

    code = "IN008"
    name = "foreign-trailer"
    severity = Severity.NOTE


MISSING_PATCH = MissingPatch()
DUPLICATE_PATCH = DuplicatePatch()
TOTAL_MISMATCH = TotalMismatch()
MIXED_SERIES = MixedSeries()
OLDER_VERSIONS = OlderVersions()
PARTIAL_REROLL = PartialReroll()
PATCH_WITHOUT_DIFF = PatchWithoutDiff()
FOREIGN_TRAILER = ForeignTrailer()

CHECKS: list[Check] = [
    MISSING_PATCH,
    DUPLICATE_PATCH,
    TOTAL_MISMATCH,
    MIXED_SERIES,
    OLDER_VERSIONS,
    PARTIAL_REROLL,
    PATCH_WITHOUT_DIFF,
    FOREIGN_TRAILER,
]
