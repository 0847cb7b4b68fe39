"""Corpus tests of the KD checks against the kernel's own `scripts/kernel-doc -none -Wall`:
the kdoc-dev cases (new and gone warnings of one patch) and the seed series' per-step oracle."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest

from reviewtool.analysis.kdoc import analyse
from reviewtool.checks import kdoc
from reviewtool.checks.base import FileContext, Memo
from reviewtool.csyntax import parse_file
from reviewtool.model import FileState, Finding
from reviewtool.resources import default_rules
from tests.corpus import corpus_dir

pytestmark = pytest.mark.corpus

KIND_OF_CODE = {
    "KD001": "param-not-described",
    "KD002": "excess-param",
    "KD003": "name-mismatch",
    "KD004": "return-not-described",
    "KD005": "not-kernel-doc",
    "KD006": "missing-short-description",
    "KD007": "bad-prototype",
    "KD008": "bad-line",
    "KD009": "duplicate-section",
}
# kernel-doc's messages -> (function, kind); name-line warnings carry no function.
ORACLE_MESSAGES = (
    (r"Function parameter or struct member '.*' not described in '(\w+)'", "param-not-described"),
    (r"Enum value '.*' not described in enum '(\w+)'", "param-not-described"),
    (
        r"Excess (?:function parameter|struct member|union member|enum value) '.*' "
        r"description in '(\w+)'",
        "excess-param",
    ),
    (
        r"expecting prototype for (?:struct |union |enum |typedef )?(.*?)(?:\(\))?\. Prototype "
        r"was for .* instead",
        "name-mismatch",
    ),
    (r"No description found for return value of '(\w+)'", "return-not-described"),
    (r"This comment starts with '/\*\*', but isn't a kernel-doc comment()", "not-kernel-doc"),
    (r"^Cannot understand ()", "not-kernel-doc"),
    (r"missing initial short description()", "missing-short-description"),
    (r"cannot understand function prototype()", "bad-prototype"),
    (r"^(?:bad line|Incorrect use of kernel-doc format)()", "bad-line"),
    (r"^duplicate section name()", "duplicate-section"),
    (r"^wrong kernel-doc identifier()", "not-kernel-doc"),
)
# Every figure below is exact agreement with kernel-doc (reached on all of them): a ratchet,
# any disagreement is a regression.


def oracle_key(message: str) -> tuple[str | None, str]:
    for pattern, kind in ORACLE_MESSAGES:
        match = re.search(pattern, message)
        if match:
            return (match.group(1) or None), kind
    return None, f"other: {message}"


def finding_key(finding: Finding) -> tuple[str | None, str]:
    kind = KIND_OF_CODE[finding.code]
    if finding.code in ("KD005", "KD006", "KD007", "KD008", "KD009"):
        return None, kind
    if finding.code in ("KD001", "KD002"):
        kind = "param-not-described" if finding.code == "KD001" else "excess-param"
    return finding.location.function, kind


def touched_paths(patches: Iterable[Path]) -> set[str]:
    paths: set[str] = set()
    for patch in patches:
        text = patch.read_text(encoding="utf-8", errors="replace")
        paths |= set(re.findall(r"^(?:---|\+\+\+) [ab]/(\S+)", text, re.M))
    return paths


def apply_series(base: Path, patches: Sequence[Path], workdir: Path) -> list[dict[str, str]]:
    """The text of every touched file at each step (0 = base), applying the patches with
    `git apply` in `workdir` (not inside any git work tree) on copies of the base files."""
    paths = touched_paths(patches)
    for path in paths:
        source = base / path
        if source.is_file():
            (workdir / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, workdir / path)

    def snapshot() -> dict[str, str]:
        return {
            path: (workdir / path).read_text(encoding="utf-8", errors="surrogateescape")
            for path in paths
            if (workdir / path).is_file()
        }

    steps = [snapshot()]
    for patch in patches:
        subprocess.run(["git", "apply", str(patch)], cwd=workdir, check=True, capture_output=True)
        steps.append(snapshot())
    return steps


def kd_findings(path: str, text: str) -> list[Finding]:
    ctx = FileContext(path, FileState(path, text), parse_file(path, text), default_rules(), Memo())
    return [finding for check in kdoc.CHECKS for finding in check.run(ctx)]


def introduced_and_fixed(path: str, before: str, after: str) -> tuple[list[Finding], list[Finding]]:
    """Findings whose key appears (new) or disappears (gone) across one patch, as the engine
    decides it: keys counted as multisets, no line numbers."""
    old, new = kd_findings(path, before), kd_findings(path, after)
    old_keys, new_keys = Counter(f.key for f in old), Counter(f.key for f in new)
    appeared = [f for f in new if new_keys[f.key] > old_keys[f.key]]
    vanished = [f for f in old if old_keys[f.key] > new_keys[f.key]]
    return appeared, vanished


def jaccard(mine: set, theirs: set) -> float:
    if not mine and not theirs:
        return 1.0
    return len(mine & theirs) / len(mine | theirs)


def test_kdoc_dev_agreement(tmp_path: Path) -> None:
    corpus = corpus_dir()
    cases = sorted((corpus / "kdoc-dev").glob("kd-*"))
    assert len(cases) >= 13
    scores: dict[str, float] = {}
    for case in cases:
        expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
        patch = case / expected["patch"]
        steps = apply_series(corpus / "linux-6.12-subset", [patch], tmp_path / case.name)
        path = expected["file"]
        new, gone = introduced_and_fixed(path, steps[0][path], steps[1][path])
        mine = {("new", *finding_key(f)) for f in new} | {("gone", *finding_key(f)) for f in gone}
        theirs = {("new", *oracle_key(w["message"])) for w in expected["expected_new_warnings"]}
        theirs |= {("gone", *oracle_key(w["message"])) for w in expected["expected_gone_warnings"]}
        scores[case.name] = jaccard(mine, theirs)
    mean = sum(scores.values()) / len(scores)
    exact = sum(score == 1.0 for score in scores.values())
    print(f"kdoc-dev: {exact}/{len(scores)} cases exact, mean agreement {mean:.3f}")
    assert {name: score for name, score in scores.items() if score < 1.0} == {}


def test_kdoc_dev_lines_are_kernel_docs(tmp_path: Path) -> None:
    """Beyond (function, kind): each new warning sits on the line kernel-doc reports."""
    corpus = corpus_dir()
    for case in sorted((corpus / "kdoc-dev").glob("kd-*")):
        expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
        steps = apply_series(
            corpus / "linux-6.12-subset", [case / expected["patch"]], tmp_path / case.name
        )
        path = expected["file"]
        new, _ = introduced_and_fixed(path, steps[0][path], steps[1][path])
        assert sorted((f.location.line, f.message) for f in new) == sorted(
            (w["line"], w["message"]) for w in expected["expected_new_warnings"]
        ), case.name


def seed_steps(tmp_path: Path) -> tuple[list[dict], list[dict[str, str]]]:
    seed = corpus_dir() / "seed-anon-vma"
    oracle = json.loads((seed / "oracle" / "kdoc-steps.json").read_text(encoding="utf-8"))
    patches = sorted((seed / "format-patch").glob("v2-000[1-9]-*.patch"))
    steps = apply_series(corpus_dir() / "linux-6.12-subset", patches, tmp_path)
    return oracle, steps


def test_seed_whole_files_match_kernel_doc(tmp_path: Path) -> None:
    """Every warning kernel-doc printed for each file at each step, by line and message."""
    oracle, steps = seed_steps(tmp_path)
    matched = mine_total = theirs_total = 0
    for step in oracle:
        for path, warnings in step["files"].items():
            mine = Counter((p.line, p.message) for p in analyse(steps[step["step"]][path]).problems)
            theirs = Counter((w["line"], w["message"].strip()) for w in warnings)
            matched += sum((mine & theirs).values())
            mine_total += sum(mine.values())
            theirs_total += sum(theirs.values())
    print(f"seed oracle: {matched} matched, {mine_total} ours, {theirs_total} kernel-doc's")
    assert theirs_total > 0
    assert matched == mine_total == theirs_total


def test_seed_series_introduces_no_kdoc_finding(tmp_path: Path) -> None:
    _, steps = seed_steps(tmp_path)
    for index in range(1, len(steps)):
        for path, text in steps[index].items():
            if not path.endswith((".c", ".h")) or path not in steps[index - 1]:
                continue
            new, _ = introduced_and_fixed(path, steps[index - 1][path], text)
            assert new == [], f"patch {index} {path}: {[f.message for f in new]}"


def test_seed_patch1_new_blocks_are_valid_kernel_doc(tmp_path: Path) -> None:
    _, steps = seed_steps(tmp_path)
    result = analyse(steps[1]["mm/rmap.c"])
    blocks = {block.identifier: block for block in result.blocks if block.is_kernel_doc}
    for name, params in (("anon_vma_clone", ("dst", "src")), ("unlink_anon_vmas", ("vma",))):
        block = blocks[name]
        assert block.prototype is not None and block.prototype.name == name
        assert tuple(param for param, _ in block.params) == params
        assert block.purpose
        assert not [p for p in result.problems if p.function == name]
    assert "Return" in blocks["anon_vma_clone"].sections


ORACLE_FILE = Path(__file__).parent / "fixtures" / "kdoc" / "kernel-doc-6.12-subset.txt.gz"


def _comparable(message: str) -> str:
    """kernel-doc prints the offending source line after some messages; keep the first line."""
    for cut in ("missing initial short description on line:", "isn't a kernel-doc comment"):
        if cut in message:
            return message[: message.index(cut) + len(cut)]
    if message.startswith("Cannot understand"):
        return "Cannot understand"
    if message.startswith("cannot understand function prototype:"):
        return "cannot understand function prototype:"
    return message.rstrip()


def test_whole_subset_matches_kernel_doc() -> None:
    """Every warning of the real kernel-doc -none -Wall on all 632 files of the 6.12 subset
    (recorded in the fixture), by path, line and message."""
    import gzip

    root = corpus_dir() / "linux-6.12-subset"
    theirs: Counter[tuple[str, int, str]] = Counter()
    for line in gzip.decompress(ORACLE_FILE.read_bytes()).decode("utf-8").splitlines():
        if line.startswith("#"):
            continue
        path, number, message = line.split(":", 2)
        theirs[(path, int(number), _comparable(message.strip()))] += 1
    mine: Counter[tuple[str, int, str]] = Counter()
    files = sorted(root.rglob("*.[ch]"))
    for file in files:
        text = file.read_text(encoding="utf-8", errors="surrogateescape")
        path = file.relative_to(root).as_posix()
        for problem in analyse(text).problems:
            mine[(path, problem.line, _comparable(problem.message))] += 1
    matched = sum((mine & theirs).values())
    total_mine, total_theirs = sum(mine.values()), sum(theirs.values())
    print(
        f"whole subset ({len(files)} files): {matched} matched, {total_mine} ours, "
        f"{total_theirs} kernel-doc's"
    )
    assert total_theirs > 1000
    assert sorted((theirs - mine).items())[:10] == []  # missed (recall 1.000)
    assert sorted((mine - theirs).items())[:10] == []  # not kernel-doc's (precision 1.000)
