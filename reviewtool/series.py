"""Messages → one `Series`: threads, versions, cover letter, partial rerolls, trailers from
replies, and the IN findings about the series' shape."""

from __future__ import annotations

import email.utils
from collections import Counter, defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from reviewtool.checks import input as checks
from reviewtool.errors import InputError
from reviewtool.mail import has_diff, parse_diff, parse_trailers, to_patch, trailer_email
from reviewtool.model import Finding, Message, Patch, Series, Trailer

MAX_DEPTH = 1000  # thread depth walked (References loops in hostile mail)
MAX_TOTAL = 1000  # a claimed n/m beyond this is not a series we reconstruct slot by slot
MAX_GAP_FINDINGS = 50


# ---------------------------------------------------------------- threads


class Threads:
    """Parent links by In-Reply-To / References, with placeholder roots for absent mails."""

    def __init__(self, messages: Sequence[Message]) -> None:
        self.by_id: dict[str, Message] = {}
        for message in messages:
            self.by_id.setdefault(message.message_id, message)
        self.order = {mid: i for i, mid in enumerate(self.by_id)}
        self.children: dict[str, list[str]] = defaultdict(list)
        self._roots: dict[str, str] = {}
        for mid, message in self.by_id.items():
            parent = self.parent(message)
            if parent is not None:
                self.children[parent].append(mid)

    def parent(self, message: Message) -> str | None:
        if message.in_reply_to in self.by_id and message.in_reply_to != message.message_id:
            return message.in_reply_to
        for ref in reversed(message.references):
            if ref in self.by_id and ref != message.message_id:
                return ref
        return None

    def ancestors(self, message: Message) -> list[Message]:
        chain: list[Message] = []
        seen = {message.message_id}
        current = self.parent(message)
        while current is not None and current not in seen and len(chain) < MAX_DEPTH:
            seen.add(current)
            parent = self.by_id[current]
            chain.append(parent)
            current = self.parent(parent)
        return chain

    def root_key(self, message: Message) -> str:
        """The thread's root id: the top mail present, or the id it refers to when the root
        itself is absent (a series whose cover letter did not reach this archive)."""
        cached = self._roots.get(message.message_id)
        if cached is not None:
            return cached
        chain = [message, *self.ancestors(message)]
        top = chain[-1]
        root = top.references[0] if top.references else (top.in_reply_to or top.message_id)
        for member in chain:  # everything on the way up shares the root
            self._roots.setdefault(member.message_id, root)
        return root

    def descendants(self, mid: str, stop: set[str]) -> list[Message]:
        """Every mail below `mid`, not descending through the mails in `stop`: replies to
        another posting (an older version, a resend) are not replies to this one."""
        found: list[Message] = []
        queue = deque(self.children.get(mid, ()))
        seen: set[str] = {mid}
        while queue and len(found) < 100_000:
            current = queue.popleft()
            if current in seen or current in stop:
                continue
            seen.add(current)
            found.append(self.by_id[current])
            queue.extend(self.children.get(current, ()))
        return sorted(found, key=lambda m: self.order[m.message_id])


# ---------------------------------------------------------------- helpers


