"""Support for the bisect tests: a series built from file versions per step (difflib diffs)."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from reviewtool.checks.base import Check
from reviewtool.engine import run_series
from reviewtool.model import FileState, Finding
from reviewtool.resources import default_rules
from reviewtool.tree import build_snapshots
from tests.builders import patch, series


class DictTree:
    """A base tree held in memory: path → text."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files
        self.reads: list[str] = []

    def read(self, path: str) -> str | None:
        self.reads.append(path)
        return self.files.get(path)

    def describe(self) -> str:
        return "in-memory base"


def file_diff(path: str, old: str | None, new: str | None) -> str:
    """A git-style diff of one file (creation and deletion included)."""
    head = [f"diff --git a/{path} b/{path}\n"]
    if old is None:
        head.append("new file mode 100644\n")
    if new is None:
        head.append("deleted file mode 100644\n")
    body = difflib.unified_diff(
        (old or "").splitlines(keepends=True),
        (new or "").splitlines(keepends=True),
        "/dev/null" if old is None else f"a/{path}",
        "/dev/null" if new is None else f"b/{path}",
    )
    return "".join(head) + "".join(body)


def make_series(base: dict[str, str], steps: Sequence[dict[str, str | None]]):
    """The series whose patch k turns the files into steps[k-1] (None deletes a file);
    returns (series, snapshots, base tree)."""
    current = dict(base)
    patches = []
    for index, changes in enumerate(steps, start=1):
        diff = ""
        for path, text in changes.items():
            diff += file_diff(path, current.get(path), text)
            if text is None:
                current.pop(path, None)
            else:
                current[path] = text
        patches.append(patch(index, len(steps), diff, title=f"step {index}"))
    made = series(*patches)
    tree = DictTree(base)
    snapshots, early = build_snapshots(made, tree)
    assert not early, early
    return made, snapshots, tree


def run_checks(
    base: dict[str, str], steps: Sequence[dict[str, str | None]], checks: Sequence[Check]
) -> list[Finding]:
    made, snapshots, tree = make_series(base, steps)

    def base_file(path: str) -> FileState | None:
        text = tree.read(path)
        return FileState(path, text) if text is not None else None

    findings, _ = run_series(made, snapshots, checks, default_rules(), base_file=base_file)
    return findings


def summary(findings: Sequence[Finding]) -> list[tuple]:
    return [(f.code, f.patch, f.location.function, f.fixed_in) for f in findings]
