"""The in-memory applier against real `git apply` on many generated patches (the suite runs
80 of them: tests/test_tree_vs_git.py). Each case: git's verdict and text on the patch, then
on a second patch made against git's result; prints agreement by shape and disturbance and
every case where we differ.

    python benchmarks/apply_vs_git.py [--cases 3000] [--first-seed 1000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reviewtool.tree import build_snapshots  # noqa: E402
from tests.applygen import followup_diff, git_apply, make_case  # noqa: E402
from tests.builders import patch, series  # noqa: E402


class _Memory:
    def __init__(self, text: str) -> None:
        self.text = text

    def read(self, path: str) -> str | None:
        return self.text if path == "f.c" else None

    def describe(self) -> str:
        return "memory"


def ours(base: str, *diffs: str) -> list[str | None]:
    patches = [patch(k, len(diffs), d) for k, d in enumerate(diffs, start=1)]
    snapshots, findings = build_snapshots(series(*patches), _Memory(base))
    failed = {f.patch for f in findings if f.code == "BS001"}
    return [
        None if step in failed else snapshots[step].files["f.c"].text
        for step in range(1, len(diffs) + 1)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--first-seed", type=int, default=1000)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="apply-vs-git-")) / "w"
    work.mkdir()
    shapes: Counter[tuple[str, str, str]] = Counter()
    differ: list[str] = []
    started = time.process_time()
    for seed in range(args.first_seed, args.first_seed + args.cases):
        case = make_case(seed)
        theirs = git_apply(work, case.target, case.diff)
        verdict = "applies" if theirs is not None else "refused"
        shapes[(case.shape, case.disturbance, verdict)] += 1
        if theirs is None:
            if ours(case.target, case.diff) != [None]:
                differ.append(f"seed {seed}: git refuses, we apply")
            continue
        second = followup_diff(seed, theirs)
        expected = [theirs, git_apply(work, theirs, second)]
        got = ours(case.target, case.diff, second)
        if got != expected:
            step = 1 if got[0] != expected[0] else 2
            differ.append(f"seed {seed}: step {step} differs ({case.shape}, {case.disturbance})")
    for key, count in sorted(shapes.items()):
        print(f"  {key[0]:12} {key[1]:12} git {key[2]:8} {count:5}")
    agree = args.cases - len(differ)
    print(f"{agree}/{args.cases} cases agree with git apply ({agree / args.cases:.2%})")
    print(f"{time.process_time() - started:.1f} s CPU in this process (git's own not counted)")
    for line in differ:
        print("  " + line)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
