"""Points already raised: replies that quote a finding's lines with a comment right under them,
in the shapes lore threads have (levels, top-posting, replies to replies, format=flowed, our
own draft sent to the list), and the corpus threads' inline comments."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from reviewtool import ingest, pipeline, render
from reviewtool import series as series_mod
from reviewtool.formats import render_json, render_text, report_sarif
from reviewtool.memory.quotes import decode_flowed, inline_comments, quote_lines
from reviewtool.memory.thread import flowed_params, located_comments, normalized, replies_by_patch
from reviewtool.model import Address
from reviewtool.tree import build_snapshots
from tests.corpus import corpus_dir
from tests.memory_fixtures import (
    LEAK_COMMENT,
    inline_review,
    leaking_loop,
    quoted,
    relabel,
    reply,
    v2_text,
    write,
)

JANE = ("Jane Reviewer", "jane@example.org", "review-1@example.org")


def _check(tmp_path: Path, *parts: str, **kw):
    return pipeline.check([str(write(tmp_path / "thread.mbox", *parts))], **kw)


def _raised(report, code: str = "LK001") -> list[tuple[str, str, str]]:
    (finding,) = [f for f in report.findings if f.code == code]
    return [(r.name, r.email, r.message_id) for r in finding.raised_by]


def test_a_reply_quoting_the_loop_with_a_comment_under_it_raises_the_leak(tmp_path):
    report = _check(tmp_path, v2_text(), inline_review())
    assert _raised(report) == [JANE]
    assert _raised(report, "BS007") == [JANE]  # it restates the leak: raised with it
    text = render_text(report)
    assert (
        "(gone in 7/8) (raised by Jane Reviewer <jane@example.org> in <review-1@example.org>)"
        in text
    )
    (result,) = [r for r in report_sarif(report)["runs"][0]["results"] if r["ruleId"] == "LK001"]
    assert result["properties"]["raisedBy"] == [
        {"name": "Jane Reviewer", "email": "jane@example.org", "messageId": "review-1@example.org"}
    ]
    (lk,) = [f for f in json.loads(render_json(report))["findings"] if f["code"] == "LK001"]
    assert lk["raised_by"] == [
        {
            "name": "Jane Reviewer",
            "email": "jane@example.org",
            "message_id": "review-1@example.org",
            "version": 2,
        }
    ]


def test_the_same_words_raise_nothing_top_posted_signed_off_or_under_other_code(tmp_path):
    top_posted = reply(
        f"{LEAK_COMMENT}\n\nOn Tue, Jan 06, 2026 at 03:04:01PM +0000, Lorenzo Stoakes wrote:\n"
        f"{quoted(leaking_loop())}",
        message_id="top@example.org",
    )
    signed_off = reply(f"{quoted(leaking_loop())}\n\nThanks,\nJane", message_id="sig@example.org")
    lines = v2_text().split("\n")
    start = lines.index("+ * So this function needs only traverse the anon_vma_chain and free each")
    elsewhere = reply(
        f"{quoted(lines[start : start + 2])}\n\n{LEAK_COMMENT}", message_id="else@example.org"
    )
    report = _check(tmp_path, v2_text(), top_posted, signed_off, elsewhere)
    assert _raised(report) == []


def test_replies_to_replies_count_for_their_own_comments_only(tmp_path):
    lock_lines = leaking_loop()[4:8]  # the `if (!locked) { lock; locked = true; }` block
    agreeing = reply(
        "On Wed, Jan 07, 2026 at 10:00:00AM +0000, Jane Reviewer wrote:\n"
        f"> On Tue, Jan 06, 2026 at 03:04:01PM +0000, Lorenzo Stoakes wrote:\n"
        f"{quoted(lock_lines, '> > ')}\n>\n> Where is this lock dropped?\n\n"
        "Agreed, this leaks the lock until 7/8 removes the function.",
        message_id="agree@example.org",
        sender="Bob Maintainer <bob@example.org>",
        parent="review-1@example.org",
    )
    # Bob's comment sits under Jane's words, not under the code: only Jane raised it
    assert _raised(_check(tmp_path, v2_text(), inline_review(), agreeing)) == [JANE]
    # the same reply without Jane's mail in the input: nothing to read her comment from
    assert _raised(_check(tmp_path, v2_text(), agreeing)) == []
    direct = reply(
        f"On Wed, Jan 07, 2026 at 10:00:00AM +0000, Jane Reviewer wrote:\n"
        f"> On Tue, Jan 06, 2026 at 03:04:01PM +0000, Lorenzo Stoakes wrote:\n"
        f"{quoted(lock_lines, '>> ')}\n\nThe unlock is missing after the loop, isn't it?",
        message_id="direct@example.org",
        sender="Bob Maintainer <bob@example.org>",
        parent="review-1@example.org",
    )
    people = _raised(_check(tmp_path, v2_text(), direct))
    assert people == [("Bob Maintainer", "bob@example.org", "direct@example.org")]


def test_format_flowed_soft_breaks_are_joined_before_matching(tmp_path):
    loop = leaking_loop()
    lock = loop.index("+\t\t\tanon_vma_lock_write(anon_vma);")
    # delsp=yes lets a flowed mailer break inside a word: "lock_" + soft break + "write"
    broken = [*loop[:lock], "+\t\t\tanon_vma_lock_ ", "write(anon_vma);", *loop[lock + 1 :]]
    body = (
        "On 1/6/26 16:04, Lorenzo Stoakes wrote:\n"
        + "\n".join(f"> {line}" for line in broken)
        + "\n\nOnce locked is set, nothing drops the anon_vma lock again: we leave the \n"
        "loop and return with it held.\n"
    )
    flowed = "text/plain; charset=UTF-8; format=flowed; delsp=yes"
    assert _raised(_check(tmp_path, v2_text(), reply(body, content_type=flowed))) == [JANE]
    fixed_width = reply(body)  # the same bytes read as fixed lines: the lock line is cut
    assert _raised(_check(tmp_path, v2_text(), fixed_width)) == []


def test_our_own_draft_sent_to_the_list_counts_as_raised(tmp_path):
    report = _check(tmp_path, v2_text())
    rules = __import__("reviewtool.resources", fromlist=["default_rules"]).default_rules()
    options = render.options_from_rules(
        rules, report.checks, reviewer=Address("Rita Reviewer", "rita@example.org")
    )
    (draft,) = [d for d in render.drafts(report, options) if d.patch == 1]
    sent = "From mboxrd@z Thu Jan  1 00:00:00 1970\n" + draft.as_text()
    again = _check(tmp_path, v2_text(), sent)
    (name, email, message_id) = _raised(again)[0]
    assert (name, email) == ("Rita Reviewer", "rita@example.org")
    assert message_id == draft.message["Message-ID"].strip("<>")


def test_a_point_raised_on_v2_stays_raised_on_a_v3_that_still_has_it(tmp_path):
    v3_still_leaking = relabel(v2_text(), 3, "1768000000")
    report = _check(tmp_path, v2_text(), inline_review(), v3_still_leaking)
    assert report.series.version == 3
    (lk,) = [f for f in report.findings if f.code == "LK001"]
    assert lk.history.state == "persisting"
    assert [(r.email, r.message_id, r.version) for r in lk.raised_by] == [
        ("jane@example.org", "review-1@example.org", 2)
    ]


def test_quote_levels_and_flowed_decoding():
    levels = [(line.level, line.text) for line in quote_lines("a\n> b\n> > c\n>> d\n>  e\n>\n")]
    assert levels == [(0, "a"), (1, "b"), (2, "c"), (2, "d"), (1, " e"), (1, ""), (0, "")]
    assert decode_flowed(">> one \n>> two\n> three \nfour", delsp=False) == (
        "> > one two\n> three \nfour"
    )
    assert decode_flowed("x \ny", delsp=True) == "xy"
    assert normalized("+\t\tfoo(a,  b);") == "foo(a, b);" and normalized("-gone") == ""
    assert normalized("@@ -1 +1 @@") is None
    (comment,) = inline_comments("> +\tfoo();\n> +\tbar();\n\nWhy is bar() called twice?\n-- \nsig")
    assert comment.comment == ("", "Why is bar() called twice?")


@pytest.mark.corpus
def test_inline_comments_of_the_corpus_threads_are_located_where_they_quote_code():
    totals: Counter = Counter()
    for path in sorted((corpus_dir() / "mbox" / "lore-cgroups-threads").glob("*.mbox*")):
        messages = ingest.read_messages([str(path)])
        series = series_mod.assemble(messages)
        snapshots, _ = build_snapshots(series, None)
        replies = replies_by_patch(series, messages)
        totals["replies"] += sum(len(found) for found in replies.values())
        located = located_comments(series, snapshots, messages)
        totals["located"] += len(located)
        for spot in located:
            step = [p.index for p in series.patches].index(spot.patch) + 1
            text = snapshots[step].files[spot.path].text.split("\n")
            quoted_text = {
                normalized(line.text)
                for c in inline_comments(spot.message.body, *flowed_params(spot.message))
                for line in c.quoted
            }
            # every located line is one the reply quotes (what we say it raised, it showed)
            assert all(" ".join(text[n - 1].split()) in quoted_text for n in spot.lines)
    # figures of the 18 lore threads (notes/issue-12): most inline comments answer quoted
    # prose (commit messages, logs, other replies); those under quoted code are located
    assert totals["replies"] >= 200 and totals["located"] >= 35


def _drafts(report, **options):
    from reviewtool.resources import default_rules

    rita = Address("Rita Reviewer", "rita@example.org")
    opts = render.options_from_rules(default_rules(), report.checks, reviewer=rita, **options)
    return render.drafts(report, opts)


def test_reply_drafts_nothing_on_a_raised_leak_unless_asked(tmp_path):
    report = _check(tmp_path, v2_text(), inline_review())
    assert _drafts(report) == []  # the leak (and its BS007) is Jane's point already
    again = _drafts(report, include_raised=True)
    assert [d.patch for d in again] == [0, 1]
    assert "anon_vma_lock_write(anon_vma)" in again[1].as_text()
