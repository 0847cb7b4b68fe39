"""Subject grammar: every form b4 and patchwork accept."""

from __future__ import annotations

import pytest

from reviewtool.subject import parse_subject

CASES = [
    # raw, title, version, index, total, extra attributes
    ("[PATCH v2 3/8] mm: foo", "mm: foo", 2, 3, 8, {}),
    (
        "[RFC PATCH net-next v3 0/5] foo: bar",
        "foo: bar",
        3,
        0,
        5,
        {"rfc": True, "prefixes": ("net-next",)},
    ),
    ("[PATCHv3] x: y", "x: y", 3, None, None, {}),
    ("[PATCH,v2,1/3] y: z", "y: z", 2, 1, 3, {}),
    ("PATCH1/8 bare: counter", "bare: counter", 1, 1, 8, {}),
    ("PATCH v2 1/8: unbracketed", "unbracketed", 2, 1, 8, {}),
    ("[PATCH 1 of 8] hg: style", "hg: style", 1, 1, 8, {}),
    ("[PATCH 3/3 v2] counter first", "counter first", 2, 3, 3, {}),
    ("[PATCH] title with version (v2)", "title with version", 2, None, None, {}),
    ("[RESEND PATCH v4 2/2] r: s", "r: s", 4, 2, 2, {"resend": True}),
    ("[PATCH RESEND] r: s", "r: s", 1, None, None, {"resend": True}),
    (
        "[PATCH/for-next v2 1/2] cgroup/cpuset: X",
        "cgroup/cpuset: X",
        2,
        1,
        2,
        {"prefixes": ("for-next",)},
    ),
    ("[RFCv2 PATCH 1/2] a: b", "a: b", 2, 1, 2, {"rfc": True}),
    ("[PATCH v2 01/10] zero padded", "zero padded", 2, 1, 10, {}),
    ("[Linux-kernel] [PATCH] list tag", "list tag", 1, None, None, {"prefixes": ("Linux-kernel",)}),
    ("[RFC][PATCH 2/4] two groups", "two groups", 1, 2, 4, {"rfc": True}),
    ("[PATCH 0/8]\n folded title", "folded title", 1, 0, 8, {}),
    # versions and counters of several digits
    ("[PATCH v12 3/8] mm: foo", "mm: foo", 12, 3, 8, {}),
    ("[PATCHv12 10/12] a: b", "a: b", 12, 10, 12, {}),
    ("[RFC PATCH v10 1/3] a: b", "a: b", 10, 1, 3, {"rfc": True}),
    ("[PATCH V123 11/120] a: b", "a: b", 123, 11, 120, {}),
    ("PATCH v12 3/8: bare", "bare", 12, 3, 8, {}),
    ("[PATCH 10 of 12] hg: style", "hg: style", 1, 10, 12, {}),
    ("[PATCH] title with version(v12)", "title with version", 12, None, None, {}),
    ("[PATCH]  spaces:   collapse\t here", "spaces: collapse here", 1, None, None, {}),
    ("RFC PATCH v2 1/3: bare rfc", "bare rfc", 2, 1, 3, {"rfc": True}),
    ("RESEND PATCH 3/3 bare resend", "bare resend", 1, 3, 3, {"resend": True}),
    ("PATCH 1/2: v3 support for foo", "v3 support for foo", 1, 1, 2, {}),
    ("PATCH- 1/2: dashes after the tag", "dashes after the tag", 1, 1, 2, {}),
    ("[bpf/PATCH 1/2] x: y", "x: y", 1, 1, 2, {"prefixes": ("bpf",)}),
    ("[PATCH][] empty group", "empty group", 1, None, None, {}),
    ("[PATCH] RFC 7748 curves for crypto", "RFC 7748 curves for crypto", 1, None, None, {}),
]


