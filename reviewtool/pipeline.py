"""The public entry points: check a series, scan files. Wires ingest → series → tree → engine."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from reviewtool import checks as registry
from reviewtool import memory
from reviewtool.analysis.asserts import inventory as assert_inventory
from reviewtool.checks.base import Check
from reviewtool.engine import FileScanner, Report, run_series, sort_findings
from reviewtool.errors import InputError
from reviewtool.model import FileState, Finding
from reviewtool.parallel import Progress, map_ordered
from reviewtool.resources import Rules, default_rules

SCAN_SUFFIXES = (".c", ".h")
MAX_SCAN_FILE_BYTES = 8 * 1024 * 1024
MAX_SCAN_FILES = 200_000
DEFAULT_HISTORY = 8  # earlier postings compared at most (each costs one more analysis)


def _base_tree(tree: Path | None, base: str | None, repo: Path | None, base_commit: str | None):
    from reviewtool import tree as tree_mod

    if tree is not None:
        if not tree.is_dir():
            raise InputError(f"--tree {tree}: not a directory")
        return tree_mod.DirTree(tree)
    repo_dir = repo or Path.cwd()
    if base is not None:
        return tree_mod.GitTree(repo_dir, base)
    if base_commit and _repo_has_commit(repo_dir, base_commit):
        return tree_mod.GitTree(repo_dir, base_commit)
    return None


def _with_tree_vocabulary(rules: Rules, base_tree) -> Rules:
    """The lock vocabulary derived from the base tree's own headers (lazily, cached)."""
    from reviewtool.analysis.vocab.tree import tree_rules

    return tree_rules(rules, base_tree)


