"""Series assembly: versions, cover letters, order, gaps, duplicates, rerolls, trailers."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtool.checks import input as in_checks
from reviewtool.checks.base import SeriesContext
from reviewtool.errors import InputError
from reviewtool.ingest import read_messages
from reviewtool.mail import parse_message
from reviewtool.resources import default_rules
from reviewtool.series import assemble

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def thread():
    return read_messages([str(FIXTURES / "thread.mbox")])


def codes(series):
    return [f.code for f in series.findings]


def mail(mid, subject, *, parent=None, sender="Ada <ada@example.org>", body=None, date=None):
    """A small synthetic mail; with a diff unless `body` says otherwise."""
    diff = "---\ndiff --git a/f.c b/f.c\n--- a/f.c\n+++ b/f.c\n@@ -1 +1 @@\n-a\n+b\n"
    lines = [f"From: {sender}", f"Message-ID: <{mid}>", f"Subject: {subject}"]
    if parent:
        lines += [f"In-Reply-To: <{parent}>", f"References: <{parent}>"]
    if date:
        lines.append(f"Date: {date}")
    text = "\n".join(lines) + "\n\n" + (body if body is not None else "Change.\n\n" + diff)
    return parse_message(text.encode())


def test_newest_version_with_cover_and_order():
    series = assemble(thread())
    assert series.version == 2
    assert series.total == 2
    assert [p.index for p in series.patches] == [1, 2]
    assert [p.message_id for p in series.patches] == ["p1.v2@example.org", "p2.v2@example.org"]
    assert series.cover.message_id == "cover.v2@example.org"
    assert series.title == "mm: make foo count its users"
    assert series.base_commit == "0123456789abcdef0123456789abcdef01234567"
    assert {m.message_id for m in series.replies} == {
        "review1@example.org",
        "review2@example.org",
        "ack@example.org",
    }
    assert codes(series) == ["IN005", "IN008"]


def test_pick_older_version_on_request():
    series = assemble(thread(), version=1)
    assert series.version == 1
    assert [p.message_id for p in series.patches] == ["p1.v1@example.org"]
    assert "IN001" in codes(series)  # 2/2 of v1 is missing
    with pytest.raises(InputError, match="version 7 not found"):
        assemble(thread(), version=7)


def test_reply_trailers_follow_b4_rules():
    series = assemble(thread())
    first, second = series.patches
    extra = [(t.name, t.value, t.source) for t in first.trailers if t.source != "commit"]
    assert extra == [
        ("Reviewed-by", "Rev Iewer <rev@example.org>", "reply"),  # From differs only in case
        ("Tested-by", "Tess Ter <tess@example.org>", "reply"),  # nested reply
        ("Acked-by", "Mai Ntainer <mai@example.org>", "cover"),
    ]
    assert [t.source for t in second.trailers if t.source != "commit"] == ["cover"]
    foreign = [f for f in series.findings if f.code == "IN008"]
    assert len(foreign) == 1 and "Someone Else" in foreign[0].message
    assert foreign[0].location.patch == 1


def test_lone_patch_is_one_of_one():
    series = assemble(read_messages([str(FIXTURES / "base64-utf8.eml")]))
    assert (series.version, series.total, len(series.patches)) == (1, 1, 1)
    assert series.patches[0].index == 1
    assert series.cover is None
    assert series.findings == ()


def test_unthreaded_format_patch_files_form_one_series():
    series = assemble(read_messages([str(FIXTURES / "format-patch.mbox")]))
    assert [p.index for p in series.patches] == [1, 2]
    assert series.findings == ()


def test_no_patches_is_an_input_error():
    with pytest.raises(InputError, match="no patches found"):
        assemble(read_messages([str(FIXTURES / "pull.eml"), str(FIXTURES / "bot.eml")]))


def test_gap_and_cover_total_mismatch():
    messages = [
        mail("c", "[PATCH 0/3] s"),
        mail("p1", "[PATCH 1/3] one", parent="c"),
        mail("p3", "[PATCH 3/3] three", parent="c"),
    ]
    series = assemble(messages)
    assert [p.index for p in series.patches] == [1, 3]
    gaps = [f for f in series.findings if f.code == "IN001"]
    assert [f.key for f in gaps] == ["IN001|||2"]


def test_duplicate_keeps_newest_by_date():
    messages = [
        mail("c", "[PATCH 0/2] s"),
        mail("p1", "[PATCH 1/2] one", parent="c", date="Tue, 6 Jan 2026 10:00:00 +0000"),
        mail("p1b", "[PATCH 1/2] one again", parent="c", date="Tue, 6 Jan 2026 12:00:00 +0000"),
        mail("p2", "[PATCH 2/2] two", parent="c", date="Tue, 6 Jan 2026 10:00:01 +0000"),
    ]
    series = assemble(list(reversed(messages)))
    assert [p.message_id for p in series.patches] == ["p1b", "p2"]
    assert codes(series) == ["IN002"]


def test_totals_that_disagree():
    messages = [
        mail("c", "[PATCH 0/2] s"),
        mail("p1", "[PATCH 1/2] one", parent="c"),
        mail("p2", "[PATCH 2/3] two", parent="c"),
        mail("p3", "[PATCH 2/2] two", parent="c"),
    ]
    series = assemble(messages)
    assert "IN003" in codes(series)
    assert series.total == 2


def test_naked_cover_letter_and_bug_report():
    cover = mail("n0", "widget: do a thing", body="Hi all,\n\nthis explains the series.\n")
    patch = mail("n1", "[PATCH] widget: do the thing", parent="n0")
    assert assemble([cover, patch]).cover.message_id == "n0"
    report = mail("r0", "widget corrupts data", sender="Rep <rep@x.org>", body="It breaks.\n")
    fix = mail("r1", "[PATCH] widget: fix", parent="r0")
    assert assemble([report, fix]).cover is None


def test_partial_reroll_takes_missing_patches_from_previous_version():
    messages = [
        mail("c2", "[PATCH v2 0/3] s"),
        mail("a2", "[PATCH v2 1/3] one", parent="c2"),
        mail("b2", "[PATCH v2 2/3] two", parent="c2"),
        mail("d2", "[PATCH v2 3/3] three", parent="c2"),
        mail("r", "Re: [PATCH v2 2/3] two", parent="b2", sender="R <r@x.org>", body="nit\n"),
        mail("b3", "[PATCH v3 2/3] two", parent="r"),
    ]
    series = assemble(messages)
    assert series.version == 3
    assert [p.message_id for p in series.patches] == ["a2", "b3", "d2"]
    assert series.cover.message_id == "c2"
    assert "IN006" in codes(series)
    assert "IN001" not in codes(series)


def test_reroll_that_does_not_reply_to_its_counterpart_is_not_partial():
    messages = [
        mail("c2", "[PATCH v2 0/2] s"),
        mail("a2", "[PATCH v2 1/2] one", parent="c2"),
        mail("b2", "[PATCH v2 2/2] two", parent="c2"),
        mail("b3", "[PATCH v3 2/2] two", parent="a2"),  # replies to the wrong slot
    ]
    series = assemble(messages)
    assert [p.message_id for p in series.patches] == ["b3"]
    assert "IN001" in codes(series) and "IN006" not in codes(series)


def test_unnumbered_follow_up_patch_is_not_part_of_the_series():
    messages = [
        mail("c", "[PATCH 0/2] s"),
        mail("p1", "[PATCH 1/2] one", parent="c"),
        mail("p2", "[PATCH 2/2] two", parent="c"),
        mail("x", "[PATCH] drive-by fix", parent="p2"),
    ]
    series = assemble(messages)
    assert [p.message_id for p in series.patches] == ["p1", "p2"]
    assert "IN004" in codes(series)
    assert [m.message_id for m in series.replies] == ["x"]


def test_numbered_patch_without_diff_is_reported():
    messages = [
        mail("p1", "[PATCH 1/2] one"),
        mail("p2", "[PATCH 2/2] two", parent="p1", body="No diff here.\n"),
    ]
    series = assemble(messages)
    # 2/2 without a diff is a reply, so the slot is a gap
    assert [f.code for f in series.findings] == ["IN001"]
    broken = mail("p3", "[PATCH 1/1] x", body="---\n--- a/f\n+++ b/f\n@@ -1,5 +1,5 @@\n-a\n")
    assert "IN007" in codes(assemble([broken]))


def test_in_checks_yield_their_own_findings():
    series = assemble(thread())
    ctx = SeriesContext(series=series, snapshots=(), findings=(), rules=default_rules())
    seen = {}
    for check in in_checks.CHECKS:
        assert check.scope == "series"
        for section in ("What it checks", "Why it matters", "Example", "Better", "Rule data"):
            assert section in check.doc(), (check.code, section)
        found = list(check.run(ctx))
        assert all(f.code == check.code for f in found)
        seen[check.code] = len(found)
    assert seen["IN005"] == 1 and seen["IN008"] == 1 and seen["IN001"] == 0
    assert [c.code for c in in_checks.CHECKS] == [f"IN00{i}" for i in range(1, 9)]


def test_patch_beyond_total_and_absurd_totals():
    messages = [
        mail("p1", "[PATCH 1/2] one"),
        mail("p2", "[PATCH 2/2] two", parent="p1"),
        mail("p3", "[PATCH 3/2] three", parent="p1"),
    ]
    series = assemble(messages)
    assert [p.index for p in series.patches] == [1, 2, 3]
    assert series.total == 3
    assert codes(series) == ["IN003"]
    lonely = assemble([mail("q", "[PATCH 1/900] one of many")])
    assert [f.code for f in lonely.findings] == ["IN001"]
    assert "899 of 900" in lonely.findings[0].message


def test_lone_patch_reroll_and_drive_by_patches():
    v1 = mail("a1", "[PATCH] foo: fix", date="Mon, 5 Jan 2026 10:00:00 +0000")
    v2 = mail("a2", "[PATCH v2] foo: fix", date="Tue, 6 Jan 2026 10:00:00 +0000")
    series = assemble([v1, v2])
    assert [p.message_id for p in series.patches] == ["a2"]
    assert codes(series) == ["IN005"]
    numbered = [
        mail("c", "[PATCH v3 0/1] s"),
        mail("p", "[PATCH v3 1/1] one", parent="c"),
        mail("d", "[PATCH] drive-by", parent="p"),
    ]
    assert codes(assemble(numbered)) == ["IN004"]
