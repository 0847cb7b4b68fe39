"""Which mails form the series: patch mails grouped by thread and version, the slots 1..n
filled (newest wins, a partial reroll borrows from the older version), the cover letter
found, and the IN findings about the series' shape."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from reviewtool.checks import input as checks
from reviewtool.errors import InputError
from reviewtool.mail import has_diff
from reviewtool.model import Finding, Message
from reviewtool.series.threads import Threads, sender_of, sent_at

MAX_TOTAL = 1000  # a claimed n/m beyond this is not a series we reconstruct slot by slot
MAX_GAP_FINDINGS = 50


@dataclass
class SeriesBuild:
    """What assemble has decided so far."""

    threads: Threads
    slots: dict[int, Message] = field(default_factory=dict)
    total: int = 1
    version: int = 1
    cover: Message | None = None
    findings: list[Finding] = field(default_factory=list)
    borrowed: dict[int, int] = field(default_factory=dict)  # slot → version it came from
    superseded: set[str] = field(default_factory=set)  # duplicates replaced by a newer mail


# ---------------------------------------------------------------- grouping


def patch_mails(messages: Sequence[Message]) -> list[Message]:
    return [m for m in messages if m.kind == "patch"]


def _cluster_key(message: Message, threads: Threads) -> tuple[str, ...]:
    """Patches of one posting share a thread root; unthreaded ones share sender and total."""
    root = threads.root_key(message)
    if root != message.message_id or threads.children.get(message.message_id):
        return ("thread", root)
    return ("loose", sender_of(message), str(message.subject.total or 0))


def pick_version(patches: list[Message], version: int | None, where: str) -> int:
    versions = sorted({m.subject.version for m in patches})
    if version is None:
        return versions[-1]
    if version not in versions:
        listed = ", ".join(f"v{v}" for v in versions)
        raise InputError(f"version {version} not found in {where} (found {listed})")
    return version


def choose_cluster(candidates: list[Message], threads: Threads) -> list[Message]:
    clusters: dict[tuple[str, ...], list[Message]] = defaultdict(list)
    for message in candidates:
        clusters[_cluster_key(message, threads)].append(message)
    # unrelated postings in one input: the biggest, then the newest, is reviewed (IN004)
    return max(clusters.values(), key=lambda group: (len(group), max(sent_at(m) for m in group)))


# ---------------------------------------------------------------- assemble


def fill_slots(build: SeriesBuild, numbered: list[Message]) -> None:
    totals = Counter(m.subject.total or 0 for m in numbered)
    build.total = max(totals.items(), key=lambda item: (item[1], item[0]))[0]
    if len(totals) > 1:
        listed = ", ".join(f"{m.subject.index}/{m.subject.total}" for m in numbered)
        build.findings.append(
            checks.TOTAL_MISMATCH.finding(
                f"patches of v{build.version} disagree on the total ({listed}); "
                f"reviewing them as a series of {build.total}",
                subject="totals",
            )
        )
    for message in sorted(numbered, key=lambda m: (sent_at(m), build.threads.order[m.message_id])):
        index = message.subject.index or 0
        if index > build.total or index > MAX_TOTAL:
            build.findings.append(
                checks.TOTAL_MISMATCH.finding(
                    f"patch {index}/{message.subject.total} is beyond the series total "
                    f"{build.total}",
                    patch=0,
                    subject=f"beyond-{index}",
                )
            )
            if index > MAX_TOTAL:
                continue
        if index in build.slots:
            build.superseded.add(build.slots[index].message_id)
            build.findings.append(
                checks.DUPLICATE_PATCH.finding(
                    f"patch {index}/{build.total} of v{build.version} was sent twice; "
                    f"keeping the newer mail <{message.message_id}>",
                    patch=index,
                    subject=str(index),
                )
            )
        build.slots[index] = message  # sorted by date: the newest wins
    build.total = max(build.total, max(build.slots, default=0))  # "3/2": treat as 3 slots


def partial_reroll(build: SeriesBuild, older: list[Message], messages: Sequence[Message]) -> None:
    """b4's rule: vN patches that each reply (at any depth) to the vN-1 patch of the same
    n/m, while other slots are missing → take those slots from vN-1."""
    missing = [n for n in range(1, build.total + 1) if n not in build.slots]
    if build.version <= 1 or not missing:
        return
    previous = [m for m in older if m.subject.version < build.version]
    if not previous:
        return
    prior_version = max(m.subject.version for m in previous)
    prior = [m for m in previous if m.subject.version == prior_version]
    for message in build.slots.values():
        matches = [
            a
            for a in build.threads.ancestors(message)
            if a.subject.version == prior_version
            and a.subject.index == message.subject.index
            and a.subject.total == message.subject.total
            and a.kind == "patch"
        ]
        if not matches:
            return
    by_index = {m.subject.index: m for m in sorted(prior, key=sent_at)}
    for index in missing:
        if index in by_index and by_index[index].subject.total == build.total:
            build.slots[index] = by_index[index]
            build.borrowed[index] = prior_version
    if build.borrowed:
        taken = ", ".join(str(n) for n in sorted(build.borrowed))
        build.findings.append(
            checks.PARTIAL_REROLL.finding(
                f"v{build.version} resends only some patches; patches {taken} are taken "
                f"from v{prior_version}",
                subject="reroll",
            )
        )
    if build.cover is None:
        build.cover = find_cover(build, messages, prior_version)


def find_cover(build: SeriesBuild, messages: Sequence[Message], version: int) -> Message | None:
    patches = list(build.slots.values())
    covers = [m for m in messages if m.kind == "cover" and m.subject.version == version]
    parents = {build.threads.parent(p) for p in patches}
    keys = {build.threads.root_key(p) for p in patches}
    direct = [c for c in covers if c.message_id in parents]
    if direct:
        return direct[-1]
    threaded = [c for c in covers if build.threads.root_key(c) in keys]
    if threaded:
        return threaded[-1]
    senders = {sender_of(p) for p in patches}
    loose = [c for c in covers if sender_of(c) in senders and c.subject.total == build.total]
    if loose:
        return loose[-1]
    return _naked_cover(build)


def _naked_cover(build: SeriesBuild) -> Message | None:
    """A mail without "0/N" that patch 1 replies to, from the same sender, with no diff."""
    first = build.slots.get(1)
    if first is None:
        return None
    parent_id = build.threads.parent(first)
    if parent_id is None:
        return None
    parent = build.threads.by_id[parent_id]
    if parent.kind in ("patch", "bot", "pull") or parent.subject.reply or has_diff(parent.body):
        return None
    if sender_of(parent) != sender_of(first):  # a bug report the fix answers is no cover letter
        return None
    return parent


def lone_series(build: SeriesBuild, unnumbered: list[Message]) -> None:
    """Unnumbered patches: one is 1/1; several (git format-patch -N) go in input order."""
    ordered = sorted(unnumbered, key=lambda m: build.threads.order[m.message_id])
    build.total = len(ordered)
    for index, message in enumerate(ordered, start=1):
        build.slots[index] = message


def report_shape(build: SeriesBuild, all_patches: list[Message], chosen: set[str]) -> None:
    missing = [n for n in range(1, min(build.total, MAX_TOTAL) + 1) if n not in build.slots]
    if len(missing) > MAX_GAP_FINDINGS:  # "1/900" alone: one finding, not 899
        build.findings.append(
            checks.MISSING_PATCH.finding(
                f"{len(missing)} of {build.total} patches of v{build.version} are missing "
                f"from the input",
                subject="many",
            )
        )
        missing = []
    for index in missing:
        build.findings.append(
            checks.MISSING_PATCH.finding(
                f"patch {index}/{build.total} of v{build.version} is missing from the input",
                subject=str(index),
            )
        )
    # another version: numbered like the reviewed series ("[PATCH] x" → "[PATCH v2] x" for a
    # lone patch); an unnumbered mail next to a numbered series is a drive-by patch (IN004)
    numbered = any(m.subject.index for m in build.slots.values())
    rerolls = [
        m
        for m in all_patches
        if m.subject.version != build.version and bool(m.subject.index) == numbered
    ]
    versions = sorted({m.subject.version for m in rerolls} | {build.version})
    if len(versions) > 1:
        listed = ", ".join(f"v{v}" for v in versions)
        build.findings.append(
            checks.OLDER_VERSIONS.finding(
                f"the input holds versions {listed}; reviewing v{build.version}",
                subject="versions",
            )
        )
    skipped = chosen | build.superseded | {m.message_id for m in rerolls}
    others = [m for m in all_patches if m.message_id not in skipped]
    if others:
        titles = "; ".join(m.subject.title[:60] for m in others[:3])
        more = f" and {len(others) - 3} more" if len(others) > 3 else ""
        build.findings.append(
            checks.MIXED_SERIES.finding(
                f"{len(others)} patch mail{'s' if len(others) != 1 else ''} outside the "
                f"reviewed series {'were' if len(others) != 1 else 'was'} skipped: "
                f"{titles}{more}",
                subject="mixed",
            )
        )