def _date(message: Message) -> datetime:
    try:
        value = email.utils.parsedate_to_datetime(message.date or "")
    except (TypeError, ValueError, IndexError, OverflowError):
        return datetime.min.replace(tzinfo=UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _sender(message: Message) -> str:
    return message.sender.email.lower() if message.sender else ""


def _diff_parses(patch: Patch) -> bool:
    parsed = parse_diff(patch.diff)
    if parsed is None:
        return False
    return len(parsed) > 0 or "GIT binary patch" in patch.diff or "Binary files" in patch.diff


@dataclass
class _Build:
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


def _patch_mails(messages: Sequence[Message]) -> list[Message]:
    return [m for m in messages if m.kind == "patch"]


def _cluster_key(message: Message, threads: Threads) -> tuple[str, ...]:
    """Patches of one posting share a thread root; unthreaded ones share sender and total."""
    root = threads.root_key(message)
    if root != message.message_id or threads.children.get(message.message_id):
        return ("thread", root)
    return ("loose", _sender(message), str(message.subject.total or 0))


def _pick_version(patches: list[Message], version: int | None, where: str) -> int:
    versions = sorted({m.subject.version for m in patches})
    if version is None:
        return versions[-1]
    if version not in versions:
        listed = ", ".join(f"v{v}" for v in versions)
        raise InputError(f"version {version} not found in {where} (found {listed})")
    return version


def _choose_cluster(candidates: list[Message], threads: Threads) -> list[Message]:
    clusters: dict[tuple[str, ...], list[Message]] = defaultdict(list)
    for message in candidates:
        clusters[_cluster_key(message, threads)].append(message)
    # unrelated postings in one input: the biggest, then the newest, is reviewed (IN004)
    return max(clusters.values(), key=lambda group: (len(group), max(_date(m) for m in group)))


# ---------------------------------------------------------------- assemble


def _fill_slots(build: _Build, numbered: list[Message]) -> None:
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
    for message in sorted(numbered, key=lambda m: (_date(m), build.threads.order[m.message_id])):
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


def _partial_reroll(build: _Build, older: list[Message], messages: Sequence[Message]) -> None:
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
    by_index = {m.subject.index: m for m in sorted(prior, key=_date)}
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
        build.cover = _find_cover(build, messages, prior_version)


def _find_cover(build: _Build, messages: Sequence[Message], version: int) -> Message | None:
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
    senders = {_sender(p) for p in patches}
    loose = [c for c in covers if _sender(c) in senders and c.subject.total == build.total]
    if loose:
        return loose[-1]
    return _naked_cover(build)


def _naked_cover(build: _Build) -> Message | None:
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
    if _sender(parent) != _sender(first):  # a bug report the fix answers is no cover letter
        return None
    return parent


def _lone_series(build: _Build, unnumbered: list[Message]) -> None:
    """Unnumbered patches: one is 1/1; several (git format-patch -N) go in input order."""
    ordered = sorted(unnumbered, key=lambda m: build.threads.order[m.message_id])
    build.total = len(ordered)
    for index, message in enumerate(ordered, start=1):
        build.slots[index] = message


def _report_shape(build: _Build, all_patches: list[Message], chosen: set[str]) -> None:
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


# ---------------------------------------------------------------- trailers


def _reply_trailers(
    build: _Build, target: Message, stop: set[str], source: str
) -> tuple[list[Trailer], list[Finding]]:
    found: list[Trailer] = []
    notes: list[Finding] = []
    for reply in build.threads.descendants(target.message_id, stop):
        if reply.kind not in ("reply", "other"):
            continue
        sender = _sender(reply)
        for trailer in parse_trailers(reply.body, source=source, message_id=reply.message_id):
            person = trailer.name.lower().endswith("-by")
            if not person or (sender and trailer_email(trailer.value) == sender):
                found.append(trailer)
            else:
                notes.append(
                    checks.FOREIGN_TRAILER.finding(
                        f"{trailer.name}: {trailer.value} in a reply from "
                        f"{sender or 'an unknown sender'} was not collected",
                        subject=f"{trailer.name}|{trailer.value}".lower(),
                    )
                )
    return found, notes


def _merge(existing: tuple[Trailer, ...], extra: list[Trailer]) -> tuple[Trailer, ...]:
    seen = {(t.name.lower(), t.value.lower()) for t in existing}
    merged = list(existing)
    for trailer in extra:
        key = (trailer.name.lower(), trailer.value.lower())
        if key not in seen:
            seen.add(key)
            merged.append(trailer)
    return tuple(merged)


def _with_trailers(build: _Build, patches: list[Patch], stop: set[str]) -> list[Patch]:
    cover_trailers: list[Trailer] = []
    if build.cover is not None:
        cover_trailers, notes = _reply_trailers(build, build.cover, stop, "cover")
        build.findings.extend(notes)
    result: list[Patch] = []
    for patch in patches:
        own, notes = _reply_trailers(build, patch.message, stop, "reply")
        for note in notes:
            build.findings.append(replace(note, location=replace(note.location, patch=patch.index)))
        result.append(replace(patch, trailers=_merge(patch.trailers, own + cover_trailers)))
    return result


# ---------------------------------------------------------------- entry point


def _to_patches(build: _Build) -> list[Patch]:
    patches: list[Patch] = []
    for index in sorted(build.slots):
        message = build.slots[index]
        patch = to_patch(message, index, build.total)
        if patch is None or not _diff_parses(patch):
            build.findings.append(
                checks.PATCH_WITHOUT_DIFF.finding(
                    f"patch {index}/{build.total} carries no diff that can be parsed",
                    patch=index,
                    subject=str(index),
                )
            )
        if patch is not None:
            patches.append(patch)
    return patches


def _replies(build: _Build, messages: Sequence[Message], chosen: set[str]) -> tuple[Message, ...]:
    members = [*build.slots.values(), *([build.cover] if build.cover else [])]
    keys = {build.threads.root_key(m) for m in members}
    return tuple(
        m
        for m in build.threads.by_id.values()
        if m.message_id not in chosen and build.threads.root_key(m) in keys
    )


def assemble(messages: Sequence[Message], version: int | None = None) -> Series:
    """Build the series to review: version `version`, or the newest one present."""
    threads = Threads(messages)
    unique = list(threads.by_id.values())
    all_patches = _patch_mails(unique)
    if not all_patches:
        covers = [m for m in unique if m.kind == "cover"]
        if covers:
            return _cover_only(threads, covers, version)
        raise InputError(_nothing_to_review(unique))
    build = _Build(threads=threads)
    build.version = _pick_version(all_patches, version, "the input")
    of_version = [m for m in all_patches if m.subject.version == build.version]
    numbered = [m for m in of_version if m.subject.index]
    if numbered:
        _fill_slots(build, _choose_cluster(numbered, threads))
    else:
        _lone_series(build, _choose_cluster(of_version, threads))
    build.cover = _find_cover(build, unique, build.version)
    _partial_reroll(build, all_patches, unique)
    if build.cover is not None and build.cover.subject.total not in (None, build.total):
        build.findings.append(
            checks.TOTAL_MISMATCH.finding(
                f"the cover letter announces {build.cover.subject.total} patches, "
                f"the series has {build.total}",
                subject="cover-total",
            )
        )
    chosen = {m.message_id for m in build.slots.values()}
    _report_shape(build, all_patches, chosen)
    if build.cover is not None:
        chosen.add(build.cover.message_id)
    postings = {m.message_id for m in unique if m.kind in ("patch", "cover")}
    patches = _with_trailers(build, _to_patches(build), postings)
    first = patches[0] if patches else None
    title = (build.cover or (first.message if first else None) or unique[0]).subject.title
    title = title or "(no subject)"
    base = _base_commit(build.cover, patches)
    return Series(
        title=title,
        version=build.version,
        total=build.total,
        patches=tuple(patches),
        cover=build.cover,
        replies=_replies(build, unique, chosen),
        findings=tuple(build.findings),
        base_commit=base,
    )


_KIND_WORDS = {
    "bot": ("bot mail", "bot mails"),
    "reply": ("reply", "replies"),
    "pull": ("pull request", "pull requests"),
    "other": (
        "mail that is neither a patch nor a reply",
        "mails that are neither patches nor replies",
    ),
}


def _nothing_to_review(messages: Sequence[Message]) -> str:
    """One line that says what the input held instead of patches."""
    if not messages:
        return "no patches found: the input holds no mail"
    kinds = Counter(m.kind for m in messages)
    held = ", ".join(
        f"{count} {_KIND_WORDS.get(kind, (kind, kind + 's'))[count != 1]}"
        for kind, count in sorted(kinds.items())
    )
    return f"no patches found: the input holds {held}"


def _cover_only(threads: Threads, covers: list[Message], version: int | None) -> Series:
    """A cover letter without its patches (a series announced, or a b4 review branch's
    cover): nothing to analyse, which the reviewer should hear as a finding, not an error."""
    build = _Build(threads=threads)
    build.version = _pick_version(covers, version, "the input")
    cover = max(
        (m for m in covers if m.subject.version == build.version),
        key=lambda m: (_date(m), threads.order[m.message_id]),
    )
    build.total = min(cover.subject.total or 0, MAX_TOTAL)
    count = (
        f"its {build.total} patch{'es' if build.total != 1 else ''}" if build.total else "any patch"
    )
    build.findings.append(
        checks.MISSING_PATCH.finding(
            f"the input holds only the cover letter of v{build.version}, without {count}: "
            "nothing to review",
            subject="cover-only",
        )
    )
    chosen = {cover.message_id}
    return Series(
        title=cover.subject.title,
        version=build.version,
        total=build.total,
        patches=(),
        cover=cover,
        replies=_replies(replace(build, cover=cover), list(threads.by_id.values()), chosen),
        findings=tuple(build.findings),
        base_commit=_base_commit(cover, []),
    )


def _base_commit(cover: Message | None, patches: list[Patch]) -> str | None:
    from reviewtool.mail import base_commit_of

    if cover is not None:
        found = base_commit_of(cover.body)
        if found:
            return found
    return next((p.base_commit for p in patches if p.base_commit), None)
