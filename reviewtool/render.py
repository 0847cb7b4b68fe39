"""Review drafts: one reply mail per patch with findings (and one to the cover letter), bodies
from the jinja2 templates in templates/, headers built with email.message.EmailMessage."""

from __future__ import annotations

import email.policy
import email.utils
import quopri
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import jinja2

from reviewtool.engine import Report
from reviewtool.errors import ConfigError, RuleDataError
from reviewtool.mail import parse_diff
from reviewtool.model import Address, Finding, Message, Patch, Series, Snapshot
from reviewtool.quote import Comment, Quoted, ReplyPlan, Trim, plan_reply
from reviewtool.resources import data_dir

WRAP = 72
MAX_SLUG = 52
ATTRIBUTIONS = ("default", "mutt")
CONTENT_TYPE = "Content-Type: text/plain; charset=utf-8"
# header folding off: References stays on one line, as lore and git send-email expect
_POLICY = email.policy.default.clone(max_line_length=None, linesep="\n")


@dataclass(frozen=True)
class Draft:
    filename: str  # NNNN-re-<slug>.eml, no path separator
    message: EmailMessage
    patch: int  # 0 for the cover letter reply

    def as_text(self) -> str:
        text = self.message.as_bytes(policy=_POLICY).decode("utf-8", "surrogateescape")
        head, sep, body = text.partition("\n\n")
        # the email package always quotes the charset; write it the way mail clients do
        head = head.replace('Content-Type: text/plain; charset="utf-8"', CONTENT_TYPE, 1)
        head = "\n".join(_fold_address_line(line) for line in head.split("\n"))
        return head + sep + body


FOLD_AT = 78  # RFC 5322's "should"; 998 is its "must", which a long Cc list would break


def _fold_address_line(line: str) -> str:
    """A long To:/Cc: folded after the commas between addresses (as git format-patch does);
    other headers stay on one line (References: included, as lore's reply rules want)."""
    if len(line) <= FOLD_AT or not line.startswith(("To: ", "Cc: ")):
        return line
    parts: list[str] = []
    start = 0
    quoted = False
    for index, char in enumerate(line):
        if char == '"' and (index == 0 or line[index - 1] != "\\"):
            quoted = not quoted
        elif char == "," and not quoted:
            parts.append(line[start : index + 1])
            start = index + 1
    parts.append(line[start:])
    folded: list[str] = [parts[0]]
    for part in parts[1:]:
        piece = part.strip()
        if len(folded[-1]) + 1 + len(piece) > FOLD_AT:
            folded.append(" " + piece)
        else:
            folded[-1] += " " + piece
    return "\n".join(folded)


@dataclass(frozen=True)
class DraftOptions:
    reviewer: Address
    attribution: str = "default"
    context: int = 6
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    make_id: Callable[[str], str] = field(
        default=lambda domain: email.utils.make_msgid(domain=domain)
    )
    lock_releases: dict[str, tuple[str, ...]] = field(default_factory=dict)  # acquire -> releases
    check_docs: dict[str, str] = field(default_factory=dict)  # code -> docstring


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


def _steps(report: Report | None) -> dict[int, int]:
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
    step_of = _steps(report)
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
    1/8 to 6/8"."""
    if not fixed_in:
        return ""
    of = total if total is not None else "?"
    if fixed_in - 1 <= first:
        return f"the kernel at {first}/{of}"
    return f"every kernel from {first}/{of} to {fixed_in - 1}/{of}"


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


# ---------------------------------------------------------------- the reply body


