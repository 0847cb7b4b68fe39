"""--build-cmd for real: a small C project in a temporary git repository, built by make and gcc
at each patch of a 3-patch series whose 2nd patch breaks the build."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewtool import build, pipeline
from reviewtool.cli import main
from reviewtool.errors import InputError

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("git", "make", "gcc")), reason="needs git, make, gcc"
)

MAKEFILE = """\
CFLAGS = -Wall -Werror -O0
prog: main.o util.o
\t$(CC) -o $@ main.o util.o
%.o: %.c util.h
\t$(CC) $(CFLAGS) -c $<
"""
UTIL_H = "int add(int a, int b);\n"
UTIL_C = '#include "util.h"\n\nint add(int a, int b)\n{\n\treturn a + b;\n}\n'
MAIN_C = '#include "util.h"\n\nint main(void)\n{\n\treturn add(1, 2) == 3 ? 0 : 1;\n}\n'


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Jane Dev",
        "GIT_AUTHOR_EMAIL": "jane@example.org",
        "GIT_COMMITTER_NAME": "Jane Dev",
        "GIT_COMMITTER_EMAIL": "jane@example.org",
        "GIT_CONFIG_GLOBAL": "/dev/null",
    }
    result = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True
    )
    return result.stdout.strip()


def commit(repo: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        (repo / name).write_text(text)
    git(repo, "add", *files)
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """(repo, series.mbox): base tagged `base`, then three patches; 2/3 breaks the build.
    Worktrees go to a temp dir of this test's own, so parallel runs cannot see each other."""
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(
        repo, {"Makefile": MAKEFILE, "util.h": UTIL_H, "util.c": UTIL_C, "main.c": MAIN_C}, "base"
    )
    git(repo, "tag", "base")
    commit(
        repo,
        {"util.c": UTIL_C + "\nint sub(int a, int b)\n{\n\treturn a - b;\n}\n"},
        "util: add sub()",
    )
    broken = MAIN_C.replace("add(1, 2) == 3", "add(1, 2) == 3 && mul(2, 2) == 4")
    commit(repo, {"main.c": broken}, "main: check mul()")
    commit(
        repo,
        {
            "util.h": UTIL_H + "int mul(int a, int b);\n",
            "util.c": UTIL_C.replace(
                "return a + b;\n}\n",
                "return a + b;\n}\n\nint mul(int a, int b)\n{\n\treturn a * b;\n}\n",
            ),
        },
        "util: add mul()",
    )
    patches = tmp_path / "patches"
    git(repo, "format-patch", "-q", "--cover-letter", "-o", str(patches), "base..main")
    mbox = tmp_path / "series.mbox"
    mbox.write_text("".join(p.read_text() for p in sorted(patches.glob("*.patch"))))
    git(repo, "checkout", "-q", "base")
    return repo, mbox


def worktrees(repo: Path) -> list[str]:
    return [
        line
        for line in git(repo, "worktree", "list", "--porcelain").splitlines()
        if line.startswith("worktree ")
    ]


def test_build_names_the_breaking_patch_and_cleans_up(project):
    repo, mbox = project
    report = pipeline.check(
        [str(mbox)], base="base", repo=repo, select=("BS008",), build_cmd="make -s", jobs=2
    )
    failed = [f for f in report.findings if f.code == "BS008"]
    assert [(f.patch, f.fixed_in) for f in failed] == [(2, 3)]
    assert "main.c:5:" in failed[0].message and "error:" in failed[0].message
    assert "mul" in failed[0].message
    assert failed[0].location.path == "main.c" and failed[0].location.line == 5
    assert len(worktrees(repo)) == 1  # only the repository's own
    assert not list(Path(tempfile.gettempdir()).glob("reviewtool-build-*/wt*"))


