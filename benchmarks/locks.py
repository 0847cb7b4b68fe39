"""Cost of the lock analysis: median whole-process time of `python -m reviewtool scan` over a
directory (mm/ of the corpus subset by default) and the per-function cost distribution
(dataflow steps and seconds: median, p99, max), plus how many functions hit the budget.

    python benchmarks/locks.py [DIR] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from reviewtool.analysis.cfg import build_cfg
from reviewtool.analysis.locks import MAX_STEPS, analyse_function, lock_table
from reviewtool.csyntax import parse_file
from reviewtool.csyntax.ir import lower_function
from reviewtool.resources import default_rules


def default_dir() -> Path:
    corpus = os.environ.get(
        "REVIEWTOOL_CORPUS", str(Path(__file__).resolve().parents[2] / "shared" / "corpus")
    )
    return Path(corpus) / "linux-6.12-subset" / "mm"


def scan_seconds(directory: Path, runs: int) -> list[float]:
    """Wall time of whole `reviewtool scan` processes (interpreter start included)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "reviewtool", "scan", "--select", "LK", str(directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        times.append(time.perf_counter() - start)
    return times


def function_costs(directory: Path) -> tuple[list[int], list[float], int, int]:
    """(steps per analysed function, seconds per function, functions, budget hits). Each
    function is analysed on its own, without same-file summaries: the cost of one run."""
    rules = default_rules()
    table = lock_table(rules)
    steps: list[int] = []
    seconds: list[float] = []
    functions = over_budget = 0
    for path in sorted(directory.rglob("*.[ch]")):
        facts = parse_file(path.name, path.read_text(encoding="utf-8", errors="surrogateescape"))
        for fn in facts.functions:
            functions += 1
            start = time.perf_counter()
            cfg = build_cfg(lower_function(facts.source, fn, rules), rules)
            result = analyse_function(cfg, table, {}, fn.annotations)
            elapsed = time.perf_counter() - start
            over_budget += result.budget_exceeded
            if result.analysed:
                steps.append(result.steps)
                seconds.append(elapsed)
    return steps, seconds, functions, over_budget


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, default=default_dir())
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    if not args.directory.is_dir():
        print(f"not a directory: {args.directory}", file=sys.stderr)
        return 2
    times = scan_seconds(args.directory, args.runs)
    print(f"reviewtool scan --select LK {args.directory}")
    print(f"  whole process: median {statistics.median(times):.2f} s over {args.runs} runs")
    steps, seconds, functions, over = function_costs(args.directory)
    print(f"  functions: {functions}, with lock work: {len(steps)}, over budget: {over}")
    print(
        f"  steps per function: median {percentile(steps, 0.5):.0f}, "
        f"p99 {percentile(steps, 0.99):.0f}, max {max(steps, default=0)} (budget {MAX_STEPS})"
    )
    print(
        f"  ms per function: median {1000 * percentile(seconds, 0.5):.2f}, "
        f"p99 {1000 * percentile(seconds, 0.99):.2f}, max {1000 * max(seconds, default=0):.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
