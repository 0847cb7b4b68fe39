"""Review drafts: one reply mail per patch with findings (and one to the cover letter). Which
findings the author sees and where: quoted hunks with comments under them (`quote.plan_reply`),
series-level findings in the cover letter reply; bodies from `templates/reply.j2` and
`cover-reply.j2`."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from reviewtool.engine import Report
from reviewtool.errors import RuleDataError
from reviewtool.model import Finding, Patch, Series
from reviewtool.quote import Comment, Quoted, ReplyPlan, Trim, plan_reply
from reviewtool.render.acknowledge import acknowledgement
from reviewtool.render.comments import comment_text, environment, patch_steps, wrap
from reviewtool.render.headers import (
    Draft,
    DraftOptions,
    attribution_line,
    build_message,
    draft_filename,
)


def _quote_lines(lines: Sequence[str]) -> str:
    lines = [line.replace("\r", "") for line in lines]
    return "\n".join(f"> {line}" if line else ">" for line in lines)


def _blocks(plan: ReplyPlan, report: Report | None, options: DraftOptions) -> list[dict]:
    blocks: list[dict] = []
    for part in plan.parts:
        if isinstance(part, Quoted):
            text = _quote_lines(part.lines)
            if blocks and blocks[-1]["kind"] == "quote":
                blocks[-1]["text"] += "\n" + text
            else:
                blocks.append({"kind": "quote", "text": text})
        elif isinstance(part, Trim):
            if blocks and blocks[-1]["kind"] == "quote":
                blocks[-1]["text"] += "\n> [...]"
            else:
                blocks.append({"kind": "quote", "text": "> [...]"})
        elif isinstance(part, Comment):
            for finding in part.findings:
                exact = finding not in plan.near
                text = comment_text(finding, report, options, plan.patch, at_line=exact)
                blocks.append({"kind": "comment", "text": text})
    for finding in plan.unplaced:
        text = comment_text(finding, report, options, plan.patch, under_quote=False)
        blocks.append({"kind": "comment", "text": text})
    return blocks


def reply_body(
    plan: ReplyPlan, report: Report | None, options: DraftOptions, closing: str = ""
) -> str:
    blocks = _blocks(plan, report, options)
    if closing:
        blocks.append({"kind": "comment", "text": closing})
    return (
        environment()
        .get_template("reply.j2")
        .render(
            attribution=attribution_line(plan.patch.message, options.attribution),
            blocks=blocks,
        )
    )


# ---------------------------------------------------------------- the whole series


# About the reviewer's input, not the author's series: older versions or unrelated mails in
# the mbox, slots taken from an earlier version, trailers we did not collect, a cover letter
# whose patches we were not given, which revisions of the reviewer's repository the series
# applies to; and what reviewtool could not look at (a parse cut at its deadline, a kernel-doc
# comment past the reader's bounds, calls whose arguments were not counted, asserts past the
# reader's bound). The author needs none of that in a reply.
INPUT_ONLY_CODES = frozenset(
    {"IN004", "IN005", "IN006", "IN008", "IN011", "CV001", "KD010", "BS009", "AS005"}
)
INPUT_ONLY_KEYS = frozenset({"IN001|||cover-only", "BS001|||base-candidates"})


def restated_transient(finding: Finding, findings: Sequence[Finding]) -> bool:
    """A BS007 whose original finding is in the report too: the original's comment already
    says which later patch removes it and which kernels carry it; one comment per problem."""
    if finding.code != "BS007" or not finding.evidence:
        return False
    subject = finding.key.split("|", 3)[-1]
    return any(
        other.code != "BS007"
        and other.location == finding.evidence[0]
        and other.fixed_in == finding.fixed_in
        and subject.startswith(f"{other.code}:")
        for other in findings
    )


def for_author(findings: Sequence[Finding], include_raised: bool = False) -> list[Finding]:
    """The findings a reply to the author should carry: not those someone in the thread
    already raised (`Finding.raised_by`), unless `include_raised`."""
    kept = [
        f
        for f in findings
        if f.code not in INPUT_ONLY_CODES
        and f.key not in INPUT_ONLY_KEYS
        and not restated_transient(f, findings)
        and (include_raised or not f.raised_by)
    ]
    return _gaps_as_one_request(kept)


def _gaps_as_one_request(findings: list[Finding]) -> list[Finding]:
    """Patches missing from the input (IN001, one finding per slot) become one request to
    the author, in the place of the first: usually they were not sent to this list."""
    gaps = [f for f in findings if f.code == "IN001" and f.key.rsplit("|", 1)[-1].isdigit()]
    if not gaps:
        return findings
    labels = [re.match(r"patch (\d+/\d+)", f.message) for f in gaps]
    slots = [m.group(1) for m in labels if m]
    if len(slots) != len(gaps):
        return findings
    listed = slots[0] if len(slots) == 1 else ", ".join(slots[:-1]) + f" and {slots[-1]}"
    message = (
        f"{listed} did not reach me (nor the list I read this on). Could you send the whole "
        "series to everyone on Cc, so that it can be reviewed and applied as a whole?"
    )
    request = replace(gaps[0], message=message, key="IN001|||gaps")
    first = findings.index(gaps[0])
    rest = [f for f in findings if f not in gaps]
    return rest[:first] + [request] + rest[first:]


def _series_level(findings: Sequence[Finding]) -> list[Finding]:
    """What the cover letter reply summarises: series findings and transients."""
    return [f for f in findings if f.location.patch == 0 or f.fixed_in is not None]


def cover_body(
    series: Series,
    findings: list[Finding],
    report: Report,
    options: DraftOptions,
    acknowledgement: str = "",
) -> str:
    assert series.cover is not None
    return (
        environment()
        .get_template("cover-reply.j2")
        .render(
            attribution=attribution_line(series.cover, options.attribution),
            quoted=_cover_quote(series.cover.body),
            opening=wrap(_cover_opening(series, findings)),
            items=[_cover_item(f, report, options) for f in findings],
            acknowledgement=acknowledgement,
        )
    )


COVER_QUOTE_LINES = 6


def _cover_quote(body: str) -> list[str]:
    """The cover letter's first paragraph (bounded), then `> [...]` for the rest."""
    lines = body.strip("\n").split("\n")
    first: list[str] = []
    for line in lines:
        if not line.strip() or len(first) == COVER_QUOTE_LINES:
            break
        first.append(line)
    quoted = [f"> {line}" if line else ">" for line in first]
    if len(first) < len(lines):
        quoted.append("> [...]")
    return quoted


