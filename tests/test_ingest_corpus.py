"""The input side on the shared corpus: every mail file reads, real lore threads assemble to
the right version / patches / cover, b4's trailer-collection outputs agree, and the seed
series reads the same from an mbox and from a format-patch directory."""

from __future__ import annotations

import csv
import re
import signal
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

import pytest
import unidiff

from reviewtool.errors import InputError
from reviewtool.ingest import read_messages
from reviewtool.mail import parse_trailers, to_patch
from reviewtool.series import assemble
from tests.corpus import corpus_dir

pytestmark = pytest.mark.corpus

SKIP_SUFFIXES = (".md", ".tsv")
HANG_GUARD_SECONDS = 60  # a file that takes this long is a hang, not slowness


@contextmanager
def hang_guard(what: str):
    """Turn a hang into a failure (SIGALRM; the test never asserts a duration)."""

    def expire(signum, frame):
        raise TimeoutError(f"{what} did not finish within {HANG_GUARD_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(HANG_GUARD_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def mbox_files() -> list[Path]:
    root = corpus_dir() / "mbox"
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.endswith(SKIP_SUFFIXES))


def test_every_corpus_file_reads_and_assembles():
    files = mbox_files()
    assert len(files) > 200
    outcome: dict[str, int] = defaultdict(int)
    for path in files:
        with hang_guard(str(path)):
            messages = read_messages([str(path)])
            try:
                series = assemble(messages)
            except InputError as exc:
                assert "\n" not in str(exc)
                outcome["input-error"] += 1
                continue
        outcome["series"] += 1
        indexes = [p.index for p in series.patches]
        assert indexes == sorted(set(indexes)), path
        # no patches only for a lone cover letter, which says so (IN001 "cover-only")
        cover_only = any(f.key == "IN001|||cover-only" for f in series.findings)
        assert bool(series.patches) != cover_only, path
        unparsed = {f.location.patch for f in series.findings if f.code == "IN007"}
        for patch in series.patches:
            if patch.index in unparsed:
                continue
            unidiff.PatchSet(patch.diff)  # what IN007 did not flag must parse
    print(f"\ncorpus mbox files: {len(files)}; {dict(outcome)}")
    assert outcome["series"] + outcome["input-error"] == len(files)
    assert outcome["series"] > outcome["input-error"]


# ---------------------------------------------------------------- lore threads

_NUMBERED = re.compile(
    r"^\[(?P<rfc>RFC )?PATCH(?:/[\w-]+)?(?: v(?P<v>\d+))? (?P<n>\d+)/(?P<m>\d+)\]", re.I
)


