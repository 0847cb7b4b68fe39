"""Findings across postings: new, persisting since vN (patch k), or fixed in vM.

Findings are matched by key (code, path, function, subject: no line numbers), as the engine
matches them across the steps of one series. When one key occurs several times, the finding
whose patch is the partner of the new one's patch (`versions.match_patches`) is taken
first. Input-shape findings (the IN family) describe one input, not the code: they have no
history. Along a chain v1 → v2 → v3 each posting is compared with the one before it, and a
finding persisting since v1 says so in v3.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from reviewtool.model import Finding, Fixed, History, PatchPair, Raised, Series


@dataclass(frozen=True)
class Step:
    """One comparison: the postings' versions and which patch became which."""

    old_version: int
    new_version: int
    old_total: int
    new_total: int
    pairs: tuple[PatchPair, ...]
    old_patches: tuple[int, ...]
    new_patches: tuple[int, ...]

    @property
    def dropped(self) -> tuple[int, ...]:
        paired = {p.old for p in self.pairs}
        return tuple(i for i in self.old_patches if i not in paired)

    @property
    def added(self) -> tuple[int, ...]:
        paired = {p.new for p in self.pairs}
        return tuple(i for i in self.new_patches if i not in paired)

    def count(self, how: str) -> int:
        return sum(1 for p in self.pairs if p.how == how)


def has_history(finding: Finding) -> bool:
    return not finding.code.startswith("IN")


def _merge_raised(*groups: Sequence[Raised]) -> tuple[Raised, ...]:
    seen: set[tuple[str, str]] = set()
    merged: list[Raised] = []
    for group in groups:
        for raised in group:
            key = (raised.email.lower(), raised.message_id)
            if key not in seen:
                seen.add(key)
                merged.append(raised)
    return tuple(merged)


def _take_partner(
    finding: Finding, waiting: list[Finding], old_of_new: dict[int, int]
) -> Finding | None:
    same_key = [f for f in waiting if f.key == finding.key]
    if not same_key:
        return None
    partner_patch = old_of_new.get(finding.location.patch)
    preferred = [f for f in same_key if f.location.patch == partner_patch]
    chosen = (preferred or same_key)[0]
    waiting.remove(chosen)
    return chosen


def compare(
    old: Series,
    old_findings: Sequence[Finding],
    new: Series,
    new_findings: Sequence[Finding],
    pairs: tuple[PatchPair, ...],
) -> tuple[list[Finding], list[Fixed]]:
    """The new posting's findings with `history` (and the raised_by of their predecessors),
    and the old posting's findings that are gone."""
    old_of_new = {pair.new: pair.old for pair in pairs}
    new_of_old = {pair.old: pair.new for pair in pairs}
    waiting = [f for f in old_findings if has_history(f)]
    annotated: list[Finding] = []
    for finding in new_findings:
        if not has_history(finding):
            annotated.append(finding)
            continue
        before = _take_partner(finding, waiting, old_of_new)
        if before is None:
            history = History("new", old.version)
            annotated.append(replace(finding, history=history))
            continue
        earlier = (
            before.history if before.history and before.history.state == "persisting" else None
        )
        history = History(
            "persisting",
            old.version,
            previous_patch=before.location.patch,
            since_version=earlier.since_version if earlier else old.version,
            since_patch=earlier.since_patch if earlier else before.location.patch,
        )
        raised = _merge_raised(finding.raised_by, before.raised_by)
        annotated.append(replace(finding, history=history, raised_by=raised))
    fixed = [Fixed(f, old.version, new.version, new_of_old.get(f.location.patch)) for f in waiting]
    return annotated, fixed


def step_of(old: Series, new: Series, pairs: tuple[PatchPair, ...]) -> Step:
    return Step(
        old_version=old.version,
        new_version=new.version,
        old_total=old.total,
        new_total=new.total,
        pairs=pairs,
        old_patches=tuple(p.index for p in old.patches),
        new_patches=tuple(p.index for p in new.patches),
    )