def _repo_has_commit(repo: Path, rev: str) -> bool:
    if not all(c in "0123456789abcdefABCDEF" for c in rev) or not 7 <= len(rev) <= 64:
        return False
    try:
        result = subprocess.run(
            ["git", "-C", str(repo), "cat-file", "-e", f"{rev}^{{commit}}"],
            capture_output=True,
            timeout=30,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def check(
    sources: Sequence[str],
    *,
    tree: Path | None = None,
    base: str | None = None,
    repo: Path | None = None,
    version: int | None = None,
    rules: Rules | None = None,
    select: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
    stdin: BinaryIO | None = None,
    build_cmd: str | None = None,
    jobs: int = 1,
    file_jobs: int = 1,
    build_timeout: float | None = None,
    progress: Callable[[str], None] | None = None,
    since: Sequence[str] = (),
    history: int = DEFAULT_HISTORY,
    base_candidates: Sequence[str] = (),
) -> Report:
    """Read a series and run every selected check at every patch; with `build_cmd`, also
    build every patch in temporary git worktrees (BS008, needs a git base), `jobs` at once.
    `file_jobs` worker processes share the file checks of the series' files (lanes.py);
    the report is the same for any number.

    Earlier postings of the series (other versions in the input, the postings of `since`;
    at most `history` of them) are analysed on the same base too, so that each finding
    says whether it is new or persisting and the report lists what they had that is gone.
    Each earlier posting costs about one more analysis; without any, nothing extra runs.

    When the series does not apply (or `base_candidates` are named), the revisions of the
    repository it might apply to are tried (tree/candidates.py) and a NOTE says which take it."""
    from reviewtool import ingest
    from reviewtool import series as series_mod
    from reviewtool import tree as tree_mod

    rules = rules or default_rules()
    chosen = registry.select(select, ignore)
    messages = ingest.read_messages(sources, stdin)
    since_messages = _read_since(since, stdin)
    series = series_mod.assemble(messages, version)
    base_tree = _base_tree(tree, base, repo, series.base_commit)
    rules = _with_tree_vocabulary(rules, base_tree)
    building = bool(build_cmd) and any(c.code == "BS008" for c in chosen)
    if building and not isinstance(base_tree, tree_mod.GitTree):
        raise InputError(
            "--build-cmd needs a git base: --base REV, or a base-commit: the repository has"
        )
    try:
        step_line = Progress("check", len(series.patches))
        extras = _PatchInfo(rules, step_line)
        try:
            if file_jobs > 1 and base_tree is not None:
                rules.table("locks-derived")  # derived once, here, not in every worker
            snapshots, findings, cache = _analyse(
                series, base_tree, chosen, rules, on_step=extras, jobs=file_jobs
            )
        finally:
            step_line.close()
        if any(check.code == "BS001" for check in chosen):
            tried, findings = _base_candidates(series, base_tree, repo, base_candidates, findings)
        else:
            tried = ()
        if building:
            findings = _with_builds(
                findings, series, base_tree, build_cmd, jobs, build_timeout, progress
            )
        findings, info = _numbered_by_patch(series, findings, extras.info)
        earlier, notes = _earlier(
            messages, series, since_messages, history, base_tree, chosen, rules, cache, file_jobs
        )
    finally:
        close = getattr(base_tree, "close", None)
        if close is not None:
            close()
    current = memory.Posting(series, tuple(findings), tuple(snapshots))
    findings, remembered = memory.remember(current, earlier, [*messages, *since_messages])
    selected = {check.code for check in chosen}
    findings = sort_findings([*findings, *(n for n in notes if n.code in selected)])
    describe = getattr(base_tree, "describe", None)
    return Report(
        series=series,
        snapshots=tuple(snapshots),
        findings=tuple(findings),
        checks=chosen,
        patch_info=info,
        base_description=describe() if describe else None,
        memory=remembered,
        base_candidates=tried,
    )


def _base_candidates(series, base_tree, repo, revs, findings):
    """The base candidates tried, and the findings with the NOTE about them (if any)."""
    from reviewtool.tree import candidates

    repo_dir = repo if repo is not None else Path.cwd()
    if not _is_git(repo_dir):
        if revs:
            raise InputError("--base-candidate needs a git repository: -C REPO")
        return (), findings
    describe = getattr(base_tree, "describe", None)
    tried, note = candidates.examine(
        series, base_tree, repo_dir, revs, findings, describe() if describe else None
    )
    return tried, findings if note is None else [*findings, note]


def _is_git(path: Path) -> bool:
    try:
        result = subprocess.run(
            ["git", "-C", str(path), "rev-parse", "--git-dir"], capture_output=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def _analyse(series, base_tree, chosen, rules, cache=None, on_step=None, jobs=1):
    """Snapshots and findings of one posting (the engine's step numbers)."""
    from reviewtool import tree as tree_mod

    snapshots, early = tree_mod.build_snapshots(series, base_tree)
    findings, cache = run_series(
        series,
        snapshots,
        chosen,
        rules,
        cache=cache,
        early_findings=early,
        base_file=_base_file_reader(base_tree),
        on_step=on_step,
        jobs=jobs,
    )
    return snapshots, findings, cache


def _read_since(since: Sequence[str], stdin: BinaryIO | None) -> list:
    from reviewtool import ingest

    if not since:
        return []
    messages = ingest.read_messages(since, stdin)
    if not any(m.kind == "patch" for m in messages):
        raise InputError(f"--since {' '.join(since)}: no patch found there")
    return messages


def _earlier(messages, series, since_messages, history, base_tree, chosen, rules, cache, jobs):
    """The earlier postings, analysed on the same base (sharing the parse cache: unchanged
    files are parsed once; `jobs` workers for their file checks, as for the current one),
    and IN011 notes for those left out."""
    from reviewtool.memory.chain import earlier_postings

    if history <= 0:
        return [], []
    chain, notes = earlier_postings(messages, series, since_messages, history)
    postings = []
    for old in chain:
        snapshots, found, cache = _analyse(old, base_tree, chosen, rules, cache, jobs=jobs)
        found, _ = _numbered_by_patch(old, found, {})
        postings.append(memory.Posting(old, tuple(found), tuple(snapshots)))
    return postings, notes


def _numbered_by_patch(series, findings, patch_info):
    """The engine counts steps (the k-th patch present); readers count patches as the mails
    number them. They differ when the input lacks a patch ("1/6, 2/6, 4/6": step 3 is 4/6),
    so findings and per-patch extras are renumbered to `Patch.index` before anyone reads."""
    index_of = {step: patch.index for step, patch in enumerate(series.patches, start=1)}
    if all(step == index for step, index in index_of.items()):
        return findings, patch_info

    def number(step: int | None) -> int | None:
        return index_of.get(step, step) if step else step

    def renumber(finding):
        location = replace(finding.location, patch=number(finding.location.patch))
        evidence = tuple(replace(e, patch=number(e.patch)) for e in finding.evidence)
        return replace(
            finding,
            location=location,
            evidence=evidence,
            introduced_in=number(finding.introduced_in),
            fixed_in=number(finding.fixed_in),
        )

    info = {number(step): value for step, value in patch_info.items()}
    return [renumber(f) for f in findings], info


def _with_builds(findings, series, base_tree, command, jobs, timeout, progress):
    from reviewtool import build
    from reviewtool.engine import sort_findings

    results, stats = build.build_series(
        base_tree.repo,
        base_tree.commit,
        series,
        command,
        jobs=jobs,
        timeout=timeout or build.DEFAULT_TIMEOUT,
        progress=progress,
    )
    return sort_findings([*findings, *build.build_findings(results, stats, series, command)])


def _base_file_reader(base_tree):
    if base_tree is None:
        return lambda path: None
    cache: dict[str, FileState | None] = {}

    def read(path: str) -> FileState | None:
        if path not in cache:
            text = base_tree.read(path)
            cache[path] = FileState(path, text) if text is not None else None
        return cache[path]

    return read


class _PatchInfo:
    """Per-patch extras for renderers: the asserts each patch adds, removes or changes,
    gathered step by step while the engine runs (an engine `on_step` hook). Only the
    functions the patch can have changed are compared (asserts elsewhere match themselves);
    a renamed file is compared with its old self, so a move adds no assert."""

    def __init__(self, rules: Rules, progress: Progress | None = None) -> None:
        self.rules = rules
        self.info: dict[int, dict] = {}
        self.progress = progress  # advanced once a step

    def __call__(self, step, before, after, facts, focus) -> None:  # noqa: ANN001
        from dataclasses import replace

        renamed_from = {new: old for old, new in after.renamed}
        sources = set(renamed_from.values())
        changes = []
        for path in sorted(after.touched - sources):
            if not path.endswith((".c", ".h")):
                continue
            old = before.files.get(renamed_from.get(path, path))
            new = after.files.get(path)
            names = focus(old, new)
            pair = [facts(state) if state is not None else None for state in (old, new)]
            if names is not None:
                pair = [
                    replace(f, functions=tuple(fn for fn in f.functions if fn.name in names))
                    for f in pair
                ]
            changes.extend(assert_inventory(pair[0], pair[1], self.rules))
        self.info[step] = {"asserts": changes}
        if self.progress is not None:
            self.progress.advance()


_SCANNER: FileScanner | None = None  # this process' (a worker's) scanner, for _scan_file


def _start_scanner(checks: Sequence[Check] | None, rules: Rules | None) -> None:
    global _SCANNER
    _SCANNER = FileScanner(checks, rules) if checks is not None and rules is not None else None


def _scan_file(path: Path) -> tuple[Finding, ...]:
    assert _SCANNER is not None
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    return _SCANNER.findings(FileState(str(path), text))


def iter_source_files(paths: Sequence[Path]) -> Iterator[Path]:
    """C files under the given files/directories, sorted, symlinks not followed."""
    count = 0
    for root in paths:
        if not root.exists():
            raise InputError(f"{root}: no such file or directory")
        candidates = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in candidates:
            if path.is_symlink() or not path.is_file() or path.suffix not in SCAN_SUFFIXES:
                continue
            count += 1
            if count > MAX_SCAN_FILES:
                raise InputError(f"more than {MAX_SCAN_FILES} C files to scan")
            yield path


def scan(
    paths: Sequence[Path],
    *,
    rules: Rules | None = None,
    select: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
    tree: Path | None = None,
    jobs: int = 1,
) -> Report:
    """Whole-file analysis of C files: every file check, nothing diff-aware. With `tree`
    (the kernel tree the files belong to), the lock vocabulary comes from its headers.
    `jobs` worker processes share the files; the report is the same for any number."""
    rules = rules or default_rules()
    base_tree = _base_tree(tree, None, None, None) if tree is not None else None
    rules = _with_tree_vocabulary(rules, base_tree)  # derives while base_tree lives
    chosen = tuple(c for c in registry.select(select, ignore) if c.scope == "file")

    files = [
        path for path in iter_source_files(paths) if path.stat().st_size <= MAX_SCAN_FILE_BYTES
    ]
    if jobs > 1 and base_tree is not None:
        rules.table("locks-derived")  # derived once, here, not in every worker
    from reviewtool.analysis.locks import callees

    progress = Progress("scan", len(files))
    found: list[Finding] = []
    try:
        with callees.parses_kept(callees.SCAN_PARSES):  # its files ask the same headers
            work = map_ordered(_scan_file, files, jobs, _start_scanner, (chosen, rules))
            for file_findings in work:
                found.extend(file_findings)
                progress.advance()
    finally:
        progress.close()
        _start_scanner(None, None)  # the scanner holds this run's rules: let them go
    findings = sort_findings(found)
    scanned = len(files)
    return Report(
        series=None, snapshots=(), findings=tuple(findings), checks=chosen, scanned_files=scanned
    )
