"""The comment on one finding: everything a template may say is computed here (the acquiring
call, the release, the exit, which kernels carry it), then `templates/comment-<CODE>.j2`,
`-<FAMILY>.j2` or `-default.j2` phrases it."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from typing import Any

import jinja2

from reviewtool.engine import Report
from reviewtool.mail import parse_diff
from reviewtool.model import Finding, Patch, Snapshot
from reviewtool.render.headers import DraftOptions
from reviewtool.resources import data_dir

WRAP = 72


# ---------------------------------------------------------------- jinja2


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


_ENV: jinja2.Environment | None = None


def environment() -> jinja2.Environment:
    global _ENV
    if _ENV is None:
        _ENV = _environment()
    return _ENV


def _template_for(code: str) -> jinja2.Template:
    """comment-<CODE>.j2, else comment-<family>.j2 (LK, AS, KD...), else comment-default.j2."""
    family = re.match(r"[A-Z]+", code)
    names = [f"comment-{code}.j2"]
    if family:
        names.append(f"comment-{family.group(0)}.j2")
    names.append("comment-default.j2")
    return environment().select_template(names)


def wrap(text: str, width: int = WRAP) -> str:
    """Each blank-line separated paragraph filled to `width`; words never broken."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "\n\n".join(
        textwrap.fill(
            " ".join(p.split()), width=width, break_long_words=False, break_on_hyphens=False
        )
        for p in paragraphs
    )


# ---------------------------------------------------------------- what a comment says


_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
_NOT_CALLS = {"if", "for", "while", "switch", "return", "sizeof", "typeof", "defined"}


def _why(doc: str) -> str:
    """The first sentence of a check docstring's "Why it matters" section."""
    match = re.search(r"Why it matters\s*:?\s*\n(.*?)(?:\n\s*\n|\Z)", doc, re.S | re.I)
    if not match:
        return ""
    text = " ".join(match.group(1).split()).lstrip("-#* ")
    sentence = re.match(r"(.+?[.!?])(\s|$)", text)
    return sentence.group(1) if sentence else text


def _lock_subject(finding: Finding) -> str:
    """The lock expression of a key's subject (`class:expression` in LK keys)."""
    parts = finding.key.split("|", 3)
    subject = parts[3] if len(parts) == 4 else ""
    return subject.rpartition(":")[2].strip()


def patch_steps(report: Report | None) -> dict[int, int]:
    """Patch number (as the mails number them) → position in `report.snapshots`."""
    if report is None or report.series is None:
        return {}
    return {patch.index: step for step, patch in enumerate(report.series.patches, start=1)}


def _line_text(
    snapshots: Sequence[Snapshot], patch: int, path: str | None, line: int | None
) -> str:
    if path is None or line is None or not 0 <= patch < len(snapshots):
        return ""
    state = snapshots[patch].files.get(path)
    if state is None:
        return ""
    lines = state.text.split("\n")
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def _diff_line_text(patch: Patch | None, path: str | None, line: int | None) -> str:
    """A post-image line as the patch's own hunks show it (no tree needed)."""
    if patch is None or path is None or line is None:
        return ""
    patch_set = parse_diff(patch.diff)
    if patch_set is None:
        return ""
    for patched in patch_set:
        if patched.path != path:
            continue
        for hunk in patched:
            for hunk_line in hunk:
                if hunk_line.target_line_no == line:
                    return hunk_line.value.strip()
    return ""


def _first_call(text: str) -> str | None:
    for match in _CALL.finditer(text):
        if match.group(1) not in _NOT_CALLS:
            return match.group(1)
    return None