def attribution_line(message: Message, style: str) -> str:
    """`On Tue, Jan 6, 2026 at 3:04 PM Name <addr> wrote:` (Gmail, in the sender's own
    timezone) or mutt's `On <Date header>, Name <addr> wrote:`."""
    if style not in ATTRIBUTIONS:
        raise ConfigError(f"unknown attribution style {style!r} (one of {', '.join(ATTRIBUTIONS)})")
    who = _who(message.sender)
    if not message.date:
        return f"{who} wrote:"
    if style == "mutt":
        return f"On {' '.join(message.date.split())}, {who} wrote:"
    try:
        when = email.utils.parsedate_to_datetime(message.date)
    except (TypeError, ValueError, IndexError, OverflowError):
        return f"On {' '.join(message.date.split())}, {who} wrote:"
    hour = when.hour % 12 or 12
    meridiem = "AM" if when.hour < 12 else "PM"
    day = f"{when:%a}, {when:%b} {when.day}, {when.year}"
    return f"On {day} at {hour}:{when:%M} {meridiem} {who} wrote:"


def _who(sender: Address | None) -> str:
    if sender is None:
        return "you"
    return f"{sender.name} <{sender.email}>" if sender.name else f"<{sender.email}>"


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


def reply_body(plan: ReplyPlan, report: Report | None, options: DraftOptions) -> str:
    return (
        environment()
        .get_template("reply.j2")
        .render(
            attribution=attribution_line(plan.patch.message, options.attribution),
            blocks=_blocks(plan, report, options),
        )
    )


# ---------------------------------------------------------------- headers


def _reply_subject(subject: str) -> str:
    subject = " ".join(_CONTROL.sub(" ", subject).split())
    return subject if re.match(r"(?i)re\s*:", subject) else f"Re: {subject}"


def recipients(message: Message, reviewer: Address) -> tuple[list[Address], list[Address]]:
    """To: the author; Cc: everyone else from From/To/Cc, first spelling and order kept,
    compared case-insensitively, the reviewer left out."""
    seen = {reviewer.email.lower()}
    to: list[Address] = []
    if message.sender is not None and message.sender.email.lower() not in seen:
        to.append(message.sender)
        seen.add(message.sender.email.lower())
    cc: list[Address] = []
    for address in (*message.to, *message.cc):
        key = address.email.lower()
        if key not in seen:
            seen.add(key)
            cc.append(address)
    return to, cc


def _domain(address: Address) -> str:
    domain = address.email.rpartition("@")[2]
    return domain if re.fullmatch(r"[A-Za-z0-9.-]+", domain or "") else "localhost"


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _clean_address(address: Address) -> Address | None:
    """An address safe to put in a header: no control characters (an encoded CR/LF in a
    display name must not become a header break), no whitespace in the address itself."""
    name = " ".join(_CONTROL.sub(" ", address.name).split())
    mail = address.email.strip()
    if not mail or _CONTROL.search(mail) or any(c.isspace() for c in mail):
        return None
    return Address(name, mail)


def _format_addresses(addresses: Sequence[Address]) -> str:
    cleaned = (_clean_address(a) for a in addresses)
    return ", ".join(a.formatted() for a in cleaned if a is not None)


def build_message(original: Message, body: str, options: DraftOptions) -> EmailMessage:
    msg = EmailMessage(policy=_POLICY)
    reviewer = _clean_address(options.reviewer)
    if reviewer is None:
        raise ConfigError(f"reviewer address {options.reviewer.email!r} is not usable")
    msg["From"] = reviewer.formatted()
    to, cc = recipients(original, options.reviewer)
    if _format_addresses(to):
        msg["To"] = _format_addresses(to)
    if _format_addresses(cc):
        msg["Cc"] = _format_addresses(cc)
    msg["Subject"] = _reply_subject(original.subject.raw)
    msg["Date"] = email.utils.format_datetime(options.clock())
    msg["Message-ID"] = options.make_id(_domain(options.reviewer))
    msg["In-Reply-To"] = f"<{original.message_id}>"
    parents = list(original.references) or ([original.in_reply_to] if original.in_reply_to else [])
    if original.message_id not in parents:
        parents.append(original.message_id)
    msg["References"] = " ".join(f"<{ref}>" for ref in parents)
    if any(len(line.encode("utf-8")) > 998 for line in body.split("\n")):
        # SMTP caps lines at 998 octets: only then quoted-printable (soft line breaks)
        msg["MIME-Version"] = "1.0"
        msg["Content-Type"] = "text/plain; charset=utf-8"
        msg["Content-Transfer-Encoding"] = "quoted-printable"
        msg.set_payload(quopri.encodestring(body.encode("utf-8")).decode("ascii"))
    else:
        msg.set_content(body, subtype="plain", charset="utf-8", cte="8bit")
    return msg