def _cover_opening(series: Series, findings: list[Finding]) -> str:
    transients = sum(1 for f in findings if f.fixed_in is not None)
    if transients:
        return (
            "Some problems in this series are introduced by one patch and only go away in a "
            "later one, so the kernels in between carry them:"
        )
    return "A few things about the series as a whole:"


def _cover_item(finding: Finding, report: Report, options: DraftOptions) -> str:
    """A paragraph per finding, prefixed with where it is when that is a patch."""
    loc = finding.location
    patches = {p.index: p for p in report.series.patches} if report.series else {}
    text = comment_text(finding, report, options, patches.get(loc.patch), under_quote=False)
    if loc.patch <= 0 or report.series is None:
        return text
    where = f"In {loc.patch}/{report.series.total}"
    if loc.function and f"{loc.function}()" not in text:
        where += f", {loc.function}()"
    if loc.path:
        where += f" in {loc.path}" if where.endswith(")") else f", {loc.path}"
    return wrap(f"{where}: {text}")


def _post_image(report: Report, step: int) -> Callable[[str], str | None]:
    """The tree after patch `step`, as the findings number it."""

    def text(path: str) -> str | None:
        if not 0 <= step < len(report.snapshots):
            return None
        state = report.snapshots[step].files.get(path)
        return state.text if state is not None else None

    return text


def drafts(report: Report, options: DraftOptions) -> list[Draft]:
    """One draft per patch that introduced findings, plus one to the cover letter when the
    series has series-level findings or transients. Without a cover letter, series-level
    findings go at the end of the first patch's draft (and so does the thanks of
    `acknowledge_fixed`)."""
    series = report.series
    if series is None:
        return []
    findings = for_author(report.findings, options.include_raised)
    thanks = acknowledgement(report) if options.acknowledge_fixed else ""
    by_patch: dict[int, list[Finding]] = {}
    for finding in findings:
        by_patch.setdefault(finding.location.patch, []).append(finding)
    series_findings = _series_level(findings)
    steps = patch_steps(report)
    orphans = by_patch.get(0, []) if series.cover is None else []
    out: list[Draft] = []
    if series.cover is not None and (series_findings or thanks):
        body = cover_body(series, series_findings, report, options, thanks)
        out.append(
            Draft(draft_filename(0, series.title), build_message(series.cover, body, options), 0)
        )
    for patch in series.patches:
        found = by_patch.get(patch.index, [])
        first = patch is series.patches[0]
        extra = orphans if first else []
        closing = thanks if first and series.cover is None else ""
        if not found and not extra and not closing:
            continue
        plan = plan_reply(patch, found, options.context, _post_image(report, steps[patch.index]))
        if extra:
            plan = ReplyPlan(plan.patch, plan.parts, plan.unplaced + tuple(extra))
        body = reply_body(plan, report, options, closing)
        out.append(
            Draft(
                draft_filename(patch.index, patch.subject.title),
                build_message(patch.message, body, options),
                patch.index,
            )
        )
    return out


def draft_for_patch(
    patch: Patch, findings: list[Finding], options: DraftOptions, report: Report | None = None
) -> Draft:
    plan = plan_reply(patch, findings, options.context)
    body = reply_body(plan, report, options)
    return Draft(
        draft_filename(patch.index, patch.subject.title),
        build_message(patch.message, body, options),
        patch.index,
    )


def options_from_rules(rules: Any, checks: Sequence[Any], **kw: Any) -> DraftOptions:
    """DraftOptions with the lock pair table and check docs filled in."""
    releases: dict[str, tuple[str, ...]] = {}
    try:
        from reviewtool.analysis.vocab import vocabulary  # hand and derived pairs

        for entry in vocabulary(rules).get("acquire", []):
            if isinstance(entry, dict) and "name" in entry:
                releases[str(entry["name"])] = tuple(entry.get("releases", ()))
    except RuleDataError:  # rule data is optional here: comments just name less
        releases = {}
    docs = {check.code: check.doc() for check in checks}
    return DraftOptions(lock_releases=releases, check_docs=docs, **kw)