def manifest_threads() -> dict[str, list[dict[str, str]]]:
    folder = corpus_dir() / "mbox" / "lore-cgroups-threads"
    threads: dict[str, list[dict[str, str]]] = defaultdict(list)
    with (folder / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            threads[row["file"]].append(row)
    return dict(threads)


def expected_from_manifest(rows: list[dict[str, str]]) -> dict:
    """Version: the highest one among numbered patch subjects. Patches: the slots that
    version covers; when it resends only some slots (a partial reroll, noted in
    PROVENANCE.md), the other slots come from the version before. Cover: that version's
    0/N, else the previous version's."""
    by_version: dict[int, dict[int, str]] = defaultdict(dict)
    totals: dict[int, int] = {}
    for row in rows:
        match = _NUMBERED.match(row["subject"])
        if not match:
            continue
        version = int(match["v"] or 1)
        by_version[version][int(match["n"])] = row["message_id"]
        totals[version] = int(match["m"])
    newest = max(by_version)
    slots = {n: mid for n, mid in by_version[newest].items() if n > 0}
    cover = by_version[newest].get(0)
    older = [v for v in by_version if v < newest]
    if older and len(slots) < totals[newest]:
        previous = max(older)
        for n, mid in by_version[previous].items():
            if n > 0 and n not in slots and totals[previous] == totals[newest]:
                slots[n] = mid
        cover = cover or by_version[previous].get(0)
    return {"version": newest, "total": totals[newest], "slots": slots, "cover": cover}


def lore_files() -> list[str]:
    try:
        return sorted(manifest_threads())
    except (pytest.skip.Exception, pytest.fail.Exception):  # the test says why
        return ["corpus-missing"]


@pytest.mark.parametrize("name", lore_files())
def test_lore_thread_assembles_as_posted(name):
    rows = manifest_threads()[name]
    expected = expected_from_manifest(rows)
    series = assemble(read_messages([str(corpus_dir() / "mbox" / "lore-cgroups-threads" / name)]))
    assert series.version == expected["version"]
    assert series.total == expected["total"]
    assert {p.index: p.message_id for p in series.patches} == expected["slots"]
    assert (series.cover.message_id if series.cover else None) == expected["cover"]
    missing = sorted(set(range(1, expected["total"] + 1)) - set(expected["slots"]))
    gaps = sorted(int(f.key.split("|")[-1]) for f in series.findings if f.code == "IN001")
    assert gaps == missing


# ---------------------------------------------------------------- b4 samples

# b4 adds the user's own Signed-off-by at `b4 am` time ("Test Override" in b4's tests); our
# model holds the trailers the series carries, so that one is dropped from the expected side.
B4_SELF = "test-override@example.com"
# `.verify` files (git log of the applied series, newest first, blocks split by "---") whose
# input mbox is used unmodified by b4's tests; the -no-match / -and-tripledash variants are
# made from edited copies of the mbox inside b4's test code, so they do not apply here.
B4_VERIFY = ["trailers-thread-with-followups", "trailers-thread-with-cover-followup"]


def b4_cases() -> list[str]:
    try:
        folder = corpus_dir() / "mbox" / "b4-samples"
    except (pytest.skip.Exception, pytest.fail.Exception):  # the test says why
        return ["corpus-missing"]
    return sorted(
        p.name.removesuffix("-ref-defaults.txt")
        for p in folder.glob("trailers-followup-*-ref-defaults.txt")
    )


@pytest.mark.parametrize("case", b4_cases())
def test_b4_trailer_followups_agree(case):
    folder = corpus_dir() / "mbox" / "b4-samples"
    series = assemble(read_messages([str(folder / f"{case}.mbox")]))
    expected = []
    for message in read_messages([str(folder / f"{case}-ref-defaults.txt")]):
        patch = to_patch(message, 1, 1)
        assert patch is not None
        expected.append(
            (
                message.subject.index or 1,
                [(t.name, t.value) for t in patch.trailers if B4_SELF not in t.value],
            )
        )
    got = [(p.index, [(t.name, t.value) for t in p.trailers]) for p in series.patches]
    assert got == expected


@pytest.mark.parametrize("case", B4_VERIFY)
def test_b4_thread_followups_agree(case):
    folder = corpus_dir() / "mbox" / "b4-samples"
    series = assemble(read_messages([str(folder / f"{case}.mbox")]))
    blocks = [b for b in (folder / f"{case}.verify").read_text().split("\n---\n") if b.strip()]
    expected = [
        [
            (t.name, t.value)
            for t in parse_trailers(block.split("\n", 2)[2])
            if B4_SELF not in t.value
        ]
        for block in reversed(blocks)  # author, subject, then the commit message
    ]
    assert [[(t.name, t.value) for t in p.trailers] for p in series.patches] == expected


# ---------------------------------------------------------------- seed series


def test_seed_series_from_mbox_and_format_patch_directory():
    seed = corpus_dir() / "seed-anon-vma"
    from_mbox = assemble(read_messages([str(seed / "series.mbox")]))
    from_dir = assemble(read_messages([str(seed / "format-patch")]))
    for series in (from_mbox, from_dir):
        assert series.version == 2
        assert series.total == 8
        assert [p.index for p in series.patches] == list(range(1, 9))
        assert series.cover.message_id == "cover.1767711840.git.lorenzo.stoakes@oracle.com"
        assert series.findings == ()
    assert [p.diff for p in from_mbox.patches] == [p.diff for p in from_dir.patches]
    for patch in from_mbox.patches:
        assert len(unidiff.PatchSet(patch.diff)) >= 1
