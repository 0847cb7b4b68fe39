"""The earlier postings of the reviewed series: other versions in the input (one lore thread
holds them all), and the postings of a `--since` input.

A version label alone does not make a posting an earlier version of this series: mid-thread
`[PATCH]` follow-ups parse as v1 too. A candidate joins the chain only when it shares a
patch (by patch id, subject or content) with the posting after it, or has its title.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reviewtool.checks import history as checks
from reviewtool.errors import InputError
from reviewtool.memory.versions import match_patches
from reviewtool.model import Finding, Message, Series


@dataclass(frozen=True)
class Candidate:
    series: Series
    origin: str  # "input" or "since"


def _versions(messages: Sequence[Message]) -> list[int]:
    return sorted({m.subject.version for m in messages if m.kind == "patch"})


def _assemble_each(messages: Sequence[Message], versions: list[int], origin: str):
    from reviewtool import series as series_mod

    found: list[Candidate] = []
    for version in versions:
        try:
            found.append(Candidate(series_mod.assemble(messages, version), origin))
        except InputError:
            continue  # a version whose mails hold no reviewable patch
    return found


def _same_posting(a: Series, b: Series) -> bool:
    return bool(a.patches) and [p.message_id for p in a.patches] == [
        p.message_id for p in b.patches
    ]


def _related(older: Series, newer: Series) -> bool:
    if older.title.strip().lower() == newer.title.strip().lower():
        return True
    return bool(match_patches(older.patches, newer.patches))


def earlier_postings(
    messages: Sequence[Message],
    current: Series,
    since: Sequence[Message] = (),
    limit: int = 8,
) -> tuple[list[Series], list[Finding]]:
    """Earlier postings, oldest first, at most `limit` (the newest ones), and IN011 notes
    for the versions left out."""
    candidates = _assemble_each(
        messages, [v for v in _versions(messages) if v < current.version], "input"
    )
    if since:
        # a --since posting is earlier by the user's word, whatever its label says
        candidates += _assemble_each(since, _versions(since), "since")
    candidates.sort(key=lambda c: (c.series.version, c.origin != "since"))
    notes: list[Finding] = []
    chain: list[Series] = []
    newer = current
    for candidate in reversed(candidates):
        older = candidate.series
        if _same_posting(older, newer) or any(_same_posting(older, s) for s in chain):
            continue
        label = f"v{older.version}" + (
            " of the --since input" if candidate.origin == "since" else ""
        )
        if not older.patches or not _related(older, newer):
            notes.append(
                checks.NOT_COMPARED.finding(
                    f"{label} shares no patch and no title with v{newer.version}: not "
                    "compared as an earlier version of this series",
                    subject=f"unrelated-{candidate.origin}-{older.version}",
                )
            )
            continue
        if len(chain) >= limit:
            notes.append(
                checks.NOT_COMPARED.finding(
                    f"{label} was not compared: --history {limit} compares the {limit} "
                    f"posting{'s' if limit != 1 else ''} before v{current.version}",
                    subject=f"limit-{candidate.origin}-{older.version}",
                )
            )
            continue
        chain.append(older)
        newer = older
    return list(reversed(chain)), notes
