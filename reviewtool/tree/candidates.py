"""Base candidates: the revisions of a repository a series applies to whole, tried when it
does not apply to the base it was checked on, or when the user names candidates. In order:
the series' `base-commit:`, that commit with its `prerequisite-patch-id:` patches (the commit
of the repository that carries the last of them), then each `--base-candidate REV`. Only
the applier runs on a candidate (no analysis): each costs reading the files the series
touches at that revision."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reviewtool.errors import InputError
from reviewtool.model import Finding, Series, Severity
from reviewtool.tree.snapshots import build_snapshots
from reviewtool.tree.sources import GitTree

PREREQUISITE = re.compile(r"^prerequisite-patch-id: ([0-9a-f]{40})\s*$", re.M)
MAX_SEARCHED = 5000  # newest commits whose patch-id is computed to find prerequisites
GIT_TIMEOUT = 300
_HUNK = re.compile(r"hunk (@@ [^@]* @@)")


@dataclass(frozen=True)
class Candidate:
    rev: str  # as the series or the user named it
    source: str  # "base-commit", "prerequisites" or "option"
    commit: str | None  # the commit it resolved to; None when the repository lacks it
    applies: bool
    failure: str | None = None  # the first thing that did not apply, or why it was not tried
    used: bool = False  # the base the series was checked on

    def to_json(self) -> dict:
        return {
            "rev": self.rev,
            "source": self.source,
            "commit": self.commit,
            "applies": self.applies,
            "failure": self.failure,
            "used": self.used,
        }

    def label(self) -> str:
        commit = f" ({self.commit[:12]})" if self.commit and self.commit != self.rev else ""
        if self.source == "base-commit":
            return f"its base-commit: {self.rev[:12]}"
        if self.source == "prerequisites":
            at = f" (at {self.commit[:12]})" if self.commit else ""
            return f"base-commit: with its prerequisite-patch-id: patches{at}"
        return f"{self.rev}{commit}"


def prerequisite_ids(series: Series) -> list[str]:
    """The `prerequisite-patch-id:` lines of the cover letter (git format-patch --base puts
    them there), else of the first patch that has any, in order."""
    bodies = [series.cover.body] if series.cover is not None else []
    bodies += [patch.message.body for patch in series.patches]
    for body in bodies:
        found = PREREQUISITE.findall(body)
        if found:
            return list(dict.fromkeys(found))
    return []


def _git(repo: Path, args: list[str], stdin: bytes | None = None) -> bytes | None:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    try:
        result = subprocess.run(
            ["git", "-C", str(repo), *args],
            input=stdin,
            capture_output=True,
            timeout=GIT_TIMEOUT,
            env=env,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None


def carrier_of_prerequisites(repo: Path, base: str, ids: list[str]) -> tuple[str | None, str]:
    """The newest commit among those carrying the prerequisite patches (looked for among the
    MAX_SEARCHED newest commits of every ref that `base` lacks), or None and why not."""
    listing = _git(repo, ["rev-list", f"--max-count={MAX_SEARCHED}", "--all", f"^{base}", "--"])
    if listing is None:
        return None, f"the history after {base[:12]} could not be listed"
    commits = listing.decode().split()
    shown = _git(repo, ["show", "--no-color", "--format=commit %H", "-p", *commits])
    ids_out = _git(repo, ["patch-id", "--stable"], stdin=shown) if shown else b""
    if ids_out is None:
        return None, "patch ids could not be computed"
    carriers: dict[str, str] = {}
    for line in ids_out.decode().splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ids:
            carriers.setdefault(parts[0], parts[1])
    missing = [pid for pid in ids if pid not in carriers]
    if missing:
        return None, (
            f"{len(missing)} of its {len(ids)} prerequisite patches are in none of the "
            f"{len(commits)} newest commits after {base[:12]} (first missing: {missing[0][:12]})"
        )
    rank = {commit: index for index, commit in enumerate(commits)}  # newest first
    return min(carriers.values(), key=lambda commit: rank[commit]), ""


def _first_failure(findings: Sequence[Finding], series: Series) -> str | None:
    """`2/3 a.c @@ -1,3 +1,4 @@: <why>` for the first BS001 error, else None."""
    for finding in findings:
        if finding.code == "BS001" and finding.severity == Severity.ERROR:
            loc = finding.location
            patch = series.patches[loc.patch - 1] if 0 < loc.patch <= len(series.patches) else None
            where = f"{patch.index}/{patch.total}" if patch else "the series"
            hunk = _HUNK.search(finding.message)
            reason = finding.message.split(" fails: ", 1)[-1].split(" does not apply: ", 1)[-1]
            return f"{where} {loc.path or ''}{' ' + hunk.group(1) if hunk else ''}: {reason}"
    return None


def try_one(series: Series, repo: Path, rev: str, source: str) -> Candidate:
    try:
        tree = GitTree(repo, rev)
    except InputError:
        return Candidate(rev, source, None, False, "not a commit in the repository")
    try:
        _, findings = build_snapshots(series, tree)
    finally:
        tree.close()
    failure = _first_failure(findings, series)
    return Candidate(rev, source, tree.commit, failure is None, failure)


def try_candidates(
    series: Series,
    repo: Path,
    revs: Sequence[str],
    used: str | None = None,
    used_findings: Sequence[Finding] = (),
) -> tuple[Candidate, ...]:
    """Every candidate with its verdict. `used` (the commit the series was checked on) is
    not applied again: its verdict comes from `used_findings`."""
    named: list[tuple[str, str]] = []
    out: list[Candidate] = []
    if series.base_commit:
        named.append((series.base_commit, "base-commit"))
        ids = prerequisite_ids(series)
        if ids:
            carrier, why = carrier_of_prerequisites(repo, series.base_commit, ids)
            if carrier is None:
                out.append(Candidate(series.base_commit, "prerequisites", None, False, why))
            else:
                named.append((carrier, "prerequisites"))
    named += [(rev, "option") for rev in revs]
    seen: set[str] = set()
    for rev, source in named:
        if used is not None and _resolves_to(repo, rev, used):
            failure = _first_failure(used_findings, series)
            candidate = Candidate(rev, source, used, failure is None, failure, used=True)
        else:
            candidate = try_one(series, repo, rev, source)
        if (candidate.commit or rev) not in seen:
            seen.add(candidate.commit or rev)
            out.append(candidate)
    return tuple(sorted(out, key=lambda c: not c.used))


def _resolves_to(repo: Path, rev: str, commit: str) -> bool:
    if rev == commit:
        return True
    if rev.startswith("-"):
        return False
    found = _git(repo, ["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"])
    return found is not None and found.decode().strip() == commit


def summary(candidates: Sequence[Candidate]) -> str:
    """One sentence for the NOTE: the base used, then where the series applies whole."""
    used = next((c for c in candidates if c.used), None)
    others = [c for c in candidates if not c.used]
    good = [c.label() for c in others if c.applies]
    bad = [f"{c.label()}: {c.failure}" for c in others if not c.applies]
    parts = []
    if used is not None:
        # the BS001 error above says why: here only where
        where = (used.failure or "").split(": ", 1)[0]
        verdict = "applies whole" if used.applies else f"does not apply (from {where})"
        parts.append(f"on {used.label()}, the base checked, the series {verdict}")
    if good:
        parts.append(f"it applies whole to {', '.join(good)}")
    if bad:
        parts.append(f"not to {'; '.join(bad)}")
    if not good and others and not (used is not None and used.applies):
        parts.append("no candidate takes the whole series")
    return "; ".join(parts) or "no base candidate to try"


def examine(
    series: Series,
    base_tree: object,
    repo: Path | None,
    revs: Sequence[str],
    findings: Sequence[Finding],
    base_description: str | None,
) -> tuple[tuple[Candidate, ...], Finding | None]:
    """Base candidates for a checked series, and the NOTE that reports them, or ((), None)
    when nothing is to be tried: the series applied and no candidate was named (the happy
    path costs nothing), or there is no repository to try them in."""
    from reviewtool.checks.apply import DOES_NOT_APPLY

    failed = _first_failure(findings, series) is not None
    if not (failed or revs) or repo is None:
        return (), None
    if not revs and series.base_commit is None:
        return (), None  # nothing named anywhere: no candidate to try
    used = getattr(base_tree, "commit", None)
    tried = try_candidates(series, repo, revs, used, findings if used else ())
    if not tried:
        return (), None
    text = summary(tried)
    if used is None and failed:
        where = base_description or "what its hunks show"
        text = f"on {where}, the base checked, the series does not apply; " + text
    note = DOES_NOT_APPLY.finding(
        "base candidates: " + text, patch=0, subject="base-candidates", severity=Severity.NOTE
    )
    return tried, note
