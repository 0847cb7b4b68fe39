"""b4 review's agent files (b4 0.16, misc/agent-reviewer.md): what an agent leaves in
`.git/b4-review/<HEAD-sha>/` for the `b4 review` TUI to take in as one reviewer's notes and
inline comments. `identity.txt` names the reviewer; `series.txt` is a note on the series;
`NNNN.txt` (1-based position of the patch) is a note, then the patch's whole diff quoted with
`> ` and our comments, unquoted, under the lines they are about. The comments are the ones
reply drafts carry (`render.comments`), placed where the drafts place them (`quote`)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from reviewtool import __version__
from reviewtool.engine import Report
from reviewtool.model import Finding, Patch, Severity
from reviewtool.quote import comment_lines
from reviewtool.render.comments import comment_text, patch_steps, wrap
from reviewtool.render.headers import DraftOptions
from reviewtool.render.replies import for_author

IDENTITY = f'"reviewtool {__version__}" <reviewtool@reviewtool.invalid>'


def file_name(position: int) -> str:
    """b4 reads `NNNN.txt`, 1-based, in the order of the review branch's patch commits."""
    return f"{position:04d}.txt"


def _counts(findings: Sequence[Finding]) -> str:
    parts = []
    for severity in (Severity.ERROR, Severity.WARNING, Severity.NOTE):
        count = sum(1 for f in findings if f.severity == severity)
        if count:
            parts.append(f"{count} {severity.label}{'s' if count != 1 else ''}")
    return ", ".join(parts) or "no findings"


def _codes(findings: Sequence[Finding]) -> str:
    return ", ".join(dict.fromkeys(f"{f.code} {f.name}" for f in findings))


def _unquoted(text: str) -> str:
    """b4 takes a line starting with `>` for a quoted diff line: such comment lines move by
    one space (the text stays the same to a reader)."""
    return "\n".join(f" {line}" if line.startswith(">") else line for line in text.split("\n"))


def _finding_line(finding: Finding) -> str:
    loc = finding.location
    where = f"{loc.path}:{loc.line}: " if loc.path and loc.line else ""
    message = " ".join(finding.message.split())
    return f"- {where}{finding.severity.label}: {message} [{finding.code}]"


def _post_image(report: Report, step: int) -> Callable[[str], str | None]:
    def text(path: str) -> str | None:
        state = report.snapshots[step].files.get(path) if step < len(report.snapshots) else None
        return state.text if state is not None else None

    return text


def patch_file(
    patch: Patch, findings: list[Finding], report: Report, options: DraftOptions, step: int
) -> str:
    """The note (a one-line verdict, a blank line, the details), then the quoted diff with a
    comment under the line each finding is about."""
    placed, unplaced = comment_lines(patch, findings, _post_image(report, step))
    note = [f"reviewtool: {_counts(findings)} ({_codes(findings)})", ""]
    note.extend(_finding_line(f) for f in findings)
    for finding in unplaced:  # no diff line to sit under: said in the note
        note += ["", comment_text(finding, report, options, patch, under_quote=False)]
    comments: dict[int, list[str]] = {}
    for line, finding, exact in placed:
        text = comment_text(finding, report, options, patch, at_line=exact)
        comments.setdefault(line, []).append(_unquoted(text))
    out = ["\n".join(note).rstrip("\n"), ""]
    diff_lines = patch.diff.rstrip("\n").split("\n")
    for number, line in enumerate(diff_lines):
        out.append(f"> {line}" if line else ">")
        for text in comments.get(number, []):
            out += ["", text, ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _transient(finding: Finding, total: int) -> str:
    """One line on a finding a later patch removes: the kernels in between carry it."""
    first, gone = finding.location.patch, finding.fixed_in
    assert gone is not None
    where = f" in {finding.location.function}()" if finding.location.function else ""
    kernels = f"{first}/{total}" if gone - 1 <= first else f"{first}/{total} to {gone - 1}/{total}"
    return (
        f"{finding.code} {finding.name}{where}, from {first}/{total}, is only gone in "
        f"{gone}/{total}: the kernels at {kernels} carry it, and a bisection can land there."
    )


def series_file(
    report: Report, findings: list[Finding], options: DraftOptions, skipped: Collection[int] = ()
) -> str:
    """The note on the series: a verdict line, then which patches have findings, which are
    clean, what the series as a whole has (a gap, a transient problem), and what the base was."""
    series = report.series
    assert series is not None
    total = series.total
    by_patch: dict[int, list[Finding]] = {}
    for finding in findings:
        by_patch.setdefault(finding.location.patch, []).append(finding)
    flagged = [p for p in series.patches if by_patch.get(p.index)]
    lines = [f"reviewtool: {_counts(findings)} in {len(series.patches)} patches", ""]
    for patch in flagged:
        mine = by_patch[patch.index]
        title = f"{patch.index}/{total} {patch.subject.title}"
        lines.append(f"{title}: {_counts(mine)} ({_codes(mine)})")
    clean = [
        f"{p.index}/{total}"
        for p in series.patches
        if not by_patch.get(p.index) and p.index not in skipped
    ]
    if clean:
        lines.append(f"No findings in {', '.join(clean)}.")
    for finding in findings:
        if finding.fixed_in is not None and finding.location.patch:
            lines += ["", wrap(_transient(finding, total))]
    for finding in by_patch.get(0, []):  # about the series as a whole: said in full here
        lines += ["", comment_text(finding, report, options, None, under_quote=False)]
    base = report.base_description or "none: only what the hunks show was analysed"
    applied = sum(1 for s in report.snapshots[1:] if s.applied)
    lines += ["", f"Base: {base}; {applied} of {len(series.patches)} patches applied."]
    return "\n".join(lines) + "\n"


def agent_files(
    report: Report, options: DraftOptions, skip: Collection[int] = ()
) -> dict[str, str]:
    """File name -> text for `.git/b4-review/<HEAD-sha>/`: identity.txt, series.txt, and one
    NNNN.txt per patch with findings (b4: "If you find no issues in a patch, skip it
    entirely"). `skip`: 1-based positions the maintainer marked skipped, left out."""
    series = report.series
    if series is None:
        return {}
    findings = for_author(report.findings, options.include_raised)
    files = {"identity.txt": IDENTITY + "\n"}
    steps = patch_steps(report)
    by_patch: dict[int, list[Finding]] = {}
    for finding in findings:
        by_patch.setdefault(finding.location.patch, []).append(finding)
    skipped = {p.index for n, p in enumerate(series.patches, start=1) if n in skip}
    for position, patch in enumerate(series.patches, start=1):
        mine = by_patch.get(patch.index)
        if mine and patch.index not in skipped:
            files[file_name(position)] = patch_file(
                patch, mine, report, options, steps[patch.index]
            )
    # agent-reviewer.md: skipped patches stay out of the series-level commentary too
    kept = [f for f in findings if f.location.patch not in skipped]
    files["series.txt"] = series_file(report, kept, options, skipped)
    return files
