"""Reply drafts: headers by lore's reply rules, the attribution line, the comment prose."""

from __future__ import annotations

import email
import email.policy
import mailbox
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reviewtool.engine import Report
from reviewtool.errors import ConfigError
from reviewtool.mail import parse_message, to_patch
from reviewtool.model import Address, Finding, Location, Series, Severity
from reviewtool.render import (
    MAX_SLUG,
    DraftOptions,
    attribution_line,
    draft_for_patch,
    drafts,
    mbox_text,
    recipients,
    slug,
    wrap,
)
from tests import builders

LEAK = Path(__file__).parent / "fixtures" / "reply" / "leak" / "0001-foo-add.patch"
REVIEWER = Address("Rita Reviewer", "rita@example.net")
FIXED = DraftOptions(
    reviewer=REVIEWER,
    clock=lambda: datetime(2026, 1, 7, 9, 30, tzinfo=UTC),
    make_id=lambda domain: f"<fixed-id@{domain}>",
    lock_releases={"spin_lock": ("spin_unlock",)},
)


def _leak_patch():
    patch = to_patch(parse_message(LEAK.read_bytes()), 1, 2)
    assert patch is not None
    return patch


def _leak_finding(**kw) -> Finding:
    return Finding(
        code="LK001",
        name="lock-not-released",
        severity=Severity.ERROR,
        message="&foo->lock taken at line 13 is still held at the exit at line 15",
        location=Location(1, "drivers/foo/foo.c", 15, "foo_update"),
        key="LK001|drivers/foo/foo.c|foo_update|spinlock:&foo->lock",
        evidence=(Location(0, "drivers/foo/foo.c", 13, "foo_update"),),
        introduced_in=1,
        **kw,
    )


def _parsed(draft):
    return email.message_from_string(draft.as_text(), policy=email.policy.default)


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("Tue, 6 Jan 2026 07:13:00 -0800", "On Tue, Jan 6, 2026 at 7:13 AM"),
        ("Tue, 6 Jan 2026 15:04:01 +0000", "On Tue, Jan 6, 2026 at 3:04 PM"),
        ("Wed, 7 Jan 2026 00:30:00 +0530", "On Wed, Jan 7, 2026 at 12:30 AM"),
        ("Wed, 7 Jan 2026 12:05:00 +0100", "On Wed, Jan 7, 2026 at 12:05 PM"),
    ],
)
def test_gmail_attribution_in_the_senders_timezone(date: str, expected: str) -> None:
    message = builders.message(date=date, sender=Address("Lorenzo Stoakes", "ls@example.com"))
    assert (
        attribution_line(message, "default")
        == f"{expected} Lorenzo Stoakes <ls@example.com> wrote:"
    )


def test_mutt_attribution_keeps_the_date_header() -> None:
    message = builders.message(date="Tue, 6 Jan 2026 07:13:00 -0800")
    assert attribution_line(message, "mutt") == (
        "On Tue, 6 Jan 2026 07:13:00 -0800, Jane Dev <jane@example.org> wrote:"
    )
    with pytest.raises(ConfigError):
        attribution_line(message, "outlook")


def test_attribution_without_a_usable_date() -> None:
    assert attribution_line(builders.message(date=None), "default") == (
        "Jane Dev <jane@example.org> wrote:"
    )
    garbled = builders.message(date="yesterday-ish")
    assert (
        attribution_line(garbled, "default")
        == "On yesterday-ish, Jane Dev <jane@example.org> wrote:"
    )


def test_recipients_author_to_everyone_else_cc_deduplicated() -> None:
    message = builders.message(
        sender=Address("Jane Dev", "jane@example.org"),
        to=(Address("Maint", "maint@example.org"), Address("Rita", "RITA@example.net")),
        cc=(
            Address("", "list@vger.example.org"),
            Address("Jane again", "JANE@EXAMPLE.ORG"),
            Address("Maint dup", "Maint@Example.org"),
            Address("Other", "other@example.org"),
        ),
    )
    to, cc = recipients(message, REVIEWER)
    assert to == [Address("Jane Dev", "jane@example.org")]
    assert [a.email for a in cc] == [
        "maint@example.org",
        "list@vger.example.org",
        "other@example.org",
    ]


