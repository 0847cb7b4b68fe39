"""`build_series`: the base and every patch of a series applied in a temporary git worktree,
then each tree built in its own worktree (`--jobs` of them), results cached by tree hash."""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import asdict
from pathlib import Path

from reviewtool.build.results import BuildResult, BuildStats, read_error
from reviewtool.build.worktrees import COMMIT_ENV, BuildSession, git, git_out, sigterm_unwinds
from reviewtool.errors import InputError
from reviewtool.model import Series

DEFAULT_TIMEOUT = 20 * 60  # seconds per build
CACHE_DIR = "reviewtool-build-cache"
CACHE_VERSION = "1"


def cache_dir(repo: Path) -> Path:
    common = Path(git_out(repo, "rev-parse", "--git-common-dir"))
    if not common.is_absolute():
        common = (repo / common).resolve()
    return common / CACHE_DIR


class _Cache:
    def __init__(self, root: Path, argv: Sequence[str]) -> None:
        digest = hashlib.sha1("\0".join([CACHE_VERSION, *argv]).encode()).hexdigest()[:16]
        self.dir = root / digest

    def get(self, tree: str) -> tuple[int, str | None] | None:
        try:
            data = json.loads((self.dir / f"{tree}.json").read_text())
            return int(data["returncode"]), data.get("first_error")
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, result: BuildResult) -> None:
        if result.returncode is None:
            return  # a timeout may be the machine's fault: build it again next time
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.dir / f".{result.tree}.{os.getpid()}.{threading.get_ident()}"
        tmp.write_text(json.dumps(asdict(result)))
        os.replace(tmp, self.dir / f"{result.tree}.json")


def _apply_all(
    session: BuildSession, base: str, series: Series, stats: BuildStats
) -> tuple[Path, list[tuple[str, str]]]:
    """Applies the patches one by one in a worktree; (worktree, [(tree, commit)] per step)."""
    worktree = session.add_worktree(base)
    steps = [(git_out(session.repo, "rev-parse", f"{base}^{{tree}}"), base)]
    for step, patch in enumerate(series.patches, start=1):
        applied = git(worktree, "apply", "--index", "--whitespace=nowarn", "-", stdin=patch.diff)
        if applied.returncode != 0:
            stats.not_applied.append(step)
            break
        tree = git_out(worktree, "write-tree")
        message = (patch.subject.title or f"patch {step}") + "\n\n" + patch.commit_message
        commit = git_out(
            worktree,
            "commit-tree",
            tree,
            "-p",
            steps[-1][1],
            stdin=message,
            env=COMMIT_ENV,
        )
        steps.append((tree, commit))
    return worktree, steps


def _chunks(items: list[int], count: int) -> list[list[int]]:
    """`items` in `count` contiguous runs: each worktree builds neighbouring trees in order,
    so make only rebuilds what changed."""
    count = max(1, min(count, len(items)))
    size, extra = divmod(len(items), count)
    runs, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        runs.append(items[start:end])
        start = end
    return [run for run in runs if run]


def build_series(
    repo: Path,
    base: str,
    series: Series,
    command: str,
    *,
    jobs: int = 1,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[BuildResult], BuildStats]:
    """Build the base and every patch of the series. `command` is split with shlex and run
    without a shell in each worktree. Raises InputError when the command or repo is unusable."""
    try:
        argv = shlex.split(command)
    except ValueError as error:
        raise InputError(f"--build-cmd: {error}") from None
    if not argv:
        raise InputError("--build-cmd is empty")
    if jobs < 1:
        raise InputError("--jobs must be at least 1")
    cache = _Cache(cache_dir(repo), argv)
    stats = BuildStats()
    session = BuildSession(repo, argv, timeout)
    results: dict[int, BuildResult] = {}
    try:
        with sigterm_unwinds():
            first_worktree, steps = _apply_all(session, base, series, stats)
            todo = []
            for step, (tree, _commit) in enumerate(steps):
                hit = cache.get(tree)
                if hit is not None:
                    results[step] = BuildResult(step, tree, hit[0], hit[1], cached=True)
                    stats.cached += 1
                else:
                    todo.append(step)
            runs = _chunks(todo, jobs)
            if progress:
                progress(f"{len(todo)} of {len(steps)} trees to build, {stats.cached} cached")

            def worker(index: int, run: list[int]) -> list[BuildResult]:
                worktree = first_worktree if index == 0 else session.add_worktree(steps[run[0]][1])
                done = []
                for step in run:
                    if session.stopping:
                        break
                    tree, commit = steps[step]
                    git_out(worktree, "checkout", "--quiet", "--force", "--detach", commit)
                    if progress:
                        label = "the base" if step == 0 else f"{step}/{len(series.patches)}"
                        progress(f"building {label} (tree {tree[:12]})")
                    log = session.tmp / f"build-{step}.log"
                    code = session.run_command(worktree, log)
                    result = BuildResult(step, tree, code, None if code == 0 else read_error(log))
                    if not session.stopping:
                        cache.put(result)
                    done.append(result)
                return done

            with ThreadPoolExecutor(max_workers=max(1, len(runs))) as pool:
                futures = [pool.submit(worker, i, run) for i, run in enumerate(runs)]
                try:
                    # Wake up often: a signal delivered to a worker thread only runs its
                    # Python handler when the main thread executes bytecode again.
                    while wait(futures, timeout=0.2).not_done:
                        pass
                    for future in futures:
                        for result in future.result():
                            results[result.step] = result
                            stats.built += 1
                except BaseException:
                    session.stopping = True
                    for future in futures:
                        future.cancel()
                    session.close_processes()
                    raise
    finally:
        session.close()
    return [results[step] for step in sorted(results)], stats
