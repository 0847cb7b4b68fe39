"""`--build-cmd`: builds each step of a series in temporary git worktrees (BS008), cached."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path

from reviewtool.errors import InputError
from reviewtool.model import Finding, Location, Series, Severity, finding_key

DEFAULT_TIMEOUT = 20 * 60  # seconds per build
GIT_TIMEOUT = 120
MAX_LOG_BYTES = 4 * 1024 * 1024  # of a build's output we scan for the first error
CACHE_DIR = "reviewtool-build-cache"
CACHE_VERSION = "1"
_COMPILER_ERROR = re.compile(
    r"^(?P<path>[^\s:][^:\n]*):(?P<line>\d+):(?:(?P<col>\d+):)?\s*(?:fatal )?error:.*$",
    re.MULTILINE,
)
_ANY_ERROR = re.compile(r"^.*\berror\b.*$", re.MULTILINE | re.IGNORECASE)


@dataclass(frozen=True)
class BuildResult:
    step: int
    tree: str
    returncode: int | None  # None: timed out
    first_error: str | None  # `file:line:col: error: ...`, or the best line we found
    cached: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0


@dataclass
class BuildStats:
    built: int = 0
    cached: int = 0
    not_applied: list[int] = field(default_factory=list)  # steps git could not apply


class BuildInterrupted(KeyboardInterrupt):
    """SIGTERM during a build: unwinds like ^C, so the worktrees are removed on the way out."""


# --------------------------------------------------------------------------- git plumbing


def _git_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    env.update(extra or {})
    return env


def _git(
    cwd: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", "-C", str(cwd), *args],
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
            timeout=GIT_TIMEOUT,
            env=_git_env(env),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise InputError(f"git {args[0]} failed: {error}") from None


def _git_out(cwd: Path, *args: str, **kwargs) -> str:
    result = _git(cwd, *args, **kwargs)
    if result.returncode != 0:
        message = (result.stderr.strip().splitlines() or ["failed"])[-1]
        raise InputError(f"git {args[0]}: {message}")
    return result.stdout.strip()


def cache_dir(repo: Path) -> Path:
    common = Path(_git_out(repo, "rev-parse", "--git-common-dir"))
    if not common.is_absolute():
        common = (repo / common).resolve()
    return common / CACHE_DIR


# The commits are internal to one run: a fixed identity, so odd names or dates in the mail
# can never make `git commit-tree` refuse them.
_COMMIT_ENV = {
    "GIT_AUTHOR_NAME": "reviewtool",
    "GIT_AUTHOR_EMAIL": "reviewtool@localhost",
    "GIT_COMMITTER_NAME": "reviewtool",
    "GIT_COMMITTER_EMAIL": "reviewtool@localhost",
}


# --------------------------------------------------------------------------- the session


class BuildSession:
    """Worktrees, running builds and their cleanup. Everything it creates is removed on exit,
    also on ^C, SIGTERM or a crash."""

    def __init__(self, repo: Path, argv: Sequence[str], timeout: float) -> None:
        self.repo = repo
        self.argv = list(argv)
        self.timeout = timeout
        self.tmp = Path(tempfile.mkdtemp(prefix="reviewtool-build-"))
        self.worktrees: list[Path] = []
        self._procs: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()
        self._add_lock = threading.Lock()
        self.stopping = False

    def add_worktree(self, commit: str) -> Path:
        with self._lock:  # the name too: two threads must never both pick wtN
            path = self.tmp / f"wt{len(self.worktrees)}"
            self.worktrees.append(path)
        # One at a time: a `git worktree add` reads every other worktree's admin directory and
        # fails on one another thread is still creating ("failed to read .../commondir").
        with self._add_lock:
            _git_out(self.repo, "worktree", "add", "--quiet", "--detach", str(path), commit)
        return path

    def close_processes(self) -> None:
        self.stopping = True
        with self._lock:
            procs = list(self._procs)
        for proc in procs:
            _kill_group(proc)

    def close(self) -> None:
        self.close_processes()
        for path in self.worktrees:
            _git(self.repo, "worktree", "remove", "--force", str(path))
        _git(self.repo, "worktree", "prune")
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run_command(self, cwd: Path, log: Path) -> int | None:
        """The build command in `cwd`, output to `log`; None when it timed out or we stop."""
        if self.stopping:
            return None
        with open(log, "wb") as out:
            try:
                proc = subprocess.Popen(
                    self.argv,
                    cwd=cwd,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    # Its own process group: a timeout or ^C also kills make's children.
                    start_new_session=True,
                )
            except OSError as error:
                out.write(f"reviewtool: cannot run {self.argv[0]}: {error.strerror}\n".encode())
                return 127
            with self._lock:
                self._procs.add(proc)
            if self.stopping:  # stopped between Popen and add: close_processes missed it
                _kill_group(proc)
            try:
                return proc.wait(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                return None
            finally:
                with self._lock:
                    self._procs.discard(proc)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


@contextlib.contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """Make SIGTERM unwind the stack (running finally blocks), like ^C does."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):  # noqa: ARG001
        raise BuildInterrupted()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# --------------------------------------------------------------------------- results


