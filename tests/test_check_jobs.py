"""check --jobs: the file checks of a series' files in forked workers (lanes.py) give the
report of one job, byte for byte."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
from pathlib import Path

import pytest

from reviewtool.checks import ALL
from reviewtool.engine import run_series
from reviewtool.lanes import file_findings_by_lane, lanes
from reviewtool.model import FileState
from reviewtool.resources import default_rules
from reviewtool.tree import GitTree
from tests.bisect_support import make_series
from tests.corpus import corpus_dir

LOCKS = Path(__file__).parent / "fixtures" / "locks"


def _base() -> dict[str, str]:
    return {f"drivers/x/{p.name}": p.read_text() for p in sorted(LOCKS.glob("*.c"))[:4]}


def _steps(base: dict[str, str]) -> list[dict[str, str | None]]:
    """Four patches over three files: unlocks dropped (leaks), a documented function
    added, one file changed twice, one deleted."""
    first, second, third, fourth = sorted(base)

    def without_unlock(text: str) -> str:
        lines = text.splitlines(keepends=True)
        index = next(i for i, line in enumerate(lines) if "unlock(" in line)
        return "".join(lines[:index] + lines[index + 1 :])

    added = "\n/**\n * helper() - a helper\n * @x: a value\n */\nint helper(int x, int y)\n{\n"
    added += "\treturn x + y;\n}\n"
    return [
        {first: without_unlock(base[first]), second: base[second] + added},
        {third: without_unlock(base[third])},
        {first: base[first], fourth: None},
        {second: without_unlock(base[second] + added)},
    ]


def _report(jobs: int) -> tuple[str, list]:
    base = _base()
    made, snapshots, tree = make_series(base, _steps(base))

    def base_file(path: str) -> FileState | None:
        text = tree.read(path)
        return FileState(path, text) if text is not None else None

    findings, _ = run_series(made, snapshots, ALL, default_rules(), base_file=base_file, jobs=jobs)
    return "\n".join(repr(f) for f in findings), findings


def test_two_workers_find_what_one_finds():
    base = _base()
    _, snapshots, _ = make_series(base, _steps(base))
    work = lanes(snapshots)
    assert len(work) == 4  # one lane per file: work to share out
    derived = file_findings_by_lane(snapshots, ALL, default_rules(), 2)
    assert set(derived) == {pair for lane in work for pair in lane}  # workers did it all
    one, found = _report(1)
    two, _ = _report(2)
    assert one == two
    codes = {f.code for f in found if f.introduced_in}
    assert "LK001" in codes and codes & {"KD001", "KD002", "KD004"}  # file checks ran
    assert any(f.fixed_in for f in found)  # patch 3 restores the first file


def _cgroups_mbox() -> Path:
    threads = corpus_dir() / "mbox" / "lore-cgroups-threads"
    return threads / "20221003154459.207538-1-longman@redhat.com.mbox"


def _json_with_one_and_two_jobs(*arguments: str) -> list[subprocess.CompletedProcess]:
    command = [sys.executable, "-m", "reviewtool", "check", "--format", "json", *arguments]
    return [subprocess.run([*command, "--jobs", jobs], capture_output=True) for jobs in "12"]


@pytest.mark.corpus
def test_check_jobs_prints_what_one_job_prints():
    one, two = _json_with_one_and_two_jobs(str(_cgroups_mbox()))
    assert b'"code": "KD004"' in one.stdout  # file checks of several files
    assert one.stdout == two.stdout and one.returncode == two.returncode


@pytest.mark.corpus
def test_an_earlier_posting_is_analysed_alike_with_workers():
    mbox = str(_cgroups_mbox())
    one, two = _json_with_one_and_two_jobs(mbox, "--since", mbox)
    assert b'"history"' in one.stdout  # the earlier posting was compared
    assert one.stdout == two.stdout and one.returncode == two.returncode


def _read_in_child(tree: GitTree, queue) -> None:
    tree.reopen()
    queue.put(tree.read("a.c"))


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork")
def test_a_forked_worker_reads_the_git_base_through_its_own_process(tmp_path):
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "a.c").write_text("int a;\n")
    git("add", "a.c")
    git("-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-qm", "a")
    with GitTree(tmp_path, "HEAD") as tree:
        context = multiprocessing.get_context("fork")
        queue = context.Queue()
        child = context.Process(target=_read_in_child, args=(tree, queue))
        child.start()
        assert queue.get(timeout=60) == "int a;\n"
        child.join(timeout=60)
        assert tree.read("a.c") == "int a;\n"  # the parent's pipe is untouched