@pytest.mark.parametrize(("raw", "title", "version", "index", "total", "extra"), CASES)
def test_subject_forms(raw, title, version, index, total, extra):
    subject = parse_subject(raw)
    assert (subject.title, subject.version, subject.index, subject.total) == (
        title,
        version,
        index,
        total,
    )
    assert subject.is_patch
    assert not subject.reply
    defaults = {"rfc": False, "resend": False, "prefixes": ()}
    for name, value in {**defaults, **extra}.items():
        assert getattr(subject, name) == value, name


@pytest.mark.parametrize(
    "raw",
    [
        "Re: [PATCH v2 3/8] mm: foo",
        "RE: [PATCH v2 3/8] mm: foo",
        "Aw: [PATCH v2 3/8] mm: foo",
        "AW: [PATCH v2 3/8] mm: foo",
        "Fwd: [PATCH v2 3/8] mm: foo",
        "Antw: [PATCH v2 3/8] mm: foo",
        "Re: Re: [PATCH v2 3/8] mm: foo",
        "Re[2]: [PATCH v2 3/8] mm: foo",
        "Re[12]: [PATCH v2 3/8] mm: foo",
        "Re(12): [PATCH v2 3/8] mm: foo",
        "Re:[PATCH v2 3/8] mm: foo",
        "Fw: [PATCH v2 3/8] mm: foo",
        "[PATCH] Re: [PATCH v2 3/8] mm: foo",
    ],
)
def test_reply_markers(raw):
    subject = parse_subject(raw)
    assert subject.reply
    assert (subject.title, subject.version, subject.index, subject.total) == ("mm: foo", 2, 3, 8)


def test_plain_subjects_are_not_patches():
    for raw in (
        "Patch management is hard",
        "BUG: oops in foo",
        "Regression in 6.19",
        "PATCHwork is down again",
        "Regression with firmware (v2)",
    ):
        subject = parse_subject(raw)
        assert not subject.is_patch
        assert subject.index is None
        assert subject.title == raw
        assert subject.version == 1


def test_a_counter_without_patch_still_reads_a_title_version():
    subject = parse_subject("[1/2] foo: bar (v3)")
    assert (subject.index, subject.version, subject.title) == (1, 3, "foo: bar")


def test_pull_request_tags_stay_prefixes():
    subject = parse_subject("[GIT PULL] mm fixes")
    assert subject.prefixes == ("GIT", "PULL")
    assert not subject.is_patch
    assert subject.title == "mm fixes"


def test_broken_brackets_degrade_to_title():
    assert parse_subject("[PATCH").title == "[PATCH"
    assert parse_subject("").title == ""
    assert parse_subject("[PATCH v2 1/2").version == 1


def test_pathological_words_are_bounded():
    subject = parse_subject("[" + "PATCH" * 700 + "] title")
    assert subject.title == "title"
    assert subject.prefixes == (("PATCH" * 700)[:64],) and not subject.is_patch
    # a word of exactly the bound is still read; a longer bare word ends the prefix
    assert parse_subject("[PATCH" + "x" * 59 + "] t").is_patch
    long_word = "a" * 70
    assert parse_subject(f"PATCH {long_word} title").title == f"{long_word} title"
    subject = parse_subject("[" + "/".join(["PATCH"] * 500) + " 1/2] t")
    assert (subject.index, subject.total, subject.title) == (1, 2, "t")


@pytest.mark.parametrize(
    ("raw", "index", "total"),
    [
        ("[PATCH 3/8] [PATCH 1/2] x: y", 3, 8),
        ("[PATCH 2/4 1/3] x: y", 2, 4),
        ("[PATCH 1 of 3] [PATCH 2/2] x: y", 1, 3),
        ("[PATCH v2 05/11] Re: [PATCH 1/2] x: y", 5, 11),
    ],
)
def test_the_first_counter_wins(raw, index, total):
    # A patch re-posted inside another series: its place is the outer (first) counter.
    subject = parse_subject(raw)
    assert (subject.index, subject.total, subject.title) == (index, total, "x: y")