def test_draft_headers_follow_lore_reply_rules() -> None:
    patch = _leak_patch()
    draft = draft_for_patch(patch, [_leak_finding()], FIXED)
    msg = _parsed(draft)
    assert msg["From"] == "Rita Reviewer <rita@example.net>"
    assert msg["To"] == "Jane Dev <jane@example.org>"
    assert msg["Cc"] == "Maintainer <maint@example.org>, list@vger.example.org"
    assert msg["Subject"] == "Re: [PATCH 1/2] foo: add foo_update()"
    assert msg["In-Reply-To"] == "<leak1@example.org>"
    assert msg["References"] == "<leak1@example.org>"
    assert msg["Message-ID"] == "<fixed-id@example.net>"
    assert msg["Date"] == "Wed, 07 Jan 2026 09:30:00 +0000"
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content_charset() == "utf-8"
    assert msg["Content-Transfer-Encoding"] == "8bit"
    raw_headers = draft.as_text().split("\n\n", 1)[0]
    assert "\nContent-Type: text/plain; charset=utf-8\n" in raw_headers
    assert len(re.findall(r"(?m)^References:", raw_headers)) == 1


def test_references_extend_the_parents_chain_on_one_line() -> None:
    patch = _leak_patch()
    message = replace(
        patch.message,
        references=("cover@example.org", "v1@example.org"),
        in_reply_to="cover@example.org",
    )
    text = draft_for_patch(replace(patch, message=message), [_leak_finding()], FIXED).as_text()
    assert "\nReferences: <cover@example.org> <v1@example.org> <leak1@example.org>\n" in text
    only_parent = replace(patch.message, references=(), in_reply_to="cover@example.org")
    text = draft_for_patch(replace(patch, message=only_parent), [_leak_finding()], FIXED).as_text()
    assert "\nReferences: <cover@example.org> <leak1@example.org>\n" in text


def test_no_double_re() -> None:
    patch = _leak_patch()
    subject = replace(patch.message.subject, raw="RE:  [PATCH 1/2]\tfoo")
    patch = replace(patch, message=replace(patch.message, subject=subject))
    msg = _parsed(draft_for_patch(patch, [_leak_finding()], FIXED))
    assert msg["Subject"] == "RE: [PATCH 1/2] foo"


def test_lines_longer_than_smtp_allows_go_quoted_printable() -> None:
    unbreakable = "x" * 1200
    finding = Finding(
        "XX001", "long", Severity.NOTE, unbreakable, Location(1, None, None, None), "XX001"
    )
    msg = _parsed(draft_for_patch(_leak_patch(), [finding], FIXED))
    assert msg["Content-Transfer-Encoding"] == "quoted-printable"
    assert unbreakable in msg.get_content()


def test_lock_leak_comment_reads_like_a_reviewer() -> None:
    draft = draft_for_patch(_leak_patch(), [_leak_finding()], FIXED)
    body = _parsed(draft).get_content()
    head, _, comment = body.partition("> +\t\treturn -EINVAL;\n")
    assert head.startswith("On Tue, Jan 6, 2026 at 7:13 AM Jane Dev <jane@example.org> wrote:\n")
    assert ">  \n" not in head and "> +\tspin_lock(&foo->lock);\n" in head
    comment = comment.strip()
    assert comment.startswith("spin_lock() is taken earlier in foo_update() and is still held")
    assert "Is a spin_unlock() missing on the way out?" in " ".join(comment.split())
    assert not re.search(r"\bline \d+", comment)  # no line numbers in the prose
    assert all(len(line) <= 72 for line in body.splitlines() if not line.startswith(">"))


def test_transient_comment_names_the_patch_that_removes_it() -> None:
    finding = _leak_finding(fixed_in=2)
    body = _parsed(draft_for_patch(_leak_patch(), [finding], FIXED)).get_content()
    words = " ".join(body.split())
    assert "Patch 2/2 removes this code again, but the kernel at 1/2 carries the leak" in words
    first_of_eight = to_patch(parse_message(LEAK.read_bytes()), 1, 8)
    assert first_of_eight is not None
    longer = _parsed(draft_for_patch(first_of_eight, [_leak_finding(fixed_in=7)], FIXED))
    assert "every kernel from 1/8 to 6/8 carries the leak" in " ".join(longer.get_content().split())


@pytest.mark.parametrize(
    ("fixed_in", "span"),
    [
        (7, "every kernel from 1/2 to 2/2"),
        (3, "every kernel from 1/2 to 2/2"),
        (2, "the kernel at 1/2"),
    ],
)
def test_a_transient_span_never_runs_past_the_series(fixed_in: int, span: str) -> None:
    # A fixed_in past the last patch (subjects that disagree with what arrived) must not
    # make the comment name kernels the series does not have.
    body = _parsed(draft_for_patch(_leak_patch(), [_leak_finding(fixed_in=fixed_in)], FIXED))
    words = " ".join(body.get_content().split())
    assert f"{span} carries the leak" in words
    assert not re.search(r"\b[3-9]/2\b", words.replace(f"Patch {fixed_in}/2", ""))


