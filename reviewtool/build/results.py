"""What the builds tell: a `BuildResult` per tree, the first error of a build's log, and the
BS008 findings (a patch after which the build fails while it did not before)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reviewtool.model import Finding, Location, Series, Severity, finding_key

MAX_LOG_BYTES = 4 * 1024 * 1024  # of a build's output we scan for the first error
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


def first_error(log: bytes) -> str | None:
    text = log[:MAX_LOG_BYTES].decode("utf-8", "replace")
    for pattern in (_COMPILER_ERROR, _ANY_ERROR):
        match = pattern.search(text)
        if match:
            return match.group(0).strip()[:300]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else None


def read_error(log: Path) -> str | None:
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
