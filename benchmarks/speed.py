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
checkpatch with its default tree mode, as a maintainer runs it). Runs alternate which goes
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


def run_child(command: list[str], cwd: Path | None = None) -> Run:
    """One process, its CPU time and peak memory from wait4 (output discarded)."""
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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


def compare(name: str, files: list[Path], kernel: Path, rounds: int) -> tuple[Measured, Measured]:
    """Interleaved runs of reviewtool check and checkpatch over the same files."""
    ours_cmd = [sys.executable, "-m", "reviewtool", "check", "--tree", str(kernel)]
    ours_cmd += [str(f) for f in files]
    theirs_cmd = ["perl", "scripts/checkpatch.pl", "-q", *[str(f) for f in files]]
    ours, theirs = Measured(), Measured()
    for round_no in range(rounds):
        pair = [(ours, ours_cmd, None), (theirs, theirs_cmd, kernel)]
        if round_no % 2:
            pair.reverse()
        for measured, command, cwd in pair:
            run = run_child(command, cwd)
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
    measured = Measured([run_child(command) for _ in range(rounds)])
    print(
        f"scan {directory}: {lines} lines, {measured.cpu:.2f} s CPU, "
        f"{lines / measured.cpu:,.0f} lines/s per core, {measured.peak_mib:.1f} MiB",
        flush=True,
    )


def startup(rounds: int) -> None:
    bare = Measured()
    helped = Measured()
    for _ in range(rounds):
        bare.runs.append(run_child([sys.executable, "-c", "pass"]))
        helped.runs.append(run_child([sys.executable, "-m", "reviewtool", "--help"]))
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
    if "help" not in skip:
        startup(max(args.rounds, 10))
    if "seed" not in skip:
        compare("seed", sorted(SEED.glob("*.patch")), kernel, args.rounds)
    if "series" not in skip and args.sizes:
        cpu: dict[int, float] = {}
        with tempfile.TemporaryDirectory(prefix="reviewtool-speed-") as tmp:
            for size in sorted(int(s) for s in args.sizes.split(",")):
                files = generate_series(kernel, Path(tmp), size)
                ours, _theirs = compare(f"same-file {size}", files, kernel, args.rounds)
                cpu[size] = ours.cpu
        sizes = sorted(cpu)
        for small, large in zip(sizes, sizes[1:], strict=False):
            marginal = (cpu[large] - cpu[small]) / (large - small)
            print(f"marginal CPU per patch, {small} to {large} patches: {marginal * 1000:.0f} ms")
        if 64 in cpu and 1000 in cpu:
            allowed = 1.2 * 1000 / 64 * cpu[64]
            print(f"1000 patches: {cpu[1000]:.1f} s CPU, target <= {allowed:.1f} s")
    if "scan" not in skip:
        for directory in args.scan_dir or ["fs/ext4"]:
            scan_rate(kernel, directory, min(args.rounds, 3))
    return 0


if __name__ == "__main__":
    sys.exit(main())