def first_error(log: bytes) -> str | None:
    text = log[:MAX_LOG_BYTES].decode("utf-8", "replace")
    for pattern in (_COMPILER_ERROR, _ANY_ERROR):
        match = pattern.search(text)
        if match:
            return match.group(0).strip()[:300]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else None


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


# --------------------------------------------------------------------------- the builds


def _apply_all(
    session: BuildSession, base: str, series: Series, stats: BuildStats
) -> tuple[Path, list[tuple[str, str]]]:
    """Applies the patches one by one in a worktree; (worktree, [(tree, commit)] per step)."""
    worktree = session.add_worktree(base)
    steps = [(_git_out(session.repo, "rev-parse", f"{base}^{{tree}}"), base)]
    for step, patch in enumerate(series.patches, start=1):
        applied = _git(worktree, "apply", "--index", "--whitespace=nowarn", "-", stdin=patch.diff)
        if applied.returncode != 0:
            stats.not_applied.append(step)
            break
        tree = _git_out(worktree, "write-tree")
        message = (patch.subject.title or f"patch {step}") + "\n\n" + patch.commit_message
        commit = _git_out(
            worktree,
            "commit-tree",
            tree,
            "-p",
            steps[-1][1],
            stdin=message,
            env=_COMMIT_ENV,
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
        with _sigterm_unwinds():
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
                    _git_out(worktree, "checkout", "--quiet", "--force", "--detach", commit)
                    if progress:
                        label = "the base" if step == 0 else f"{step}/{len(series.patches)}"
                        progress(f"building {label} (tree {tree[:12]})")
                    log = session.tmp / f"build-{step}.log"
                    code = session.run_command(worktree, log)
                    result = BuildResult(step, tree, code, None if code == 0 else _read_error(log))
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


def _read_error(log: Path) -> str | None:
    try:
        with open(log, "rb") as handle:
            return first_error(handle.read(MAX_LOG_BYTES))
    except OSError:
        return None


def _error_location(message: str | None) -> tuple[str | None, int | None]:
    match = _COMPILER_ERROR.match(message or "")
    if not match:
        return None, None
    return match.group("path").removeprefix("./"), int(match.group("line"))


def _error_identity(message: str | None) -> str:
    """The error without its line and column, so it keeps its identity across patches."""
    return re.sub(r":\d+:(\d+:)?", ":", message or "")


def build_findings(
    results: Sequence[BuildResult], stats: BuildStats, series: Series, command: str
) -> list[Finding]:
    """BS008 on each patch after which the build fails while it did not before (or fails
    differently); a warning on the series when the base itself does not build."""
    by_step = {result.step: result for result in results}
    total = len(series.patches)
    found: list[Finding] = []
    base = by_step.get(0)
    if base is not None and not base.ok:
        found.append(_finding(0, f"the base does not build with `{command}`", base, None))
    for step in range(1, total + 1):
        result, before = by_step.get(step), by_step.get(step - 1)
        if result is None or result.ok:
            continue
        same = before is not None and not before.ok
        if same and _error_identity(before.first_error) == _error_identity(result.first_error):
            continue  # the same breakage, still there
        fixed = next((s for s in range(step + 1, total + 1) if by_step.get(s, result).ok), None)
        what = "times out" if result.returncode is None else f"fails (exit {result.returncode})"
        found.append(
            _finding(step, f"`{command}` {what} after {step}/{total}", result, fixed, total)
        )
    return found


def _finding(
    step: int, lead: str, result: BuildResult, fixed: int | None, total: int = 0
) -> Finding:
    path, line = _error_location(result.first_error)
    detail = f": {result.first_error}" if result.first_error else ""
    later = f"; it builds again at {fixed}/{total}" if fixed else ""
    return Finding(
        code="BS008",
        name="build-failed",
        severity=Severity.ERROR if step else Severity.WARNING,
        message=f"{lead}{detail}{later}",
        location=Location(patch=step, path=path, line=line),
        key=finding_key("BS008", path, None, _error_identity(result.first_error)),
        fixed_in=fixed,
    )
