"""Runs the checks over every step and decides which patch introduced (and fixed) each finding."""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from reviewtool.checks.base import Check, FileContext, Memo, PatchContext, SeriesContext
from reviewtool.csyntax import FactsCache, FileFacts
from reviewtool.focus import focus as focus_between
from reviewtool.focus import graph, signatures
from reviewtool.lanes import file_findings_by_lane
from reviewtool.mail import parse_diff
from reviewtool.model import FileState, Finding, Location, Series, Snapshot
from reviewtool.resources import Rules

if TYPE_CHECKING:
    from reviewtool.memory import Memory


StepHook = Callable[
    [int, Snapshot, Snapshot, Callable[[FileState], FileFacts], Callable[..., Any]], None
]


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
    _file_results: dict[tuple, tuple[Finding, ...]] = field(default_factory=dict)
    _signatures: OrderedDict[tuple[str, str], dict[str, tuple]] = field(default_factory=OrderedDict)
    _graphs: OrderedDict[tuple[str, str], tuple] = field(default_factory=OrderedDict)
    _focus: OrderedDict[tuple, frozenset[str]] = field(default_factory=OrderedDict)

    @property
    def file_checks(self) -> list[Check]:
        return [check for check in self.checks if check.scope == "file"]

    def file_findings(
        self, state: FileState, focus: frozenset[str] | None = None
    ) -> tuple[Finding, ...]:
        """Every file check on one file state, once per (path, content, focus). Checks that
        are not focus-aware report everything whatever the focus."""
        found: list[Finding] = []
        for check in self.file_checks:
            if state.path.endswith(check.suffixes):
                found.extend(self._check_findings(check, state, focus))
        return tuple(found)

    def _check_findings(
        self, check: Check, state: FileState, focus: frozenset[str] | None
    ) -> tuple[Finding, ...]:
        focus = focus if check.focus_aware else None
        key = (check.code, state.path, state.sha1, focus)
        if key not in self._file_results:
            ctx = FileContext(
                state.path, state, self.cache.facts(state), self.rules, self.memo, focus
            )
            self._file_results[key] = tuple(check.run(ctx))
        return self._file_results[key]

    def focus(self, old: FileState | None, new: FileState | None) -> frozenset[str] | None:
        """What function-scoped checks must compare between two states of a file (None:
        everything, when the file appears or goes): the functions a patch changed, widened
        by the checks that know of more (`widen_focus`: LK's lock contracts)."""
        aware = [c for c in self.file_checks if c.focus_aware]
        if not aware:
            return frozenset() if old is not None and new is not None else None
        names = self.changed_functions(old, new)
        if not names:
            return names
        assert old is not None and new is not None
        before, after = self._context(old), self._context(new)
        for widen in dict.fromkeys(getattr(type(c), "widen_focus", None) for c in aware):
            if widen is not None and old.path.endswith((".c", ".h")):
                names = widen(before, after, names)
        return names

    def changed_functions(
        self, old: FileState | None, new: FileState | None
    ) -> frozenset[str] | None:
        """reviewtool.focus.focus of two states of a file (None when one is missing); the
        engine and the per-patch extras ask it of the same pair."""
        if old is None or new is None:
            return None
        key = (old.path, old.sha1, old.unknown, new.path, new.sha1, new.unknown)
        if key not in self._focus:
            self._focus[key] = focus_between(
                old, new, self.cache.facts, self._signatures_of, self._graph_of
            )
            _bound(self._focus)
        return self._focus[key]

    def _context(self, state: FileState) -> FileContext:
        return FileContext(state.path, state, self.cache.facts(state), self.rules, self.memo)

    def _signatures_of(self, state: FileState) -> dict[str, tuple]:
        key = (state.path, state.sha1)
        if key not in self._signatures:
            self._signatures[key] = signatures(state, self.cache.facts(state))
            _bound(self._signatures)
        return self._signatures[key]

    def _graph_of(self, state: FileState) -> tuple:
        key = (state.path, state.sha1)
        if key not in self._graphs:
            self._graphs[key] = graph(self.cache.facts(state))
            _bound(self._graphs)
        return self._graphs[key]


def _bound(recent: OrderedDict) -> None:
    """What is kept per state or pair of states: those of the current step and the last."""
    if len(recent) > 16:
        recent.popitem(last=False)


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


@dataclass
class _Step:
    """What one patch changed in the file checks' findings: the findings of the changed
    files after it (restricted to the focus) and the count change of each key."""

    found: list[Finding]
    delta: Counter


def _file_pairs(before: Snapshot, after: Snapshot) -> list[tuple[str | None, str | None]]:
    """(old path, new path) of every file whose state differs across one step, in the
    order of the new path (a file that went last, by its old path)."""
    renamed_from = {new: old for old, new in after.renamed}
    sources = set(renamed_from.values())
    pairs: list[tuple[str | None, str | None]] = []
    for path in sorted(set(after.files) | set(before.files)):
        new = after.files.get(path)
        if path in sources and new is None:
            continue  # the source of a rename: compared with its new name
        # a path vacated by a rename and created again in the same patch is a new file
        old_path = renamed_from.get(path, None if path in sources else path)
        old = before.files.get(old_path) if old_path is not None else None
        if old is None and new is None:
            continue
        same = old is not None and new is not None and old_path == path
        if same and (old is new or (old.text == new.text and old.unknown == new.unknown)):
            continue
        pairs.append((old_path if old is not None else None, path if new is not None else None))
    return pairs


