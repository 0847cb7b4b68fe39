"""Speed and memory of `reviewtool check --tree` against the kernel's own scripts/checkpatch.pl
over the same patch files, on series generated from a kernel tree; plus `scan` throughput and
the start-up cost of `--help`.

    python benchmarks/speed.py KERNEL_TREE [--sizes 8,64,1000] [--rounds 5] [--scan-dir fs/ext4]

Series:
- seed: examples/anon-vma-v2/format-patch (its base files are Linux 6.12's), checked with
  `--tree KERNEL_TREE`;
- same-file series of N patches: every patch adds one function (kernel-doc comment, a lock
  taken and released) after a function of mm/memory.c, mm/rmap.c, mm/mmap.c or kernel/fork.c,
  round robin, each applying on the previous (git format-patch output in a temporary
  directory).

Each run is one process: `python -m reviewtool check --tree KERNEL_TREE FILES...` and, in
the kernel tree, `scripts/checkpatch.pl -q FILES...` (the same files, the tree's own
checkpatch with its default tree mode, as a maintainer runs it).

reviewtool keeps base-tree work across runs ($XDG_CACHE_HOME/reviewtool/: the tree's lock
vocabulary, its listing, callee summaries of its other files). Every reviewtool run here gets
a cache directory of its own, made afresh before the run from a template:
- first run: empty (the tree's vocabulary is derived: once per tree; one run);
- cold: only the tree's vocabulary (derived by the first run), nothing else: what earlier
  versions of this benchmark measured. The same-file series are run cold;
- warm (seed only): what checking *another* series on the same tree left (the same-file
  series of 8 patches, checked once), never what the seed itself left;
- re-run (seed only): what a first check of the seed itself left (a CI retry, a second
  look at the same posting): the most the cache can give, not the figure of a new series.

Python runs from bytecode an installed package carries: the children run without
PYTHONDONTWRITEBYTECODE, and reviewtool is imported once before any measurement, so no run
pays for compiling reviewtool's ~150 modules from source (~70 ms a run where that variable
is set and no __pycache__ exists). Runs alternate which goes
first. Times are CPU seconds of the child (user + sys, from os.wait4), medians; peak memory
is the child's maximum resident set. On a shared machine wall-clock times drift with the
load, CPU times much less: trust the CPU medians and the ratios of interleaved runs.
A series whose first run takes over a minute is run once.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "anon-vma-v2" / "format-patch"
FILES = ("mm/memory.c", "mm/rmap.c", "mm/mmap.c", "kernel/fork.c")
LONG_RUN = 60.0  # seconds of wall time past which a series is run once
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Bench Mark",
    "GIT_AUTHOR_EMAIL": "bench@example.org",
    "GIT_COMMITTER_NAME": "Bench Mark",
    "GIT_COMMITTER_EMAIL": "bench@example.org",
    "GIT_AUTHOR_DATE": "2025-01-01T00:00:00+00:00",
    "GIT_COMMITTER_DATE": "2025-01-01T00:00:00+00:00",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


@dataclass
class Run:
    cpu: float  # user + sys seconds of the child
    wall: float
    peak_kib: int
    status: int


@dataclass
class Measured:
    runs: list[Run] = field(default_factory=list)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def peak_mib(self) -> float:
        return max(r.peak_kib for r in self.runs) / 1024


class Caches:
    """Cache directories for reviewtool runs, each made afresh from a template."""

    def __init__(self, where: Path) -> None:
        self.where = where
        self.run_dir = where / "run"

    def template(self, name: str) -> Path:
        return self.where / name

    def fresh(self, template: str | None) -> dict[str, str]:
        """The environment of a run whose cache starts as `template` holds (None: empty)."""
        shutil.rmtree(self.run_dir, ignore_errors=True)
        if template is None:
            self.run_dir.mkdir(parents=True)
        else:
            shutil.copytree(self.template(template), self.run_dir)
        return {**CHILD_ENV, "XDG_CACHE_HOME": str(self.run_dir)}

    def keep(self, name: str, only: tuple[str, ...] = ()) -> None:
        """Make the run directory's cache (`only` these kinds, when given) a template."""
        target = self.template(name)
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(self.run_dir, target)
        if only:
            for kind in (target / "reviewtool").iterdir():
                if kind.name not in only:
                    shutil.rmtree(kind)


def run_child(command: list[str], cwd: Path | None = None, env: dict | None = None) -> Run:
    """One process, its CPU time and peak memory from wait4 (output discarded)."""
    start = time.perf_counter()
    child = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    return Run(usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss, child.returncode)


def git(repo: Path, *args: str) -> bytes:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, env=GIT_ENV
    ).stdout