def comment_variables(
    finding: Finding, report: Report | None, options: DraftOptions, patch: Patch | None = None
) -> dict[str, Any]:
    """Everything a comment template may say, computed here so templates only phrase."""
    snapshots = report.snapshots if report is not None else ()
    step_of = patch_steps(report)
    total = report.series.total if report is not None and report.series is not None else None
    if total is None and patch is not None:
        total = patch.total
    loc = finding.location

    def text_at(index: int, path: str | None, line: int | None) -> str:
        found = _line_text(snapshots, step_of.get(index, index), path, line)
        if not found and patch is not None and index == patch.index:
            found = _diff_line_text(patch, path, line)
        return found

    acquire = None
    for evidence in finding.evidence:
        # file checks cannot know their step: evidence in the finding's file and patch 0
        # is in the same state as the finding
        step = loc.patch if evidence.patch == 0 and evidence.path == loc.path else evidence.patch
        acquire = _first_call(text_at(step, evidence.path, evidence.line))
        if acquire:
            break
    here = text_at(loc.patch, loc.path, loc.line)
    if acquire is None:
        acquire = _first_call(here)
    releases = options.lock_releases.get(acquire or "", ())
    lock = _lock_subject(finding)
    why = _why(options.check_docs.get(finding.code, ""))
    message = " ".join(finding.message.split())
    if message and message[-1] not in ".!?":
        message += "."
    return {
        "finding": finding,
        "code": finding.code,
        "name": finding.name,
        "message": message,
        "function": loc.function,
        "function_ref": f"{loc.function}()" if loc.function else "the function",
        "path": loc.path,
        "lock": lock,
        "lock_phrase": _lock_phrase(lock),
        "acquire": acquire,
        # the finding points at the acquiring line itself (or we cannot tell otherwise)
        "acquired_here": bool(acquire) and (not here or f"{acquire}(" in here.replace(" (", "(")),
        "call_here": _first_call(here),
        "here_code": here.rstrip(";")[:100] if re.search(r"\w", here) else "",
        "exit_phrase": _exit_phrase(here, loc.function),
        "release": releases[0] if releases else None,
        "release_article": _article(releases[0]) if releases else "a",
        "why": why,
        "why_lower": why[:1].lower() + why[1:],
        "patch": loc.patch,
        "introduced_in": finding.introduced_in,
        "fixed_in": finding.fixed_in,
        "last_carrier": finding.fixed_in - 1 if finding.fixed_in else None,
        "carriers": _carriers(loc.patch, finding.fixed_in, total),
        "total": total if total is not None else "?",
    }


def _carriers(first: int, fixed_in: int | None, total: int | None) -> str:
    """The kernels that carry a transient finding: "the kernel at 1/2" or "every kernel from
    1/8 to 6/8"; never past the series' last patch, whatever `fixed_in` says."""
    if not fixed_in:
        return ""
    of = total if total is not None else "?"
    last = fixed_in - 1 if total is None else min(fixed_in - 1, total)
    if last <= first:
        return f"the kernel at {first}/{of}"
    return f"every kernel from {first}/{of} to {last}/{of}"


def _exit_phrase(text: str, function: str | None) -> str:
    """How to name an exit the quote does not show: `return x;` or the closing brace."""
    name = f"{function}()" if function else "the function"
    if re.match(r"return\b", text):
        return f"when it returns at `{text.rstrip(';')[:80]}`"
    if re.match(r"goto\s+\w+", text):
        return f"at `{text.rstrip(';')[:80]}`"
    if text.startswith("}"):  # the sentence already named the function: no third mention
        return "when it returns at its closing brace"
    return f"on the way out of {name}"


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeio" else "a"


def _lock_phrase(lock: str) -> str:
    """`anon_vma` -> "the anon_vma lock"; `&root->rwsem` -> "&root->rwsem"."""
    if not lock:
        return "the lock"
    if re.fullmatch(r"[A-Za-z_]\w*", lock):
        return f"the {lock} lock"
    return lock


def comment_text(
    finding: Finding,
    report: Report | None,
    options: DraftOptions,
    patch: Patch | None = None,
    *,
    under_quote: bool = True,
    at_line: bool = True,
) -> str:
    """The comment on one finding. `under_quote` is False when no quoted line stands above it
    (the cover letter reply) and `at_line` when the quote ends at a nearby change rather than
    the finding's own line: then the prose does not say "here"."""
    variables = comment_variables(finding, report, options, patch)
    variables["under_quote"] = under_quote
    variables["at_line"] = at_line
    rendered = _template_for(finding.code).render(**variables)
    return wrap(rendered)
