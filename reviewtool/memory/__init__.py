"""Series memory: findings across the versions of a series, and across the people in its
thread.

- `patchid`: `git patch-id --stable` in Python; `versions`: which patch of one posting is
  which of the next (patch id, subject, then range-diff's assignment); `chain`: the earlier
  postings to compare (`--since`, other versions in the input); `history`: new /
  persisting / fixed; `report`: how the formats show it.
- `quotes`: a reply's quote levels and inline comments; `thread`: which findings a reply
  already raised (its quote located in the patch's post-image).

`remember` is the glue `pipeline.check` calls once every posting is analysed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reviewtool.memory.history import Step, compare, step_of
from reviewtool.memory.thread import raised
from reviewtool.memory.versions import match_patches
from reviewtool.model import Finding, Fixed, Message, Series, Snapshot


@dataclass(frozen=True)
class Posting:
    """One analysed version: its series, findings (numbered by patch index), snapshots."""

    series: Series
    findings: tuple[Finding, ...]
    snapshots: tuple[Snapshot, ...]


@dataclass(frozen=True)
class Memory:
    """What the comparison found: one Step per compared pair of postings (oldest first) and
    the findings each later posting no longer has."""

    steps: tuple[Step, ...]
    fixed: tuple[Fixed, ...]

    @property
    def last(self) -> Step | None:
        return self.steps[-1] if self.steps else None

    def fixed_by_newest(self) -> tuple[Fixed, ...]:
        """Fixes the reviewed posting made (the last step), not earlier ones."""
        last = self.last
        if last is None:
            return ()
        return tuple(f for f in self.fixed if f.fixed_in_version == last.new_version)


def remember(
    current: Posting, earlier: Sequence[Posting], messages: Sequence[Message]
) -> tuple[list[Finding], Memory | None]:
    """The reviewed posting's findings with `raised_by` (replies in `messages`) and, when
    `earlier` postings are given (oldest first), `history`; plus the Memory of the chain."""
    findings = raised(current.series, current.findings, current.snapshots, messages)
    if not earlier:
        return findings, None
    chain = [*earlier, current]
    previous = chain[0]
    previous_findings = raised(previous.series, previous.findings, previous.snapshots, messages)
    steps: list[Step] = []
    fixed: list[Fixed] = []
    for posting in chain[1:]:
        mine = (
            findings
            if posting is current
            else raised(posting.series, posting.findings, posting.snapshots, messages)
        )
        pairs = match_patches(previous.series.patches, posting.series.patches)
        mine, gone = compare(previous.series, previous_findings, posting.series, mine, pairs)
        steps.append(step_of(previous.series, posting.series, pairs))
        fixed.extend(gone)
        previous, previous_findings = posting, mine
    return previous_findings, Memory(tuple(steps), tuple(fixed))


__all__ = ["Memory", "Posting", "Step", "match_patches", "remember"]