def new_function(number: int) -> str:
    return (
        "\n/**\n"
        f" * bench_helper_{number}() - count the mappings of @mm under its lock\n"
        " * @mm: the address space\n"
        " *\n"
        " * Return: how many VMAs @mm maps.\n"
        " */\n"
        f"int bench_helper_{number}(struct mm_struct *mm)\n"
        "{\n"
        "\tint count;\n\n"
        "\tmmap_read_lock(mm);\n"
        f"\tcount = mm->map_count + {number};\n"
        "\tmmap_read_unlock(mm);\n"
        "\treturn count;\n"
        "}\n"
    )


def generate_series(kernel: Path, where: Path, count: int) -> list[Path]:
    """`count` patches, each adding a function after a pseudo-randomly chosen function of
    one of FILES (round robin), as git format-patch files."""
    work = where / f"repo-{count}"
    for path in FILES:
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(kernel / path, work / path)
    git(work, "init", "-q")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "base")
    git(work, "tag", "base")
    chooser = random.Random(count)
    texts = {path: (work / path).read_text() for path in FILES}
    for number in range(count):
        path = FILES[number % len(FILES)]
        lines = texts[path].split("\n")
        # after a function's closing brace followed by a blank line, kernel style
        ends = [i for i in range(len(lines) - 1) if lines[i] == "}" and lines[i + 1] == ""]
        at = chooser.choice(ends)
        lines[at + 1 : at + 1] = new_function(number).rstrip("\n").split("\n")
        texts[path] = "\n".join(lines)
        (work / path).write_text(texts[path])
        subject = f"{path.split('/')[0]}: add bench_helper_{number}()"
        git(work, "commit", "-q", "-am", f"{subject}\n\nCount mappings.\n\nSigned-off-by: B <b@x>")
    out = where / f"series-{count}"
    git(work, "format-patch", "-q", "-o", str(out), "base..HEAD")
    shutil.rmtree(work)
    return sorted(out.glob("*.patch"))


def check_command(files: list[Path], kernel: Path) -> list[str]:
    command = [sys.executable, "-m", "reviewtool", "check", "--tree", str(kernel)]
    return command + [str(f) for f in files]


def compare(
    name: str, files: list[Path], kernel: Path, rounds: int, caches: Caches, template: str | None
) -> tuple[Measured, Measured]:
    """Interleaved runs of reviewtool check (its cache made afresh from `template` before
    each) and checkpatch over the same files."""
    ours_cmd = check_command(files, kernel)
    theirs_cmd = ["perl", "scripts/checkpatch.pl", "-q", *[str(f) for f in files]]
    ours, theirs = Measured(), Measured()
    for round_no in range(rounds):
        pair = [(ours, ours_cmd, None), (theirs, theirs_cmd, kernel)]
        if round_no % 2:
            pair.reverse()
        for measured, command, cwd in pair:
            env = caches.fresh(template) if measured is ours else None
            run = run_child(command, cwd, env)
            if measured is ours and run.status not in (0, 1):
                raise SystemExit(f"{name}: reviewtool exited {run.status}: {' '.join(command)}")
            measured.runs.append(run)
        if ours.runs[-1].wall > LONG_RUN:
            break
    print(
        f"{name:<14} {len(files):>5} files  reviewtool {ours.cpu:8.2f} s {ours.peak_mib:7.1f} MiB"
        f"   checkpatch {theirs.cpu:7.2f} s {theirs.peak_mib:6.1f} MiB"
        f"   ratio {ours.cpu / theirs.cpu:5.2f}   ({len(ours.runs)} runs, wall {ours.wall:.2f} s)",
        flush=True,
    )
    return ours, theirs


def first_run(kernel: Path, caches: Caches) -> None:
    """The seed with every cache empty (the tree's vocabulary is derived); its vocabulary
    becomes the cold template."""
    first = run_child(check_command(sorted(SEED.glob("*.patch")), kernel), env=caches.fresh(None))
    if first.status not in (0, 1):
        raise SystemExit(f"first run: reviewtool exited {first.status}")
    print(f"seed, first run on the tree (all caches empty): {first.cpu:.2f} s CPU", flush=True)
    caches.keep("cold", only=("vocab",))


