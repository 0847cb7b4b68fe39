"""Accuracy of reviewtool's check families on the shared dev corpus: one function per family
(locks and bisect; kdoc agreement with scripts/kernel-doc is measured by
tests/test_kdoc_corpus.py against recorded kernel-doc output). Prints recall and precision.

    python benchmarks/accuracy.py [--corpus DIR] [--family locks]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

KIND_TO_CODE = {
    "leak": "LK001",
    "double-acquire": "LK002",
    "release-unheld": "LK003",
    "wrong-lock": "LK004",
}


@dataclass
class LockScore:
    """Recall per expected kind; precision per reported code. On a buggy case exactly one
    finding can be correct: the expected code in the expected function (on the expected or an
    accepted line if one does). Every other finding the case's patch introduces is a false
    positive: another code in that function, a second report, a finding elsewhere, and any
    finding on a benign case."""

    cases: Counter = field(default_factory=Counter)
    hits: Counter = field(default_factory=Counter)
    located: Counter = field(default_factory=Counter)  # hits on the expected or accepted line
    correct: Counter = field(default_factory=Counter)
    false_positives: Counter = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)
    noise: list[str] = field(default_factory=list)
    unlocated: list[str] = field(default_factory=list)

    def recall(self, kind: str) -> float:
        return self.hits[kind] / self.cases[kind] if self.cases[kind] else 1.0

    def precision(self, code: str | None = None) -> float:
        codes = [code] if code else sorted(set(self.correct) | set(self.false_positives))
        good = sum(self.correct[c] for c in codes)
        bad = sum(self.false_positives[c] for c in codes)
        return good / (good + bad) if good + bad else 1.0

    @property
    def buggy(self) -> int:
        return sum(n for kind, n in self.cases.items() if kind != "none")

    def overall_recall(self) -> float:
        hits = sum(n for kind, n in self.hits.items() if kind != "none")
        return hits / self.buggy if self.buggy else 1.0


def _lock_case(case: Path, tree: Path, score: LockScore) -> None:
    from reviewtool.pipeline import check

    expected = json.loads((case / "expected.json").read_text())
    kind = expected["kind"]
    score.cases[kind] += 1
    patches = sorted(str(p) for p in case.glob("*.patch"))
    report = check(patches, tree=tree, select=("LK",))
    introduced = [f for f in report.findings if f.introduced_in is not None]
    want = KIND_TO_CODE.get(kind)
    lines = {expected.get("line"), *expected.get("accept_lines", ())}
    matching = [
        f
        for f in introduced
        if want and f.code == want and f.location.function == expected["function"]
    ]
    # the one correct finding: on the expected line when one of them is
    best = next(
        (f for f in matching if f.location.line in lines), matching[0] if matching else None
    )
    for finding in introduced:
        if finding is best:
            score.correct[finding.code] += 1
            continue
        score.false_positives[finding.code] += 1
        score.noise.append(
            f"{case.name} {finding.code} {finding.location.function}:"
            f"{finding.location.line} {finding.message}"
        )
    if best is not None:
        score.hits[kind] += 1
        if best.location.line in lines:
            score.located[kind] += 1
        else:
            score.unlocated.append(f"{case.name} {kind} reported at line {best.location.line}")
    elif want:
        score.misses.append(f"{case.name} {kind} {expected['function']} ({expected['mutation']})")


def lock_accuracy(corpus: Path) -> LockScore:
    """Run the LK checks on every lockbugs-dev case against the linux-6.12 subset."""
    score = LockScore()
    tree = corpus / "linux-6.12-subset"
    for case in sorted((corpus / "lockbugs-dev").iterdir()):
        if (case / "expected.json").is_file():
            _lock_case(case, tree, score)
    return score


def print_locks(score: LockScore, verbose: bool) -> None:
    print("locks (lockbugs-dev)")
    for kind, code in KIND_TO_CODE.items():
        print(
            f"  {kind:15} {code}  recall {score.hits[kind]:3}/{score.cases[kind]:<3} "
            f"= {score.recall(kind):6.1%}   precision {score.precision(code):6.1%} "
            f"({score.correct[code]} correct, {score.false_positives[code]} false)"
        )
    print(f"  benign cases: {score.cases['none']}")
    hits = sum(score.hits.values())
    print(f"  hits on the expected or an accepted line: {sum(score.located.values())}/{hits}")
    print(f"  overall recall {score.overall_recall():.1%}  precision {score.precision():.1%}")
    if verbose:
        for line in score.misses:
            print("  miss  ", line)
        for line in score.noise:
            print("  noise ", line)
        for line in score.unlocated:
            print("  elsewhere ", line)


BISECT_CODES = {
    "build-break": {"BS003", "BS005", "BS006"},
    "unused-function": {"BS004"},
    "lock-leak": {"BS007"},
    "does-not-apply": {"BS001"},
}


@dataclass
class BisectScore:
    """Per bisect-dev series: each expected hazard found with a code of its kind on its patch;
    any other BS finding (and any finding at all on the clean control) is noise."""

    expected: int = 0
    found: int = 0
    noise: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)


def bisect_accuracy(corpus: Path) -> BisectScore:
    from reviewtool.pipeline import check

    score = BisectScore()
    tree = corpus / "linux-6.12-subset"
    for case in sorted((corpus / "bisect-dev").iterdir()):
        if not (case / "expected.json").is_file():
            continue
        expected = json.loads((case / "expected.json").read_text())["findings"]
        report = check([str(case / "series.mbox")], tree=tree)
        reported = [f for f in report.findings if f.code.startswith("BS")]
        matched: set[int] = set()
        for hazard in expected:
            score.expected += 1
            codes = BISECT_CODES[hazard["kind"]]
            hit = next(
                (
                    i
                    for i, f in enumerate(reported)
                    if f.code in codes and f.location.patch == hazard["patch"]
                ),
                None,
            )
            if hit is None:
                score.misses.append(f"{case.name}: {hazard['kind']} at {hazard['patch']}")
            else:
                score.found += 1
                matched.add(hit)
        for index, finding in enumerate(reported):
            if index not in matched and finding.code != "BS007":
                score.noise.append(f"{case.name}: {finding.code} {finding.message}")
    return score


def print_bisect(score: BisectScore, verbose: bool) -> None:
    print("bisect (bisect-dev)")
    print(f"  hazards found with their kind and patch: {score.found}/{score.expected}")
    print(f"  other BS findings: {len(score.noise)}")
    if verbose:
        for line in score.misses:
            print("  miss  ", line)
        for line in score.noise:
            print("  noise ", line)


FAMILIES = {
    "locks": (lock_accuracy, print_locks),
    "bisect": (bisect_accuracy, print_bisect),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get(
        "REVIEWTOOL_CORPUS", str(Path(__file__).resolve().parents[2] / "shared" / "corpus")
    )
    parser.add_argument("--corpus", type=Path, default=Path(default))
    parser.add_argument("--family", choices=sorted(FAMILIES), action="append")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    for family in args.family or sorted(FAMILIES):
        measure, show = FAMILIES[family]
        show(measure(args.corpus), args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
