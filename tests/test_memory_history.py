"""Findings across versions: the seed's v2 leak reported fixed in a v3, persisting findings
carried along a chain, and what each format shows of it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from reviewtool import pipeline
from reviewtool.formats import render_json, render_text, report_sarif
from reviewtool.memory.history import compare
from reviewtool.model import Finding, Location, PatchPair, Severity
from tests.builders import patch, series
from tests.memory_fixtures import BASE, relabel, v2_text, v3_text, write

SCHEMA = json.loads(
    (Path(__file__).resolve().parent / "schemas" / "sarif-schema-2.1.0.json").read_text()
)


@pytest.fixture(scope="module")
def v2_then_v3(tmp_path_factory) -> Path:
    return write(tmp_path_factory.mktemp("memory") / "thread.mbox", v2_text(), v3_text())


def _lk(report) -> list:
    return [f for f in report.findings if f.code in ("LK001", "BS007")]


def test_v2_leak_is_fixed_in_v3_and_nothing_of_it_is_open(v2_then_v3):
    report = pipeline.check([str(v2_then_v3)], tree=BASE)
    assert report.series.version == 3
    assert _lk(report) == []
    fixed = {
        (f.finding.code, f.finding.location.patch, f.version, f.fixed_in_version, f.new_patch)
        for f in report.memory.fixed
    }
    assert fixed == {("LK001", 1, 2, 3, 1), ("BS007", 1, 2, 3, 1)}
    step = report.memory.last
    assert (step.old_version, step.new_version) == (2, 3)
    assert [(p.old, p.new) for p in step.pairs] == [(n, n) for n in range(1, 9)]
    assert step.count("patch-id") == 6  # 1/8 gained the unlock; 7/8 removes it again


def test_text_json_and_sarif_say_so(v2_then_v3):
    report = pipeline.check([str(v2_then_v3)])  # hunks only: the leak is visible there too
    text = render_text(report)
    assert "--- since v2: 0 new, 0 persisting, 2 fixed" in text
    assert (
        "fixed in v3: LK001 lock-not-released in cleanup_partial_anon_vmas(), mm/rmap.c (v2 1/8)"
        in text
    )
    data = json.loads(render_json(report))
    (lk,) = [f for f in data["fixed"] if f["code"] == "LK001"]
    assert (lk["function"], lk["path"], lk["patch"], lk["version"], lk["fixed_in_version"]) == (
        "cleanup_partial_anon_vmas",
        "mm/rmap.c",
        1,
        2,
        3,
    )
    assert data["versions"]["compared"][0]["old_version"] == 2
    sarif = report_sarif(report)
    jsonschema.validators.validator_for(SCHEMA)(SCHEMA).validate(sarif)
    absent = [r for r in sarif["runs"][0]["results"] if r.get("baselineState") == "absent"]
    assert {r["ruleId"] for r in absent} == {"LK001", "BS007"}
    assert all(r["kind"] == "pass" and r["level"] == "none" for r in absent)


def test_since_input_compares_the_same_way(tmp_path):
    old = write(tmp_path / "v2.mbox", v2_text())
    new = write(tmp_path / "v3.mbox", v3_text())
    report = pipeline.check([str(new)], since=[str(old)])
    assert {f.finding.code for f in report.memory.fixed} == {"LK001", "BS007"}
    assert _lk(report) == []
    alone = pipeline.check([str(new)])
    assert alone.memory is None  # one posting: nothing extra analysed


def test_a_persisting_leak_says_since_when_along_the_chain(tmp_path):
    chain = write(
        tmp_path / "chain.mbox",
        relabel(v2_text(), 1, "1767000000"),
        v2_text(),
        relabel(v2_text(), 3, "1768000000"),
    )
    report = pipeline.check([str(chain)])
    (lk,) = [f for f in report.findings if f.code == "LK001"]
    assert lk.history.state == "persisting"
    assert (lk.history.since_version, lk.history.since_patch) == (1, 1)
    assert (lk.history.previous_version, lk.history.previous_patch) == (2, 1)
    assert [(s.old_version, s.new_version) for s in report.memory.steps] == [(1, 2), (2, 3)]
    assert "(persisting since v1, 1/8)" in render_text(report)
    sarif = report_sarif(report)
    states = {r["ruleId"]: r.get("baselineState") for r in sarif["runs"][0]["results"]}
    assert states["LK001"] == "unchanged"

    limited = pipeline.check([str(chain)], history=1)
    (lk,) = [f for f in limited.findings if f.code == "LK001"]
    assert lk.history.since_version == 2
    (note,) = [f for f in limited.findings if f.code == "IN011"]
    assert "v1 was not compared" in note.message


def test_an_unrelated_posting_is_not_an_earlier_version(tmp_path):
    unrelated = (
        "From mboxrd@z Thu Jan  1 00:00:00 1970\n"
        "From: Someone <someone@example.org>\n"
        "Subject: [PATCH] docs: fix a typo\n"
        "Date: Mon, 5 Jan 2026 10:00:00 +0000\n"
        "Message-ID: <typo@example.org>\n\n"
        "Fix it.\n\n---\n"
        "diff --git a/Documentation/a.rst b/Documentation/a.rst\n"
        "--- a/Documentation/a.rst\n+++ b/Documentation/a.rst\n"
        "@@ -1 +1 @@\n-teh\n+the\n"
    )
    mixed = write(tmp_path / "mixed.mbox", unrelated, v2_text())
    report = pipeline.check([str(mixed)])
    assert report.memory is None
    (note,) = [f for f in report.findings if f.code == "IN011"]
    assert "shares no patch and no title with v2" in note.message
    (lk,) = [f for f in report.findings if f.code == "LK001"]
    assert lk.history is None


def _finding(code: str, patch_no: int, function: str = "f") -> Finding:
    return Finding(
        code=code,
        name="x",
        severity=Severity.ERROR,
        message="m",
        location=Location(patch_no, "a.c", 10, function),
        key=f"{code}|a.c|{function}|s",
    )


def test_same_key_twice_prefers_the_partner_patch():
    old = series(patch(1, 2), patch(2, 2))
    new = series(patch(1, 2), patch(2, 2))
    pairs = (PatchPair(1, 2, "similarity", 3), PatchPair(2, 1, "similarity", 3))
    mine, gone = compare(
        old, [_finding("LK001", 1), _finding("LK001", 2)], new, [_finding("LK001", 1)], pairs
    )
    (only,) = mine
    assert only.history.previous_patch == 2  # new 1/2 is old 2/2
    assert [(g.finding.location.patch, g.new_patch) for g in gone] == [(1, 2)]
    assert (
        compare(old, [_finding("IN001", 0)], new, [_finding("IN001", 0)], pairs)[0][0].history
        is None
    )


def test_reply_can_thank_for_what_v3_fixed(v2_then_v3):
    from reviewtool import render
    from reviewtool.model import Address
    from reviewtool.resources import default_rules

    report = pipeline.check([str(v2_then_v3)])
    rita = Address("Rita Reviewer", "rita@example.org")
    plain = render.options_from_rules(default_rules(), report.checks, reviewer=rita)
    assert render.drafts(report, plain) == []  # v3 is clean: nothing to say by default
    thanking = render.options_from_rules(
        default_rules(), report.checks, reviewer=rita, acknowledge_fixed=True
    )
    (draft,) = render.drafts(report, thanking)
    assert draft.patch == 0  # the cover letter reply
    body = draft.as_text().split("\n\n", 1)[1]
    assert body.rstrip().endswith("> [...]\n\nv2's lock leak in 1/8 is fixed, thanks.")


def test_in011_is_registered_and_documented_like_every_check():
    from reviewtool import checks

    note = checks.by_code()["IN011"]
    assert note.scope == "series" and note.severity == Severity.NOTE
    for section in ("What it checks", "Why it matters", "Example", "Better", "Rule data"):
        assert section in note.doc()