def test_wrap_fills_paragraphs_and_never_breaks_words() -> None:
    text = "a " * 50 + "\n\n" + "anon_vma_unlock_write_and_something_very_long " * 3
    wrapped = wrap(text)
    assert all(len(line) <= 72 for line in wrapped.splitlines())
    assert "\n\n" in wrapped
    assert "anon_vma_unlock_write_and_something_very_long" in wrapped.splitlines()[-1]


@pytest.mark.parametrize(
    "title",
    ["../../etc/passwd", "a/b\\c", "..", "", "\x00\x01", "é" * 300, "x" * 500, "foo: bar / baz"],
)
def test_slug_is_a_bounded_plain_file_name(title: str) -> None:
    value = slug(title)
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", value)
    assert len(value) <= MAX_SLUG
    assert value not in (".", "..")


def test_mbox_holds_every_draft_and_escapes_from_lines(tmp_path: Path) -> None:
    patch = _leak_patch()
    finding = Finding(
        "XX001",
        "x",
        Severity.NOTE,
        "From the top: this line starts with From.",
        Location(1, None, None, None),
        "XX001",
    )
    drafts = [
        draft_for_patch(patch, [_leak_finding()], FIXED),
        draft_for_patch(patch, [finding], FIXED),
    ]
    text = mbox_text(drafts, datetime(2026, 1, 7, tzinfo=UTC))
    assert text.startswith("From reviewtool Wed Jan 07 00:00:00 2026\n")
    assert "\n>From the top" in text
    path = tmp_path / "drafts.mbox"
    path.write_text(text, encoding="utf-8")
    box = mailbox.mbox(str(path))
    assert [m["In-Reply-To"] for m in box] == ["<leak1@example.org>"] * 2


def test_hostile_names_and_subjects_cannot_break_headers() -> None:
    patch = _leak_patch()
    message = replace(
        patch.message,
        sender=Address("Evil\r\nBcc: victim@example.com", "jane@example.org"),
        cc=(Address("x", "bad address@example.org"), Address("Ok\x00", "ok@example.org")),
        subject=replace(patch.message.subject, raw="[PATCH 1/2] foo\r\nX-Injected: yes"),
    )
    text = draft_for_patch(replace(patch, message=message), [_leak_finding()], FIXED).as_text()
    headers = text.split("\n\n", 1)[0]
    assert "\nBcc:" not in headers and "\nX-Injected:" not in headers
    assert "\r" not in headers
    msg = email.message_from_string(text, policy=email.policy.default)
    assert msg["To"] == '"Evil Bcc: victim@example.com" <jane@example.org>'
    assert msg["Cc"] == "Maintainer <maint@example.org>, Ok <ok@example.org>"
    assert msg["Subject"] == "Re: [PATCH 1/2] foo X-Injected: yes"


def _series_report(cover: bool) -> tuple:
    patch = _leak_patch()
    cover_message = builders.message(
        "[PATCH 0/2] foo: helpers",
        "cover@example.org",
        body="This series adds foo helpers.\nTwo of them.\n\nMore text.\n",
    )
    series = Series(
        title="foo: helpers",
        version=1,
        total=2,
        patches=(patch,),
        cover=cover_message if cover else None,
    )
    gap = Finding(
        "IN001",
        "missing-patch",
        Severity.WARNING,
        "patch 2/2 of v1 is missing from the input",
        Location(0),
        "IN001|||2",
    )
    leak = _leak_finding(fixed_in=2)
    report = Report(series=series, snapshots=(), findings=(gap, leak), checks=())
    return report, gap, leak


def test_cover_letter_reply_summarises_gaps_and_transients() -> None:
    report, _, _ = _series_report(cover=True)
    produced = drafts(report, FIXED)
    assert [d.filename for d in produced] == [
        "0000-re-foo-helpers.eml",
        "0001-re-foo-add-foo-update.eml",
    ]
    cover = _parsed(produced[0])
    assert cover["In-Reply-To"] == "<cover@example.org>"
    assert cover["Subject"] == "Re: [PATCH 0/2] foo: helpers"
    body = cover.get_content()
    assert "> This series adds foo helpers.\n> Two of them.\n> [...]\n" in body
    words = " ".join(body.split())
    assert "2/2 did not reach me (nor the list I read this on)." in words
    assert "In 1/2, drivers/foo/foo.c: spin_lock() is taken in foo_update()" in words
    assert " here" not in words.split("wrote:", 1)[1]  # nothing quoted to point at


def test_without_a_cover_letter_series_findings_join_the_first_patch() -> None:
    report, _, _ = _series_report(cover=False)
    (only,) = drafts(report, FIXED)
    body = _parsed(only).get_content()
    assert body.rstrip().endswith("so that it can be reviewed and applied\nas a whole?")