def seed_rows(kernel: Path, rounds: int, caches: Caches, where: Path) -> None:
    """The seed cold, warm from another series (same-file, 8 patches, checked once), and
    re-run (the cache a first check of the seed itself left: a CI retry, a re-review)."""
    seed = sorted(SEED.glob("*.patch"))
    cold, theirs = compare("seed cold", seed, kernel, rounds, caches, "cold")
    other = generate_series(kernel, where / "other", 8)
    filled = run_child(check_command(other, kernel), env=caches.fresh("cold"))
    if filled.status not in (0, 1):
        raise SystemExit(f"filling the cache: reviewtool exited {filled.status}")
    caches.keep("warm")
    warm, theirs_warm = compare("seed warm", seed, kernel, rounds, caches, "warm")
    run_child(check_command(seed, kernel), env=caches.fresh("cold"))
    caches.keep("rerun")
    rerun, theirs_rerun = compare("seed re-run", seed, kernel, rounds, caches, "rerun")
    checkpatch = statistics.median(
        r.cpu for r in theirs.runs + theirs_warm.runs + theirs_rerun.runs
    )
    print(
        f"seed against 0.25x checkpatch ({0.25 * checkpatch:.2f} s): "
        + ", ".join(
            f"{name} {m.cpu:.2f} s ({m.cpu / checkpatch:.2f}x)"
            for name, m in (("cold", cold), ("warm", warm), ("re-run", rerun))
        ),
        flush=True,
    )


def scan_rate(kernel: Path, directory: str, rounds: int) -> None:
    target = kernel / directory
    lines = sum(
        p.read_bytes().count(b"\n")
        for p in target.rglob("*")
        if p.suffix in (".c", ".h") and p.is_file() and not p.is_symlink()
    )
    # one job: the rate per core (the CPU seconds of waited-for workers would count too)
    command = [sys.executable, "-m", "reviewtool", "scan", "--format", "json", "--jobs", "1"]
    command.append(str(target))
    measured = Measured([run_child(command, env=CHILD_ENV) for _ in range(rounds)])
    print(
        f"scan {directory}: {lines} lines, {measured.cpu:.2f} s CPU, "
        f"{lines / measured.cpu:,.0f} lines/s per core, {measured.peak_mib:.1f} MiB",
        flush=True,
    )


def startup(rounds: int) -> None:
    bare = Measured()
    helped = Measured()
    for _ in range(rounds):
        bare.runs.append(run_child([sys.executable, "-c", "pass"], env=CHILD_ENV))
        helped.runs.append(run_child([sys.executable, "-m", "reviewtool", "--help"], env=CHILD_ENV))
    limit = 1.5 * bare.cpu + 0.060
    print(
        f"--help {helped.cpu * 1000:.0f} ms CPU ({helped.wall * 1000:.0f} ms wall) against "
        f"python -c pass {bare.cpu * 1000:.0f} ms ({bare.wall * 1000:.0f} ms wall); "
        f"target <= {limit * 1000:.0f} ms",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kernel", type=Path, help="a Linux 6.12 source tree")
    parser.add_argument("--sizes", default="8,64,1000", help="same-file series lengths")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scan-dir", action="append", help="relative to the tree (fs/ext4)")
    parser.add_argument("--skip", default="", help="comma list of: seed, series, scan, help")
    args = parser.parse_args()
    kernel = args.kernel.resolve()
    if not (kernel / "scripts" / "checkpatch.pl").is_file():
        raise SystemExit(f"{kernel}: no scripts/checkpatch.pl; give a kernel source tree")
    skip = set(filter(None, args.skip.split(",")))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    compiled = [
        sys.executable,
        "-c",
        "import reviewtool.cli, reviewtool.pipeline, reviewtool.formats",
    ]
    run_child(compiled, env=CHILD_ENV)  # bytecode written, as an installation has it
    if "help" not in skip:
        startup(max(args.rounds, 10))
    with tempfile.TemporaryDirectory(prefix="reviewtool-speed-") as tmp:
        caches = Caches(Path(tmp) / "caches")
        if not {"seed", "series"} <= skip:
            first_run(kernel, caches)
        if "seed" not in skip:
            seed_rows(kernel, args.rounds, caches, Path(tmp))
        if "series" not in skip and args.sizes:
            series_rows(kernel, args, caches, Path(tmp))
    if "scan" not in skip:
        for directory in args.scan_dir or ["fs/ext4"]:
            scan_rate(kernel, directory, min(args.rounds, 3))
    return 0


def series_rows(kernel: Path, args: argparse.Namespace, caches: Caches, where: Path) -> None:
    """Same-file series, cold (only the tree's vocabulary cached)."""
    cpu: dict[int, float] = {}
    for size in sorted(int(s) for s in args.sizes.split(",")):
        files = generate_series(kernel, where, size)
        ours, _theirs = compare(f"same-file {size}", files, kernel, args.rounds, caches, "cold")
        cpu[size] = ours.cpu
    sizes = sorted(cpu)
    for small, large in zip(sizes, sizes[1:], strict=False):
        marginal = (cpu[large] - cpu[small]) / (large - small)
        print(f"marginal CPU per patch, {small} to {large} patches: {marginal * 1000:.0f} ms")
    if 64 in cpu and 1000 in cpu:
        allowed = 1.2 * 1000 / 64 * cpu[64]
        print(f"1000 patches: {cpu[1000]:.1f} s CPU, target <= {allowed:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
