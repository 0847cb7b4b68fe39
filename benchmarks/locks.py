"""Cost of the lock analysis: median whole-process time of `python -m reviewtool scan` over a
directory (mm/ of the corpus subset by default) and the per-function cost distribution
(dataflow steps and CPU seconds: median, p99, max), plus how many functions hit the budget;
`--runs 0` skips the whole-process runs; the dataflow alone (`analyse_function` on a built
CFG, the fastest of `--repeats` timings per function) is printed apart. To compare with
another version of the analysis, run this script with PYTHONPATH pointing at that
version's checkout (interleave the runs).

With `--mutations N`, also a synthetic check beyond the dev corpus: N functions of the whole
subset that take and release a spinlock/mutex/rwsem/rwlock get each of the lockbugs mutations
(A release before a return deleted, B last release deleted, C acquire duplicated, D return
added after the acquire, E release of another lock, F release duplicated) and three benign
edits (comment, lockdep assert, early return before the lock); it prints how often the
expected LK code appears in that function, and how often an LK key appears that was not there
before (for benign edits, or in other functions). The edits are textual, so a few are not
what they claim (an "early return" inside an RCU section really leaks).

    python benchmarks/locks.py [DIR] [--runs 5] [--mutations 150 --seed 1]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from reviewtool.analysis.cfg import build_cfg
from reviewtool.analysis.locks import MAX_STEPS, analyse_function, lock_table
from reviewtool.checks.base import FileContext, Memo
from reviewtool.checks.locks import CHECKS
from reviewtool.csyntax import parse_file
from reviewtool.csyntax.ir import lower_function
from reviewtool.model import FileState
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


def function_costs(
    directory: Path, repeats: int = 3
) -> tuple[list[int], list[float], list[float], int, int]:
    """(steps per analysed function, seconds per function, seconds of its dataflow alone,
    functions, budget hits). Each function is analysed on its own, without same-file
    summaries: the cost of one run. The dataflow (`analyse_function` on a built CFG) is
    timed `repeats` times more and its fastest time kept: the least disturbed by others."""
    rules = default_rules()
    table = lock_table(rules)
    steps: list[int] = []
    seconds: list[float] = []
    dataflow: list[float] = []
    functions = over_budget = 0
    for path in sorted(directory.rglob("*.[ch]")):
        facts = parse_file(path.name, path.read_text(encoding="utf-8", errors="surrogateescape"))
        for fn in facts.functions:
            functions += 1
            start = time.thread_time()  # CPU time: the machine may be shared
            cfg = build_cfg(lower_function(facts.source, fn, rules), rules)
            result = analyse_function(cfg, table, {}, fn.annotations)
            elapsed = time.thread_time() - start
            over_budget += result.budget_exceeded
            if result.analysed:
                steps.append(result.steps)
                seconds.append(elapsed)
                dataflow.append(min(_dataflow_seconds(cfg, table, fn) for _ in range(repeats)))
    return steps, seconds, dataflow, functions, over_budget


def _dataflow_seconds(cfg, table, fn) -> float:
    start = time.thread_time()
    analyse_function(cfg, table, {}, fn.annotations)
    return time.thread_time() - start


_CALL = re.compile(r"^(\s*)(\w+)\((.*)\);\s*$")
_PLAIN = ("spinlock", "mutex", "rwsem", "rwlock", "raw spinlock")
_EXPECTED = {"A": "LK001", "B": "LK001", "C": "LK002", "D": "LK001", "E": "LK004", "F": "LK003"}


def lock_keys(path: str, text: str) -> Counter:
    state = FileState(path, text)
    ctx = FileContext(path, state, parse_file(path, text), default_rules(), Memo())
    return Counter((f.code, f.location.function) for c in CHECKS for f in c.run(ctx))


def _braceless(line: str) -> bool:
    text = line.strip()
    control = text.startswith(("if", "else", "for", "while")) and text.endswith(")")
    return control or text.endswith("else")


def _sites(root: Path) -> Iterator[tuple[Path, str, list[str], object, list, list]]:
    table = lock_table()
    acquires = {
        n for n, r in table.acquires.items() if not r.acquired_when and r.lock and r.cls in _PLAIN
    }
    releases = {n for n in acquires for n in table.acquires[n].releases}
    for path in sorted(root.rglob("*.c")):
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        lines = text.split("\n")
        for fn in parse_file(str(path), text).functions:
            body = range(fn.body_line, fn.end_line)
            calls = [(i, m) for i in body if (m := _CALL.match(lines[i - 1]))]
            taken = [(i, m) for i, m in calls if m.group(2) in acquires]
            dropped = [(i, m) for i, m in calls if m.group(2) in releases]
            if taken and dropped and not any(_braceless(lines[i - 2]) for i, _ in taken + dropped):
                yield path, text, lines, fn, taken, dropped


def _return(fn) -> str:
    if fn.return_type == "void":
        return "return;"
    return "return NULL;" if fn.return_type.endswith("*") else "return -EINVAL;"


def mutate(kind: str, lines: list[str], fn, taken: list, dropped: list) -> list[str] | None:
    """The function's lines with one mutation applied, or None when it does not apply."""
    out = list(lines)
    first, acquire = taken[0]
    last, release = dropped[-1]
    guard = f"{acquire.group(1)}if (unlikely(reviewtool_cond()))\n{acquire.group(1)}\t"
    if kind == "A":
        for line, _ in dropped:
            if line > first and out[line].strip().startswith(("return", "goto")):
                del out[line - 1]
                return out
        return None
    if kind == "E":
        others = [m.group(3) for _, m in taken + dropped if m.group(3) != release.group(3)]
        if not others:
            return None
        out[last - 1] = f"{release.group(1)}{release.group(2)}({others[0]});"
        return out
    edits = {
        "B": lambda: out.pop(last - 1),
        "C": lambda: out.insert(first, out[first - 1]),
        "D": lambda: out.insert(first, guard + _return(fn)),
        "F": lambda: out.insert(last, out[last - 1]),
        "comment": lambda: out.insert(first, f"{acquire.group(1)}/* benign */"),
        "assert": lambda: out.insert(
            first, f"{acquire.group(1)}lockdep_assert_held({acquire.group(3).split(',')[0]});"
        ),
        "early": lambda: out.insert(first - 1, guard + _return(fn)),
    }
    edits[kind]()
    return out


