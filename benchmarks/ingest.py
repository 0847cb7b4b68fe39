"""Benchmark: reading and applying a series (ingest + assemble + build_snapshots) against
`git am` of the same mbox in a scratch repository. Prints medians and ratios.

    python benchmarks/ingest.py [--rounds 5] [--corpus DIR]

Two inputs: the seed series (corpus seed-anon-vma/series.mbox on linux-6.12-subset) and a
generated series of 100 patches to one synthetic C file (git format-patch output, made in a
temporary directory). Each round runs ours and git am back to back, alternating which goes
first, so both see the same machine state.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from reviewtool import ingest
from reviewtool import series as series_mod
from reviewtool.tree import DirTree, build_snapshots

GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.org",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.org",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(repo: Path, *args: str) -> bytes:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, env=GIT_ENV
    ).stdout


def scratch_repo(tree: Path, where: Path) -> Path:
    """A git repository whose first commit (tag `base`) is a copy of `tree`."""
    repo = where / "repo"
    shutil.copytree(tree, repo)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "tag", "base")
    return repo


def synthetic_series(where: Path, patches: int = 100, functions: int = 400) -> tuple[Path, Path]:
    """A C file of `functions` small functions and `patches` commits each editing one of
    them, exported with git format-patch. Returns (base tree directory, mbox)."""
    base = where / "synthetic-base"
    (base / "drivers" / "demo").mkdir(parents=True)
    source = base / "drivers" / "demo" / "demo.c"
    bodies = [
        f"static int demo_{n}(struct demo *d)\n{{\n\tint ret = 0;\n\n"
        f"\tspin_lock(&d->lock);\n\td->count += {n};\n\tspin_unlock(&d->lock);\n"
        f"\treturn ret;\n}}\n\n"
        for n in range(functions)
    ]
    source.write_text('#include "demo.h"\n\n' + "".join(bodies))
    work = where / "synthetic-work"
    shutil.copytree(base, work)
    git(work, "init", "-q")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "base")
    git(work, "tag", "base")
    for k in range(patches):
        n = (k * 37) % functions
        bodies[n] = bodies[n].replace("\treturn ret;", f"\tret = demo_check_{k}(d);\n\treturn ret;")
        (work / "drivers" / "demo" / "demo.c").write_text('#include "demo.h"\n\n' + "".join(bodies))
        git(work, "commit", "-q", "-am", f"demo: check {k} in demo_{n}\n\nSigned-off-by: B <b@x>")
    mbox = where / "synthetic.mbox"
    mbox.write_bytes(git(work, "format-patch", "--stdout", "base..HEAD"))
    return base, mbox


def ours(mbox: Path, base: Path) -> int:
    messages = ingest.read_messages([str(mbox)], None)
    series = series_mod.assemble(messages)
    snapshots, findings = build_snapshots(series, DirTree(base))
    if findings:
        raise SystemExit(f"unexpected findings applying {mbox}: {findings[:3]}")
    return len(snapshots) - 1


def git_am(repo: Path, mbox: Path) -> None:
    git(repo, "am", "-q", "--no-3way", "--empty=drop", str(mbox))


def measure(name: str, mbox: Path, base: Path, repo: Path, rounds: int) -> None:
    def timed(action: Callable[[], object]) -> float:
        start = time.perf_counter()
        action()
        return time.perf_counter() - start

    mine: list[float] = []
    theirs: list[float] = []
    steps = ours(mbox, base)  # warm-up (imports, page cache), and a sanity check
    for round_no in range(rounds):
        git(repo, "reset", "-q", "--hard", "base")
        pair = [("ours", lambda: ours(mbox, base)), ("git", lambda: git_am(repo, mbox))]
        if round_no % 2:
            pair.reverse()
        for label, action in pair:
            (mine if label == "ours" else theirs).append(timed(action))
            if label == "git":
                git(repo, "reset", "-q", "--hard", "base")
    ours_median, git_median = statistics.median(mine), statistics.median(theirs)
    print(
        f"{name:<28} {steps:>4} patches  ours {ours_median * 1000:8.1f} ms  "
        f"git am {git_median * 1000:8.1f} ms  ratio {ours_median / git_median:5.2f}"
    )


def main() -> int:
    default_corpus = os.environ.get("REVIEWTOOL_CORPUS") or str(
        Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
    )
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--corpus", default=default_corpus)
    args = parser.parse_args()
    corpus = Path(args.corpus)
    with tempfile.TemporaryDirectory(prefix="reviewtool-bench-") as tmp:
        where = Path(tmp)
        seed = corpus / "seed-anon-vma" / "series.mbox"
        subset = corpus / "linux-6.12-subset"
        if seed.is_file() and subset.is_dir():
            (where / "seed").mkdir()
            measure(
                "seed-anon-vma", seed, subset, scratch_repo(subset, where / "seed"), args.rounds
            )
        else:
            print(f"seed series skipped: no corpus at {corpus}")
        (where / "synthetic").mkdir()
        base, mbox = synthetic_series(where / "synthetic")
        measure(
            "synthetic 100 patches", mbox, base, scratch_repo(base, where / "syn-repo"), args.rounds
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