def step_changes(
    runner: _Runner, before: Snapshot, after: Snapshot, derived: dict | None = None, step: int = 0
) -> _Step:
    """The file-check findings one patch can have changed, as findings after it and as key
    count changes (keys of the state before renamed like the patch renamed files).
    `derived`: those findings computed already, by (step, old path, new path) (lanes.py)."""
    renames = dict(after.renamed)
    found: list[Finding] = []
    delta: Counter = Counter()
    for old_path, new_path in _file_pairs(before, after):
        old = before.files.get(old_path) if old_path else None
        new = after.files.get(new_path) if new_path else None
        done = derived.get((step, old_path, new_path)) if derived else None
        focus = runner.focus(old, new) if done is None else None
        if new is not None:
            now = runner.file_findings(new, focus) if done is None else done[0]
            found.extend(now)
            delta.update(f.key for f in now)
        if old is not None:
            then = runner.file_findings(old, focus) if done is None else done[1]
            delta.subtract(_rename_key(f.key, renames) for f in then)
    return _Step(found, delta)


def diff_aware(
    steps: Sequence[_Step],
    snapshots: Sequence[Snapshot],
    changed: Sequence[dict[str, set[int]]],
    facts_at: Callable[[int, str], FileFacts | None],
) -> list[Finding]:
    """Findings introduced by each patch: keys whose count grows from step k-1 to k.

    fixed_in is the first later step where the count drops back below its level at k."""
    introduced: list[Finding] = []
    for step in range(1, len(steps)):
        grown = {key: count for key, count in steps[step].delta.items() if count > 0}
        for finding in steps[step].found:
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
            fixed = _fixed_in(finding.key, step, steps, snapshots)
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
    key: str, step: int, steps: Sequence[_Step], snapshots: Sequence[Snapshot]
) -> int | None:
    """The first later step at which the key's count is lower than at `step`."""
    current = key
    change = 0
    for later in range(step + 1, len(steps)):
        current = _rename_key(current, dict(snapshots[later].renamed))
        change += steps[later].delta.get(current, 0)
        if change < 0:
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
    on_step: StepHook | None = None,
    jobs: int = 1,
) -> tuple[list[Finding], FactsCache]:
    """Every check over the series: file checks per step (diff-aware), patch checks per
    patch, then series checks over the resolved findings. `early_findings` are those the
    tree builder made (BS001, IN010); they are kept when their check is selected.
    `on_step(step, before, after, facts, focus)` runs after each step, while its states'
    facts are at hand (`focus(old, new)`: the functions a patch can have changed)."""
    cache = cache or FactsCache(rules, capacity=16)  # steps go forward: a few states at a time
    runner = _Runner(checks, rules, cache, Memo(across_states=True))
    selected = {check.code for check in checks}
    steps = [_Step([], Counter())]
    by_patch: list[Finding] = []
    # series checks that keep something of each step while its facts are at hand
    observers = [
        check.observe_step  # type: ignore[attr-defined]
        for check in checks
        if check.scope == "series" and hasattr(check, "observe_step")
    ]
    # with jobs > 1, the file checks of the series' files run in workers first (lanes.py)
    derived = file_findings_by_lane(snapshots, checks, rules, jobs)
    for step in range(1, len(snapshots)):  # step by step: each state's facts are fresh
        before, after = snapshots[step - 1], snapshots[step]
        steps.append(step_changes(runner, before, after, derived, step))
        for observe in observers:
            observe(before, after, cache.facts, runner.memo)
        if on_step is not None:
            on_step(step, before, after, cache.facts, runner.changed_functions)
        if step > len(series.patches):
            continue
        ctx = PatchContext(
            series,
            series.patches[step - 1],
            step,
            before,
            after,
            rules,
            cache.facts,
            runner.memo,
            base_file,
        )
        for check in checks:
            if check.scope == "patch":
                by_patch.extend(check.run(ctx))
    changed = [{}] + [added_lines(patch.diff) for patch in series.patches]

    def facts_at(step: int, path: str) -> FileFacts | None:
        state = snapshots[step].files.get(path)
        return cache.facts(state) if state is not None else None

    findings = diff_aware(steps, snapshots, changed, facts_at)
    findings.extend(f for f in early_findings if f.code in selected)
    findings.extend(by_patch)
    series_ctx = SeriesContext(
        series, tuple(snapshots), tuple(findings), rules, cache.facts, runner.memo, base_file
    )
    for check in checks:
        if check.scope == "series":
            findings.extend(check.run(series_ctx))
    return sort_findings(findings), cache


class FileScanner:
    """Whole-file analysis (scan): every file check on one state, nothing diff-aware, nothing
    kept from one file to the next (scan never revisits a state: memory stays flat, and a
    file's findings do not depend on which files a worker saw before)."""

    def __init__(self, checks: Sequence[Check], rules: Rules) -> None:
        self._runner = _Runner(checks, rules, FactsCache(rules, capacity=8))

    def findings(self, state: FileState) -> tuple[Finding, ...]:
        found = self._runner.file_findings(state)
        self._runner._file_results.clear()
        self._runner.memo = Memo()
        return found


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    def order(finding: Finding) -> tuple:
        loc: Location = finding.location
        return (loc.patch, loc.path or "", loc.line or 0, finding.code, finding.key)

    return sorted(findings, key=order)