def mutation_scores(root: Path, count: int, seed: int) -> dict[str, Counter]:
    sites = list(_sites(root))
    random.Random(seed).shuffle(sites)
    scores: dict[str, Counter] = {}
    for path, text, lines, fn, taken, dropped in sites[:count]:
        before = lock_keys(str(path), text)
        for kind in [*_EXPECTED, "comment", "assert", "early"]:
            mutated = mutate(kind, lines, fn, taken, dropped)
            if mutated is None:
                continue
            new = lock_keys(str(path), "\n".join(mutated)) - before
            score = scores.setdefault(kind, Counter())
            score["cases"] += 1
            want = _EXPECTED.get(kind)
            score["hits"] += bool(want and new.get((want, fn.name)))
            stray = [k for k in new if want is None or k[1] != fn.name]
            score["stray"] += bool(stray)
    return scores


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, default=default_dir())
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mutations", type=int, default=0, metavar="N")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3, help="dataflow timings per function")
    args = parser.parse_args(argv)
    if not args.directory.is_dir():
        print(f"not a directory: {args.directory}", file=sys.stderr)
        return 2
    print(f"reviewtool scan --select LK {args.directory}")
    if args.runs:
        times = scan_seconds(args.directory, args.runs)
        print(f"  whole process: median {statistics.median(times):.2f} s over {args.runs} runs")
    steps, seconds, dataflow, functions, over = function_costs(args.directory, args.repeats)
    print(f"  functions: {functions}, with lock work: {len(steps)}, over budget: {over}")
    print(
        f"  steps per function: median {percentile(steps, 0.5):.0f}, "
        f"p99 {percentile(steps, 0.99):.0f}, max {max(steps, default=0)} (budget {MAX_STEPS})"
    )
    print(
        f"  CPU ms per function: median {1000 * percentile(seconds, 0.5):.2f}, "
        f"p99 {1000 * percentile(seconds, 0.99):.2f}, max {1000 * max(seconds, default=0):.2f}"
    )
    print(
        f"  dataflow alone, CPU ms per function (fastest of {args.repeats}): "
        f"median {1000 * percentile(dataflow, 0.5):.3f}, "
        f"p99 {1000 * percentile(dataflow, 0.99):.2f}"
    )
    if args.mutations:
        root = args.directory.parent
        print(f"synthetic mutations of {args.mutations} functions under {root} (seed {args.seed})")
        for kind, score in mutation_scores(root, args.mutations, args.seed).items():
            found = f"found {score['hits']:4}" if kind in _EXPECTED else " " * 10
            print(
                f"  {kind:8} {score['cases']:4} cases  {found}  new keys elsewhere {score['stray']}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