# ---------------------------------------------------------------- file names


def slug(title: str) -> str:
    """A file-name-safe slug: lower-case ASCII words joined by '-', bounded length."""
    text = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    text = text[:MAX_SLUG].rstrip("-")
    return text or "patch"


def draft_filename(index: int, title: str) -> str:
    return f"{index:04d}-re-{slug(title)}.eml"


# ---------------------------------------------------------------- the whole series


# About the reviewer's input, not the author's series: older versions or unrelated mails in
# the mbox, slots taken from an earlier version, trailers we did not collect, a cover letter
# whose patches we were not given. The author needs none of that in a reply.
INPUT_ONLY_CODES = frozenset({"IN004", "IN005", "IN006", "IN008"})
INPUT_ONLY_KEYS = frozenset({"IN001|||cover-only"})


def _restated_transient(finding: Finding, findings: Sequence[Finding]) -> bool:
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


def for_author(findings: Sequence[Finding]) -> list[Finding]:
    """The findings a reply to the author should carry."""
    kept = [
        f
        for f in findings
        if f.code not in INPUT_ONLY_CODES
        and f.key not in INPUT_ONLY_KEYS
        and not _restated_transient(f, findings)
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
    series: Series, findings: list[Finding], report: Report, options: DraftOptions
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
    findings go at the end of the first patch's draft."""
    series = report.series
    if series is None:
        return []
    findings = for_author(report.findings)
    by_patch: dict[int, list[Finding]] = {}
    for finding in findings:
        by_patch.setdefault(finding.location.patch, []).append(finding)
    series_findings = _series_level(findings)
    steps = _steps(report)
    orphans = by_patch.get(0, []) if series.cover is None else []
    out: list[Draft] = []
    if series.cover is not None and series_findings:
        body = cover_body(series, series_findings, report, options)
        out.append(
            Draft(draft_filename(0, series.title), build_message(series.cover, body, options), 0)
        )
    for patch in series.patches:
        found = by_patch.get(patch.index, [])
        extra = orphans if patch is series.patches[0] else []
        if not found and not extra:
            continue
        plan = plan_reply(patch, found, options.context, _post_image(report, steps[patch.index]))
        if extra:
            plan = ReplyPlan(plan.patch, plan.parts, plan.unplaced + tuple(extra))
        body = reply_body(plan, report, options)
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


def mbox_text(items: Sequence[Draft], when: datetime) -> str:
    """All drafts as one mboxrd: a From_ line each, body lines matching ^>*From escaped."""
    stamp = when.astimezone(UTC).strftime("%a %b %d %H:%M:%S %Y")
    chunks = []
    for item in items:
        text = item.as_text()
        head, _, body = text.partition("\n\n")
        body = re.sub(r"(?m)^(>*From )", r">\1", body)
        chunks.append(f"From reviewtool {stamp}\n{head}\n\n{body.rstrip(chr(10))}\n\n")
    return "".join(chunks)


def options_from_rules(rules: Any, checks: Sequence[Any], **kw: Any) -> DraftOptions:
    """DraftOptions with the lock pair table and check docs filled in."""
    releases: dict[str, tuple[str, ...]] = {}
    try:
        for entry in rules.table("locks").get("acquire", []):
            if isinstance(entry, dict) and "name" in entry:
                releases[str(entry["name"])] = tuple(entry.get("releases", ()))
    except RuleDataError:  # rule data is optional here: comments just name less
        releases = {}
    docs = {check.code: check.doc() for check in checks}
    return DraftOptions(lock_releases=releases, check_docs=docs, **kw)