def test_second_run_hits_the_cache(project):
    repo, mbox = project
    series = pipeline_series(mbox)
    base = git(repo, "rev-parse", "base")
    first, stats = build.build_series(repo, base, series, "make -s")
    assert (stats.built, stats.cached) == (4, 0)  # the base and three patches
    cached_files = sorted(build.cache_dir(repo).rglob("*.json"))
    assert len(cached_files) == 4
    again, stats = build.build_series(repo, base, series, "make -s")
    assert (stats.built, stats.cached) == (0, 4)
    assert [(r.step, r.ok) for r in again] == [(r.step, r.ok) for r in first]
    assert [r.ok for r in again] == [True, True, False, True]
    assert len(worktrees(repo)) == 1


def test_a_timeout_kills_the_build_and_is_not_cached(project):
    repo, mbox = project
    series = pipeline_series(mbox)
    base = git(repo, "rev-parse", "base")
    results, stats = build.build_series(repo, base, series, "sleep 30", timeout=1, jobs=4)
    assert [r.returncode for r in results] == [None] * 4
    assert stats.built == 4 and not list(build.cache_dir(repo).rglob("*.json"))
    findings = build.build_findings(results, stats, series, "sleep 30")
    assert [(f.patch, f.severity.label) for f in findings] == [(0, "warning")]
    assert len(worktrees(repo)) == 1


_BUILD_IN_A_CHILD = """
import sys
from pathlib import Path
from reviewtool import build, ingest, series
repo, base, mbox, command = sys.argv[1:]
patches = series.assemble(ingest.read_messages([mbox], None))
try:
    build.build_series(Path(repo), base, patches, command, jobs=2)
except build.BuildInterrupted:
    sys.exit(42)
"""


def test_sigterm_during_a_build_removes_the_worktrees(project, tmp_path):
    repo, mbox = project
    base = git(repo, "rev-parse", "base")
    # The build command signals the process running the build, as `kill` from another
    # terminal would: a child Python, never the test runner itself.
    command = "sh -c 'kill -TERM $PPID; sleep 20'"
    child = subprocess.run(
        [sys.executable, "-c", _BUILD_IN_A_CHILD, str(repo), base, str(mbox), command],
        env={**os.environ, "TMPDIR": str(tmp_path / "tmp")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == 42, child.stderr[-500:]
    assert len(worktrees(repo)) == 1
    assert not list(build.cache_dir(repo).rglob("*.json"))
    assert not list((tmp_path / "tmp").glob("reviewtool-build-*"))


def test_build_needs_a_git_base(project, tmp_path):
    _repo, mbox = project
    with pytest.raises(InputError, match="needs a git base"):
        pipeline.check([str(mbox)], tree=tmp_path, build_cmd="make")


def test_cli_reports_the_build_failure(project):
    repo, mbox = project
    result = CliRunner().invoke(
        main,
        [
            "check",
            str(mbox),
            "-C",
            str(repo),
            "--base",
            "base",
            "--select",
            "BS008",
            "--build-cmd",
            "make -s",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 1, result.output
    assert "BS008" in result.output and "main.c:5:" in result.output
    result = CliRunner().invoke(
        main, ["check", str(mbox), "-C", str(repo), "--base", "base", "--build-cmd", "make 'x"]
    )
    assert result.exit_code == 2


def test_first_error_prefers_the_compiler_line():
    log = (
        b"cc -c main.c\nmain.c: In function 'main':\n"
        b"main.c:5:30: error: implicit declaration of function 'mul'\n"
        b"make: *** [Makefile:4: main.o] Error 1\n"
    )
    assert build.first_error(log) == "main.c:5:30: error: implicit declaration of function 'mul'"
    assert build.first_error(b"ld: cannot find -lfoo\ncollect2: error: ld returned 1\n") == (
        "collect2: error: ld returned 1"
    )
    assert build.first_error(b"") is None


def pipeline_series(mbox: Path):
    from reviewtool import ingest
    from reviewtool import series as series_mod

    return series_mod.assemble(ingest.read_messages([str(mbox)], None))
