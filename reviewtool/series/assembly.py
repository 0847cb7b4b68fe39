"""Messages → one `Series`: the slots become patches with the trailers their replies give,
the replies and the base commit are collected; a cover letter alone is a series too."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from reviewtool.checks import input as checks
from reviewtool.errors import InputError
from reviewtool.mail import parse_diff, parse_trailers, to_patch, trailer_email
from reviewtool.model import Finding, Message, Patch, Series, Trailer
from reviewtool.series.slots import (
    MAX_TOTAL,
    SeriesBuild,
    choose_cluster,
    fill_slots,
    find_cover,
    lone_series,
    partial_reroll,
    patch_mails,
    pick_version,
    report_shape,
)
from reviewtool.series.threads import Threads, sender_of, sent_at


def _diff_parses(patch: Patch) -> bool:
    parsed = parse_diff(patch.diff)
    if parsed is None:
        return False
    return len(parsed) > 0 or "GIT binary patch" in patch.diff or "Binary files" in patch.diff


# ---------------------------------------------------------------- trailers


def _reply_trailers(
    build: SeriesBuild, target: Message, stop: set[str], source: str
) -> tuple[list[Trailer], list[Finding]]:
    found: list[Trailer] = []
    notes: list[Finding] = []
    for reply in build.threads.descendants(target.message_id, stop):
        if reply.kind not in ("reply", "other"):
            continue
        sender = sender_of(reply)
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


def _with_trailers(build: SeriesBuild, patches: list[Patch], stop: set[str]) -> list[Patch]:
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


def _to_patches(build: SeriesBuild) -> list[Patch]:
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


def _replies(
    build: SeriesBuild, messages: Sequence[Message], chosen: set[str]
) -> tuple[Message, ...]:
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
    all_patches = patch_mails(unique)
    if not all_patches:
        covers = [m for m in unique if m.kind == "cover"]
        if covers:
            return _cover_only(threads, covers, version)
        raise InputError(_nothing_to_review(unique))
    build = SeriesBuild(threads=threads)
    build.version = pick_version(all_patches, version, "the input")
    of_version = [m for m in all_patches if m.subject.version == build.version]
    numbered = [m for m in of_version if m.subject.index]
    if numbered:
        fill_slots(build, choose_cluster(numbered, threads))
    else:
        lone_series(build, choose_cluster(of_version, threads))
    build.cover = find_cover(build, unique, build.version)
    partial_reroll(build, all_patches, unique)
    if build.cover is not None and build.cover.subject.total not in (None, build.total):
        build.findings.append(
            checks.TOTAL_MISMATCH.finding(
                f"the cover letter announces {build.cover.subject.total} patches, "
                f"the series has {build.total}",
                subject="cover-total",
            )
        )
    chosen = {m.message_id for m in build.slots.values()}
    report_shape(build, all_patches, chosen)
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
    build = SeriesBuild(threads=threads)
    build.version = pick_version(covers, version, "the input")
    cover = max(
        (m for m in covers if m.subject.version == build.version),
        key=lambda m: (sent_at(m), threads.order[m.message_id]),
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
