"""A b4 review checkout, read the way b4 0.16 lays it out (b4/review/_review.py,
misc/agent-reviewer.md): the branch `b4/review/<change-id>` holds the base, one commit per
patch, and at its tip an empty *tracking commit* whose message is the cover letter, the line
`--- b4-review-tracking ---`, then JSON (`#` lines skipped). b4 reads an agent's files from
`<top>/.git/b4-review/<sha of that tip>/` and integrates them when the agent exits."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from reviewtool.errors import InputError

BRANCH_PREFIX = "b4/review/"
MARKER = "--- b4-review-tracking ---"
GIT_TIMEOUT = 60


@dataclass(frozen=True)
class ReviewCheckout:
    top: Path
    branch: str
    head: str  # the tracking commit: b4 names the agent directory after it
    first_patch: str  # the first patch commit (prerequisite commits come before it)
    patches: int  # how many patches the tracking data lists
    skipped: frozenset[int]  # 1-based positions the maintainer marked "skip"

    @property
    def base(self) -> str:
        """The tree the first patch applies to (prerequisites included)."""
        return f"{self.first_patch}~1"

    @property
    def patch_range(self) -> str:
        return f"{self.first_patch}~1..{self.head}~1"

    @property
    def review_dir(self) -> Path:
        return self.top / ".git" / "b4-review" / self.head


def _git(cwd: Path, *args: str) -> str | None:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    try:
        result = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, timeout=GIT_TIMEOUT, env=env
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    return result.stdout.decode("utf-8", "replace")


def tracking_data(message: str) -> dict | None:
    """The JSON after the marker of a tracking commit's message; None if it has none."""
    if MARKER not in message:
        return None
    text = message.split(MARKER, 1)[1]
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    try:
        data = json.loads("\n".join(lines))
    except ValueError:
        raise InputError("the b4 tracking commit's JSON cannot be read") from None
    if not isinstance(data, dict) or not isinstance(data.get("series"), dict):
        raise InputError("the b4 tracking commit has no series data")
    return data


def _skipped(patches: list) -> frozenset[int]:
    """Positions whose `reviews` has an entry with patch-state "skip" (agent-reviewer.md:
    "Do not review skipped patches")."""
    skipped = set()
    for position, patch in enumerate(patches, start=1):
        reviews = patch.get("reviews") if isinstance(patch, dict) else None
        if isinstance(reviews, dict) and any(
            isinstance(r, dict) and r.get("patch-state") == "skip" for r in reviews.values()
        ):
            skipped.add(position)
    return frozenset(skipped)


def find(cwd: Path) -> ReviewCheckout | None:
    """The b4 review checkout `cwd` is in, or None when HEAD is not on a b4 review branch."""
    top = _git(cwd, "rev-parse", "--show-toplevel")
    branch = _git(cwd, "symbolic-ref", "--quiet", "--short", "HEAD")
    if not top or not branch or not branch.strip().startswith(BRANCH_PREFIX):
        return None
    head = (_git(cwd, "rev-parse", "--verify", "HEAD") or "").strip()
    data = tracking_data(_git(cwd, "log", "-1", "--format=%B", "HEAD") or "")
    if not head or data is None:
        return None
    series = data["series"]
    first = series.get("first-patch-commit") or ""
    if not first:  # older tracking data: no prerequisites, the patches follow the base
        base = series.get("base-commit") or ""
        listed = (_git(cwd, "rev-list", "--reverse", f"{base}..{head}~1") or "").split()
        first = listed[0] if base and listed else ""
    if not first or not all(c in "0123456789abcdef" for c in first):
        raise InputError("the b4 tracking commit names no first patch commit")
    patches = data.get("patches") if isinstance(data.get("patches"), list) else []
    return ReviewCheckout(
        top=Path(top.strip()),
        branch=branch.strip(),
        head=head,
        first_patch=first,
        patches=len(patches),
        skipped=_skipped(patches),
    )


def agent_dir(checkout: ReviewCheckout) -> Path:
    """Where b4 looks for our files. b4 0.16 joins the work tree's top with `.git` itself,
    so in a linked worktree (where `.git` is a file) it can never find them: say so."""
    git = checkout.top / ".git"
    if not git.is_dir():
        raise InputError(
            f"{git} is not a directory (a linked worktree?): b4 0.16 reads agent files only "
            "from <top>/.git/b4-review/, so run b4 review in the main checkout, or pass -o"
        )
    return checkout.review_dir
