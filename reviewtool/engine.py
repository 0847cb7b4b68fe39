"""Runs the checks over every step and decides which patch introduced (and fixed) each finding."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from reviewtool.checks.base import Check, FileContext, Memo, PatchContext, SeriesContext
from reviewtool.csyntax import FactsCache, FileFacts
from reviewtool.mail import parse_diff
from reviewtool.model import FileState, Finding, Location, Series, Snapshot
from reviewtool.resources import Rules

if TYPE_CHECKING:
    from reviewtool.memory import Memory


@dataclass(frozen=True)
class Report:
    """What a run found. `findings` are sorted by patch, path, line; each carries
    introduced_in (None for scan and series-level findings) and fixed_in."""

    series: Series | None
    snapshots: tuple[Snapshot, ...]
    findings: tuple[Finding, ...]
    checks: tuple[Check, ...]
    patch_info: dict[int, dict] = field(default_factory=dict)  # per-patch extras (asserts)
    base_description: str | None = None
    scanned_files: int = 0  # scan: how many C files were read
    memory: Memory | None = None  # earlier postings compared (check with several versions)
    base_candidates: tuple = ()  # tree.candidates.Candidate: other bases tried (on failure)


@dataclass
class _Runner:
    checks: Sequence[Check]
    rules: Rules
    cache: FactsCache
    memo: Memo = field(default_factory=Memo)
    _file_results: dict[tuple[str, str], tuple[Finding, ...]] = field(default_factory=dict)

    @property
    def file_checks(self) -> list[Check]:
        return [check for check in self.checks if check.scope == "file"]

    def file_findings(self, state: FileState) -> tuple[Finding, ...]:
        """Every file check on one file state, once per (path, content)."""
        key = (state.path, state.sha1)
        if key not in self._file_results:
            applicable = [c for c in self.file_checks if state.path.endswith(c.suffixes)]
            found: list[Finding] = []
            if applicable:
                ctx = FileContext(state.path, state, self.cache.facts(state), self.rules, self.memo)
                for check in applicable:
                    found.extend(check.run(ctx))
            self._file_results[key] = tuple(found)
        return self._file_results[key]

    def snapshot_findings(self, snapshot: Snapshot) -> list[Finding]:
        found: list[Finding] = []
        for path in sorted(snapshot.files):
            found.extend(self.file_findings(snapshot.files[path]))
        return found


def added_lines(diff: str) -> dict[str, set[int]]:
    """Post-image line numbers each file of a diff adds or changes."""
    patch_set = parse_diff(diff)
    if patch_set is None:
        return {}
    lines: dict[str, set[int]] = {}
    for patched in patch_set:
        path = patched.path
        targets = lines.setdefault(path, set())
        for hunk in patched:
            # A deletion changes the spot where it happened: mark the line that follows it.
            pending_removal = False
            last_target = max(hunk.target_start, 1)
            for line in hunk:
                if line.is_removed:
                    pending_removal = True
                    continue
                if line.target_line_no is None:
                    continue
                last_target = line.target_line_no
                if line.is_added or pending_removal:
                    targets.add(line.target_line_no)
                pending_removal = False
            if pending_removal:
                targets.add(last_target)
    return lines


def _rename_key(key: str, renames: dict[str, str]) -> str:
    code, _, rest = key.partition("|")
    path, _, tail = rest.partition("|")
    return f"{code}|{renames.get(path, path)}|{tail}"


def _touches_function(
    finding: Finding, facts: Callable[[str], FileFacts | None], changed: dict[str, set[int]]
) -> bool:
    """In a state rebuilt from hunks, a finding is only new when the patch touched its function
    (a hunk can reveal old code that was merely unknown before)."""
    path = finding.location.path
    if path is None:
        return True
    lines = changed.get(path, set())
    fn_name = finding.location.function
    file_facts = facts(path)
    fn = file_facts.function(fn_name) if (file_facts and fn_name) else None
    if fn is None:
        return finding.location.line in lines
    return any(fn.start_line <= line <= fn.end_line for line in lines)


def diff_aware(
    per_step: Sequence[list[Finding]],
    snapshots: Sequence[Snapshot],
    changed: Sequence[dict[str, set[int]]],
    facts_at: Callable[[int, str], FileFacts | None],
) -> list[Finding]:
    """Findings introduced by each patch: keys whose count grows from step k-1 to k.

    fixed_in is the first later step where the count drops back below its level at k."""
    counts = [Counter(f.key for f in found) for found in per_step]
    introduced: list[Finding] = []
    for step in range(1, len(per_step)):
        renames = dict(snapshots[step].renamed)
        before = Counter({_rename_key(k, renames): v for k, v in counts[step - 1].items()})
        grown = {key: counts[step][key] - before[key] for key in counts[step]}
        for finding in per_step[step]:
            if grown.get(finding.key, 0) <= 0:
                continue
            path = finding.location.path
            state = snapshots[step].files.get(path) if path else None
            if (
                state is not None
                and not state.complete
                and not _touches_function(finding, lambda p, s=step: facts_at(s, p), changed[step])
            ):
                continue
            grown[finding.key] -= 1
            fixed = _fixed_in(finding.key, step, counts, snapshots)
            introduced.append(
                replace(
                    finding,
                    location=replace(finding.location, patch=step),
                    evidence=tuple(replace(e, patch=step) for e in finding.evidence),
                    introduced_in=step,
                    fixed_in=fixed,
                )
            )
    return introduced


def _fixed_in(
    key: str, step: int, counts: Sequence[Counter], snapshots: Sequence[Snapshot]
) -> int | None:
    level = counts[step][key]
    current = key
    for later in range(step + 1, len(counts)):
        renames = dict(snapshots[later].renamed)
        current = _rename_key(current, renames)
        if counts[later][current] < level:
            return later
    return None


def run_series(
    series: Series,
    snapshots: Sequence[Snapshot],
    checks: Sequence[Check],
    rules: Rules,
    *,
    cache: FactsCache | None = None,
    early_findings: Iterable[Finding] = (),
    base_file: Callable[[str], FileState | None] = lambda path: None,
) -> tuple[list[Finding], FactsCache]:
    """Every check over the series: file checks per step (diff-aware), patch checks per
    patch, then series checks over the resolved findings. `early_findings` are those the
    tree builder made (BS001, IN010); they are kept when their check is selected."""
    cache = cache or FactsCache(rules)
    runner = _Runner(checks, rules, cache)
    selected = {check.code for check in checks}
    per_step = [runner.snapshot_findings(snapshot) for snapshot in snapshots]
    changed = [{}] + [added_lines(patch.diff) for patch in series.patches]

    def facts_at(step: int, path: str) -> FileFacts | None:
        state = snapshots[step].files.get(path)
        return cache.facts(state) if state is not None else None

    findings = diff_aware(per_step, snapshots, changed, facts_at)
    findings.extend(f for f in early_findings if f.code in selected)
    for step, patch in enumerate(series.patches, start=1):
        if step >= len(snapshots):
            break
        ctx = PatchContext(
            series,
            patch,
            step,
            snapshots[step - 1],
            snapshots[step],
            rules,
            cache.facts,
            runner.memo,
            base_file,
        )
        for check in checks:
            if check.scope == "patch":
                findings.extend(check.run(ctx))
    series_ctx = SeriesContext(
        series, tuple(snapshots), tuple(findings), rules, cache.facts, runner.memo, base_file
    )
    for check in checks:
        if check.scope == "series":
            findings.extend(check.run(series_ctx))
    return sort_findings(findings), cache


def run_files(states: Iterable[FileState], checks: Sequence[Check], rules: Rules) -> list[Finding]:
    """Whole-file analysis (scan): every file check on each state, nothing diff-aware."""
    runner = _Runner(checks, rules, FactsCache(rules, capacity=8))
    found: list[Finding] = []
    for state in states:
        found.extend(runner.file_findings(state))
        runner._file_results.clear()  # scan never revisits a state: keep memory flat
        runner.memo = Memo()
    return sort_findings(found)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    def order(finding: Finding) -> tuple:
        loc: Location = finding.location
        return (loc.patch, loc.path or "", loc.line or 0, finding.code, finding.key)

    return sorted(findings, key=order)
