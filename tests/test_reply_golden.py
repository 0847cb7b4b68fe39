"""Golden drafts of the seed series ("[PATCH v2 0/8] mm: clean up anon_vma implementation"),
byte-compared. Only Date and Message-ID are pinned, through the injectable clock and id
function. Regenerate with REVIEWTOOL_UPDATE_GOLDEN=1 after a deliberate change, and read the
diff: these files are what a reviewer would send."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reviewtool import checks, pipeline
from reviewtool.mail import parse_message, to_patch
from reviewtool.model import Address, Finding, Location, Severity
from reviewtool.render import Draft, draft_for_patch, drafts, options_from_rules
from reviewtool.resources import default_rules
from tests.corpus import corpus_dir

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "anon-vma-v2"
GOLDEN = Path(__file__).parent / "fixtures" / "reply"
UPDATE = os.environ.get("REVIEWTOOL_UPDATE_GOLDEN") == "1"
REVIEWER = Address("Rita Reviewer", "rita@example.net")
LK_REGISTERED = "LK001" in checks.by_code()


def _options(report_checks=()):
    ids = iter(range(1, 100))
    return options_from_rules(
        default_rules(),
        report_checks,
        reviewer=REVIEWER,
        clock=lambda: datetime(2026, 1, 7, 9, 30, tzinfo=UTC),
        make_id=lambda domain: f"<review-{next(ids)}@{domain}>",
    )


def _compare(directory: Path, produced: list[Draft]) -> None:
    if UPDATE:
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.eml"):
            stale.unlink()
        for draft in produced:
            (directory / draft.filename).write_bytes(draft.as_text().encode("utf-8"))
    expected = sorted(p.name for p in directory.glob("*.eml"))
    assert [d.filename for d in produced] == expected
    for draft in produced:
        golden = (directory / draft.filename).read_bytes()
        assert draft.as_text().encode("utf-8") == golden, draft.filename


def _seed_report(mbox: Path, tree: Path):
    return pipeline.check([str(mbox)], tree=tree, rules=default_rules(), select=("LK",))


def _body(draft: Draft) -> str:
    return draft.as_text().split("\n\n", 1)[1]


def _check_leak_reply(body: str) -> None:
    """Under the quoted cleanup_partial_anon_vmas() hunk, down to the locking line or the end
    of the loop, the comment says the lock is never released on the way out."""
    quote, _, comment = body.partition("\n\n")
    quoted = quote.splitlines()
    assert quoted[0].endswith("wrote:")
    assert all(line.startswith(">") for line in quoted[1:])
    assert "> @@ -401,11 +426,64 @@ int anon_vma_fork(" in quote
    last = quoted[-1]
    assert last in ("> +\t\t\tanon_vma_lock_write(anon_vma);", "> +\t}", "> +}")
    assert "> +\t\t\tanon_vma_lock_write(anon_vma);" in quoted
    words = " ".join(comment.split())
    assert "anon_vma_lock_write()" in words
    assert "cleanup_partial_anon_vmas()" in words
    assert "nothing releases it" in words or "still held when it returns" in words
    assert "anon_vma_unlock_write()" in words


@pytest.mark.skipif(not LK_REGISTERED, reason="the LK lock checks are not registered yet")
def test_seed_series_drafts_match_golden_files() -> None:
    report = _seed_report(EXAMPLE / "anon-vma-v2.mbox", EXAMPLE / "base")
    produced = drafts(report, _options(report.checks))
    _compare(GOLDEN / "anon-vma-v2", produced)
    by_patch = {d.patch: d for d in produced}
    assert set(by_patch) == {0, 1}  # the cover letter (transient leak) and 1/8
    _check_leak_reply(_body(by_patch[1]))
    cover = " ".join(_body(by_patch[0]).split())
    assert "In 1/8, mm/rmap.c: anon_vma_lock_write() is taken in cleanup_partial" in cover
    assert "Patch 7/8 removes this code again" in cover


@pytest.mark.skipif(not LK_REGISTERED, reason="the LK lock checks are not registered yet")
def test_fixed_seed_series_needs_no_locking_reply() -> None:
    report = _seed_report(EXAMPLE / "fixed" / "anon-vma-v2-fixed.mbox", EXAMPLE / "base")
    assert drafts(report, _options(report.checks)) == []


def test_seed_patch_with_an_injected_leak_matches_golden_file() -> None:
    """Independent of the lock analysis: the finding LK001 reports on the seed, injected."""
    raw = next((EXAMPLE / "format-patch").glob("v2-0001-*.patch")).read_bytes()
    patch = to_patch(parse_message(raw), 1, 8)
    assert patch is not None
    finding = Finding(
        code="LK001",
        name="lock-not-released",
        severity=Severity.ERROR,
        message="anon_vma taken at line 456 is still held at the exit at line 464",
        location=Location(1, "mm/rmap.c", 464, "cleanup_partial_anon_vmas"),
        key="LK001|mm/rmap.c|cleanup_partial_anon_vmas|mm: anon_vma rwsem:anon_vma",
        evidence=(Location(0, "mm/rmap.c", 456, "cleanup_partial_anon_vmas"),),
        introduced_in=1,
        fixed_in=7,
    )
    draft = draft_for_patch(patch, [finding], _options())
    _compare(GOLDEN / "injected", [draft])
    _check_leak_reply(_body(draft))


@pytest.mark.corpus
@pytest.mark.skipif(not LK_REGISTERED, reason="the LK lock checks are not registered yet")
def test_corpus_seed_reply_comments_on_the_leak() -> None:
    corpus = corpus_dir()
    report = _seed_report(corpus / "seed-anon-vma" / "series.mbox", corpus / "linux-6.12-subset")
    produced = {d.patch: d for d in drafts(report, _options(report.checks))}
    assert 1 in produced
    _check_leak_reply(_body(produced[1]))
