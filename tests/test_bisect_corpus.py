"""Bisectability on the dev corpus: every expected hazard with its kind and patch, nothing on the
clean control, and the anon_vma seed's transient lock leak (and its fixed variant)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewtool import pipeline
from tests.corpus import corpus_dir

pytestmark = pytest.mark.corpus

# The bisect-dev kinds and the codes that may report them, by case variant.
EXPECTED_CODES = {
    "unused-function": {"BS004"},
    "does-not-apply": {"BS001"},
    "lock-leak": {"BS007"},
    "build-break": {"BS003", "BS005", "BS006"},
}
VARIANT_CODE = {
    "call-before-define": "BS003",
    "remove-still-called": "BS005",
    "signature-change": "BS006",
}


def _cases() -> list[Path]:
    return sorted((corpus_dir() / "bisect-dev").glob("bs-*"))


def _check(series_dir: Path):
    tree = corpus_dir() / "linux-6.12-subset"
    # BS007 reads the other checks' findings; the lock checks are the ones the corpus needs.
    return pipeline.check([str(series_dir / "series.mbox")], tree=tree, select=("BS", "LK"))


@pytest.fixture(scope="module")
def results() -> dict[str, tuple[dict, list]]:
    found = {}
    for case in _cases():
        expected = json.loads((case / "expected.json").read_text())
        report = _check(case)
        found[case.name] = (expected, [f for f in report.findings if f.code.startswith("BS")])
    return found


def test_the_dev_corpus_has_every_kind(results):
    kinds = {f["kind"] for expected, _ in results.values() for f in expected["findings"]}
    assert kinds == set(EXPECTED_CODES)
    assert any(not expected["findings"] for expected, _ in results.values())


def test_every_expected_hazard_is_found_on_its_patch(results):
    missed = []
    for name, (expected, findings) in results.items():
        for hazard in expected["findings"]:
            codes = EXPECTED_CODES[hazard["kind"]]
            if hazard["kind"] == "build-break":
                codes = {VARIANT_CODE[expected["variant"]]}
            hits = [f for f in findings if f.code in codes and f.patch == hazard["patch"]]
            if not hits:
                missed.append((name, hazard["kind"], hazard["patch"]))
                continue
            if "fixed_in" in hazard and hazard["kind"] != "does-not-apply":
                assert hits[0].fixed_in == hazard["fixed_in"], name
            if hazard.get("function") and hazard["kind"] in ("unused-function", "build-break"):
                assert hazard["function"] in hits[0].message, name
    assert missed == []


def test_the_findings_are_exactly_the_expected_hazards(results):
    """Each hazard once, with its exact code, on its patch; nothing else, on any patch (a
    second finding or another code on an expected patch counts as wrong too)."""
    wrong = []
    for name, (expected, findings) in results.items():
        want = sorted(
            (
                VARIANT_CODE[expected["variant"]]
                if hazard["kind"] == "build-break"
                else next(iter(EXPECTED_CODES[hazard["kind"]])),
                hazard["patch"],
            )
            for hazard in expected["findings"]
        )
        got = sorted((f.code, f.patch) for f in findings)
        if got != want:
            wrong.append((name, got, want))
    assert wrong == []


def test_call_site_counts_match_the_oracle(results):
    expected, findings = results["bs-4a96a9aa"]
    assert "2 sites" in next(f for f in findings if f.code == "BS005").message
    expected, findings = results["bs-726e2868"]
    assert "2 call sites" in next(f for f in findings if f.code == "BS006").message


def test_seed_lock_leak_is_transient_from_1_to_7():
    report = _check(corpus_dir() / "seed-anon-vma")
    transient = [f for f in report.findings if f.code == "BS007"]
    leak = [f for f in transient if f.location.function == "cleanup_partial_anon_vmas"]
    assert [(f.patch, f.fixed_in) for f in leak] == [(1, 7)]
    assert "LK" in leak[0].key and "fix it in 1/8 itself" in leak[0].message
    # The seed builds at every step (oracle/verify.json): no build-break findings either.
    assert [f.code for f in report.findings if f.code in ("BS003", "BS004", "BS005", "BS006")] == []


def test_seed_fixed_variant_has_nothing_transient():
    report = _check(corpus_dir() / "seed-anon-vma" / "fixed")
    assert [f for f in report.findings if f.code.startswith("BS")] == []
