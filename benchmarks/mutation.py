"""Mutation testing of the areas whose tests must notice a change of behaviour: the subject
parser, the applier, the lock flow and summaries, the kernel-doc reader.

Each mutant is one small AST edit of one module (a comparison flipped, a boundary moved, a
condition negated, a constant changed, a statement dropped, a regex quantifier removed). It
is written into a private copy of the checkout and that area's own test files run against it
(`pytest -x`): a failing run kills it; a passing one lets it survive. Survivors judged
equivalent (no input can tell them from the original) are listed in EQUIVALENT with the
reason, and survivors accepted for another reason in ACCEPTED; both are keyed by a mutant id
that names the module, function, operator and source text, not line numbers, so the lists
survive unrelated edits.

    python benchmarks/mutation.py [--area subject|applier|locks|kdoc]... [--max-mutants N]
                                  [--seed S] [--timeout SECONDS] [--jobs N] [--list] [-v]

Prints killed / survived / equivalent per module and area, and every unexplained survivor.
Modules are selected by path patterns, so a module that moves inside its package is still
found (a pattern matching nothing is reported, not ignored).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.mutants import Edit, Mutant, mutants_of, mutated_source  # noqa: E402
from benchmarks.mutation_survivors import ACCEPTED, EQUIVALENT  # noqa: E402


@dataclass(frozen=True)
class Area:
    modules: tuple[str, ...]  # glob patterns relative to the checkout
    tests: tuple[str, ...]  # test files, fastest and most telling first


AREAS: dict[str, Area] = {
    "subject": Area(
        ("reviewtool/subject.py", "reviewtool/subject/*.py"),  # a package one day: still found
        ("tests/test_ingest_subject.py",),
    ),
    "applier": Area(
        ("reviewtool/tree/applier.py", "reviewtool/tree/applier/*.py"),
        ("tests/test_tree.py", "tests/test_tree_vs_git.py", "tests/test_tree_diagnose.py"),
    ),
    "locks": Area(
        (
            "reviewtool/analysis/locks/flow*.py",
            "reviewtool/analysis/locks/summar*.py",
        ),
        (
            "tests/test_locks_fixtures.py",
            "tests/test_locks_messages.py",
            "tests/test_locks_budget.py",
        ),
    ),
    "kdoc": Area(
        # the reader's parts (the package but its data model, entry point and incremental.py)
        tuple(
            f"reviewtool/analysis/kdoc/{name}*.py"
            for name in (
                "read",
                "declaration",
                "follow",
                "lines",
                "params",
                "prototype",
                "types",
                "verdict",
            )
        ),
        (
            "tests/test_kdoc_synthetic.py",
            "tests/test_kdoc_perl.py",
            "tests/test_kdoc_fixtures.py",
            "tests/test_kdoc.py",
        ),
    ),
}


# --------------------------------------------------------------------------- running


@dataclass
class Workspace:
    """A private copy of the checkout; mutants are written into it, never into the real one."""

    root: Path
    originals: dict[str, str] = field(default_factory=dict)

    @classmethod
    def make(cls, parent: Path) -> Workspace:
        root = Path(tempfile.mkdtemp(prefix="reviewtool-mutation-", dir=parent))
        ignore = shutil.ignore_patterns(
            ".git", "__pycache__", ".ruff_cache", ".hypothesis", ".pytest_cache", "*.egg-info"
        )
        for item in ROOT.iterdir():
            if item.name in (".git", ".ruff_cache", ".hypothesis", ".pytest_cache", "build"):
                continue
            target = root / item.name
            if item.is_dir():
                shutil.copytree(item, target, ignore=ignore, symlinks=True)
            else:
                shutil.copy2(item, target)
        return cls(root)

    def write(self, module: str, text: str) -> None:
        path = self.root / module
        self.originals.setdefault(module, path.read_text(encoding="utf-8"))
        path.write_text(text, encoding="utf-8")
        # a mutant of the same size written in the same second would reuse a stale .pyc
        for cached in (path.parent / "__pycache__").glob(f"{path.stem}.*.pyc"):
            cached.unlink()

    def restore(self, module: str) -> None:
        if module in self.originals:
            self.write(module, self.originals[module])

    def run_tests(self, tests: tuple[str, ...], timeout: float) -> tuple[str, float]:
        """'passed', 'failed' or 'timeout', and the seconds the run took."""
        env = {
            **os.environ,
            "PYTHONHASHSEED": "0",
            "REVIEWTOOL_CORPUS": os.environ.get("REVIEWTOOL_CORPUS", ""),
        }
        env.pop("CI", None)  # a test that skips for a missing tool is not a kill
        argv = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
        start = time.monotonic()
        try:
            result = subprocess.run(
                argv, cwd=self.root, env=env, capture_output=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            return "timeout", time.monotonic() - start
        spent = time.monotonic() - start
        if result.returncode == 0:
            return "passed", spent
        if result.returncode in (1, 2):
            return "failed", spent
        tail = result.stdout.decode(errors="replace")[-400:]
        raise RuntimeError(f"pytest exited {result.returncode}: {tail}")

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class Outcome:
    mutant: Mutant
    status: str  # killed, survived, timeout (counted as killed)


def select(area: str, spec: Area) -> list[tuple[Mutant, Edit, str]]:
    """Every mutant of the area's modules (sorted by id), with the module's source."""
    modules: list[str] = []
    for pattern in spec.modules:
        modules += sorted(str(p.relative_to(ROOT)) for p in ROOT.glob(pattern))
    if not modules:
        raise SystemExit(f"mutation: area {area}: no module matches {spec.modules}")
    found: list[tuple[Mutant, Edit, str]] = []
    for module in dict.fromkeys(modules):
        source = (ROOT / module).read_text(encoding="utf-8")
        found += [(m, e, source) for m, e in mutants_of(module, source)]
    return sorted(found, key=lambda item: item[0].id)


def run_area(
    area: str,
    spec: Area,
    chosen: list[tuple[Mutant, Edit, str]],
    workspaces: list[Workspace],
    timeout: float | None,
    verbose: bool,
) -> list[Outcome]:
    for test in spec.tests:
        if not (ROOT / test).is_file():
            raise SystemExit(f"mutation: area {area}: test file {test} is missing")
    status, baseline = workspaces[0].run_tests(spec.tests, timeout=600)
    if status != "passed":
        raise SystemExit(f"mutation: area {area}: the tests fail without any mutant")
    limit = timeout or max(60.0, 5 * baseline)  # wall time: the machine may be shared
    if verbose:
        print(f"  {area}: baseline run {baseline:.1f} s, timeout {limit:.0f} s", flush=True)

    def one(position: int) -> Outcome:
        mutant, edit, source = chosen[position]
        workspace = workspaces[position % len(workspaces)]
        workspace.write(mutant.module, mutated_source(source, mutant, edit))
        try:
            status, _ = workspace.run_tests(spec.tests, timeout=limit)
        finally:
            workspace.restore(mutant.module)
        outcome = {"failed": "killed", "passed": "survived", "timeout": "timeout"}[status]
        if verbose:
            print(f"    {outcome:8} {mutant.id}", flush=True)
        return Outcome(mutant, outcome)

    if len(workspaces) == 1:
        return [one(position) for position in range(len(chosen))]
    outcomes: list[Outcome] = []
    # each worker owns one workspace: positions k, k+jobs, ... go to workspace k
    jobs = len(workspaces)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        lanes = [
            pool.submit(lambda lane: [one(p) for p in range(lane, len(chosen), jobs)], lane)
            for lane in range(jobs)
        ]
        for lane in lanes:
            outcomes += lane.result()
    return sorted(outcomes, key=lambda o: o.mutant.id)


# --------------------------------------------------------------------------- report


def summarise(area: str, outcomes: list[Outcome]) -> tuple[float, list[Outcome]]:
    """Print the area's table; the kill rate over non-equivalent mutants and the survivors
    nobody explained."""
    rows: dict[str, Counter] = {}
    unexplained: list[Outcome] = []
    for outcome in outcomes:
        row = rows.setdefault(outcome.mutant.module, Counter())
        row["mutants"] += 1
        mutant_id = outcome.mutant.id
        if outcome.status in ("killed", "timeout"):
            row["killed"] += 1
            row["timeout"] += outcome.status == "timeout"
        elif mutant_id in EQUIVALENT:
            row["equivalent"] += 1
        else:
            row["survived"] += 1
            row["accepted"] += mutant_id in ACCEPTED
            if mutant_id not in ACCEPTED:
                unexplained.append(outcome)
    total = Counter()
    for module, row in sorted(rows.items()):
        total.update(row)
        print(_row(module, row))
    print(_row(f"{area} (all)", total))
    judged = total["mutants"] - total["equivalent"]
    rate = total["killed"] / judged if judged else 1.0
    return rate, unexplained


def _row(label: str, row: Counter) -> str:
    judged = row["mutants"] - row["equivalent"]
    rate = row["killed"] / judged if judged else 1.0
    return (
        f"  {label:44} {row['mutants']:5} mutants  {row['killed']:5} killed "
        f"({row['timeout']} by timeout)  {row['survived']:4} survived "
        f"({row['accepted']} accepted)  {row['equivalent']:4} equivalent  {rate:6.1%}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--area", action="append", choices=sorted(AREAS))
    parser.add_argument("--max-mutants", type=int, help="seeded sample of this many per area")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--timeout", type=float, help="per mutant (default 5x baseline, >= 60 s)")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--only", help="run the mutants whose id contains this text")
    parser.add_argument(
        "--again", type=Path, help="run only the mutants a previous output lists as survived"
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    areas = args.area or list(AREAS)
    plans: dict[str, list[tuple[Mutant, Edit, str]]] = {}
    for area in areas:
        chosen = select(area, AREAS[area])
        if args.only:
            chosen = [item for item in chosen if args.only in item[0].id]
        if args.again:
            text = args.again.read_text(encoding="utf-8")
            ids = set(re.findall(r"^\s+survived: (.+) \(line \d+\)$", text, re.M))
            chosen = [item for item in chosen if item[0].id in ids]
        if args.max_mutants and len(chosen) > args.max_mutants:
            chosen = sorted(
                random.Random(args.seed).sample(chosen, args.max_mutants),
                key=lambda item: item[0].id,
            )
        plans[area] = chosen
    if args.list:
        for area, chosen in plans.items():
            for mutant, _, _ in chosen:
                print(f"{area}\t{mutant.line}\t{mutant.id}")
        return 0
    planned = {mutant.id for chosen in plans.values() for mutant, _, _ in chosen}
    stale = [mutant_id for mutant_id in [*EQUIVALENT, *ACCEPTED] if mutant_id not in planned]
    # a background job ignores SIGINT: SIGTERM must also leave through `finally` (the
    # workspaces removed, the running pytest killed by subprocess.run)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    scratch = Path(tempfile.mkdtemp(prefix="reviewtool-mutation-"))
    workspaces = [Workspace.make(scratch) for _ in range(max(1, args.jobs))]
    failed = False
    try:
        started = time.monotonic()
        for area, chosen in plans.items():
            print(f"{area}: {len(chosen)} mutants of {', '.join(AREAS[area].modules)}", flush=True)
            outcomes = run_area(area, AREAS[area], chosen, workspaces, args.timeout, args.verbose)
            rate, unexplained = summarise(area, outcomes)
            for outcome in unexplained:
                print(f"    survived: {outcome.mutant.id} (line {outcome.mutant.line})")
            failed |= rate < 0.9
        print(f"{time.monotonic() - started:.0f} s wall")
        if stale and not args.max_mutants and not args.only and not args.area:
            for mutant_id in stale:
                print(f"  listed but no longer a mutant: {mutant_id}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
