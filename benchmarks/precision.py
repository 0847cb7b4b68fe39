"""Lock findings on kernel code the analysis has not been tuned on: LK findings per 10k lines
of `.c` per directory of a full kernel tree, through the same `scan` a user runs. Files of the
corpus subset (the code the analysis was built on) are skipped by relative path, so only
unseen code counts. NOTEs (what the analysis skipped) are counted apart from findings.

    python benchmarks/precision.py KERNEL_TREE DIR... [--subset DIR] [--dump FILE] [--no-tree]

Files are scanned as `reviewtool scan --tree KERNEL_TREE` does (the tree's own headers give
the lock vocabulary); `--no-tree` scans them with the committed vocabulary only.
`--dump FILE` writes every finding as JSON (path relative to the tree, line, code, function,
message, evidence lines) for triage. The full 6.12 source is Debian's linux-source-6.12
package (/usr/src/linux-source-6.12.tar.xz); tests never need it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from reviewtool.model import Finding, Severity
from reviewtool.pipeline import MAX_SCAN_FILE_BYTES, scan


def default_subset() -> Path:
    corpus = os.environ.get(
        "REVIEWTOOL_CORPUS", str(Path(__file__).resolve().parents[2] / "shared" / "corpus")
    )
    return Path(corpus) / "linux-6.12-subset"


@dataclass
class DirectoryScore:
    name: str
    files: int = 0
    skipped: int = 0  # files of the subset, or too large for scan
    lines: int = 0
    findings: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)

    def rate(self) -> float:
        return 10_000 * len(self.findings) / self.lines if self.lines else 0.0


def unseen_files(tree: Path, directory: str, subset: Path | None) -> tuple[list[Path], int]:
    """The .c files under tree/directory that the subset does not hold, and how many it does."""
    files, skipped = [], 0
    for path in sorted((tree / directory).rglob("*.c")):
        if path.is_symlink() or not path.is_file():
            continue
        in_subset = subset is not None and (subset / path.relative_to(tree)).is_file()
        if in_subset or path.stat().st_size > MAX_SCAN_FILE_BYTES:
            skipped += 1
        else:
            files.append(path)
    return files, skipped


def score_directory(
    tree: Path, directory: str, subset: Path | None, with_tree: bool = True
) -> DirectoryScore:
    score = DirectoryScore(directory)
    files, score.skipped = unseen_files(tree, directory, subset)
    score.files = len(files)
    for path in files:
        score.lines += path.read_bytes().count(b"\n")
    if not files:
        return score
    base = tree if with_tree else None  # `scan --tree`: the tree's own lock vocabulary
    for finding in scan(files, select=("LK",), tree=base).findings:
        if finding.severity is Severity.NOTE:
            score.notes.append(finding)
        else:
            score.findings.append(finding)
    return score


def as_record(finding: Finding, tree: Path) -> dict:
    def relative(path: str | None) -> str:
        try:
            return str(Path(path or "").relative_to(tree))
        except ValueError:
            return path or ""

    return {
        "path": relative(finding.location.path),
        "line": finding.location.line,
        "code": finding.code,
        "severity": finding.severity.label,
        "function": finding.location.function,
        "message": finding.message,
        "evidence": [e.line for e in finding.evidence],
    }


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def report(scores: list[DirectoryScore]) -> None:
    header = f"{'directory':24} {'files':>6} {'subset':>6} {'lines':>9} {'LK':>5} {'per 10k':>8}"
    print(f"{header} {'notes':>6}  by code")
    total = DirectoryScore("all")
    for s in scores:
        codes = Counter(f.code for f in s.findings)
        by_code = " ".join(f"{c}:{n}" for c, n in sorted(codes.items()))
        print(
            f"{s.name:24} {s.files:6} {s.skipped:6} {s.lines:9} {len(s.findings):5} "
            f"{s.rate():8.2f} {len(s.notes):6}  {by_code}"
        )
        total.files += s.files
        total.skipped += s.skipped
        total.lines += s.lines
        total.findings += s.findings
        total.notes += s.notes
    if len(scores) > 1:
        print(
            f"{'all':24} {total.files:6} {total.skipped:6} {total.lines:9} "
            f"{len(total.findings):5} {total.rate():8.2f} {len(total.notes):6}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", type=Path, help="a full kernel source tree")
    parser.add_argument("directories", nargs="+", help="directories relative to the tree")
    parser.add_argument("--subset", type=Path, default=None, help="files to skip (by path)")
    parser.add_argument("--no-subset", action="store_true", help="skip no file")
    parser.add_argument("--dump", type=Path, help="write the findings as JSON for triage")
    parser.add_argument(
        "--no-tree", action="store_true", help="scan without --tree (committed vocabulary only)"
    )
    args = parser.parse_args(argv)
    subset = None if args.no_subset else (args.subset or default_subset())
    if not args.tree.is_dir():
        print(f"not a directory: {args.tree}", file=sys.stderr)
        return 2
    if subset is not None and not subset.is_dir():
        print(f"subset not found: {subset} (--subset DIR or --no-subset)", file=sys.stderr)
        return 2
    missing = [d for d in args.directories if not (args.tree / d).is_dir()]
    if missing:
        print(f"not a directory of the tree: {', '.join(missing)}", file=sys.stderr)
        return 2
    start = cpu_seconds()
    scores = [score_directory(args.tree, d, subset, not args.no_tree) for d in args.directories]
    how = "without --tree" if args.no_tree else "scan --tree"
    print(f"LK findings per 10k lines of .c under {args.tree} ({how}; subset files skipped)")
    report(scores)
    print(f"cpu {cpu_seconds() - start:.1f} s (user+sys, this process)")
    if args.dump:
        records = [
            {"directory": s.name, **as_record(f, args.tree)}
            for s in scores
            for f in s.findings + s.notes
        ]
        args.dump.write_text(json.dumps(records, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
