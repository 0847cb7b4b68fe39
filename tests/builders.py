"""Small constructors for model values, so unit tests can build series without mail files."""

from __future__ import annotations

from reviewtool.model import Address, FileState, Message, Patch, Series, Snapshot, Subject


def message(subject: str = "[PATCH 1/1] foo: bar", msgid: str = "m1@example.org", **kw) -> Message:
    return Message(
        message_id=msgid,
        subject=Subject(raw=subject, title=subject.split("] ", 1)[-1], is_patch=True),
        sender=kw.pop("sender", Address("Jane Dev", "jane@example.org")),
        to=kw.pop("to", (Address("Maintainer", "maint@example.org"),)),
        cc=kw.pop("cc", ()),
        date=kw.pop("date", "Tue, 6 Jan 2026 15:04:01 +0000"),
        in_reply_to=kw.pop("in_reply_to", None),
        references=kw.pop("references", ()),
        body=kw.pop("body", ""),
        kind="patch",
        **kw,
    )


def patch(index: int, total: int, diff: str = "", title: str = "foo: change") -> Patch:
    subject = f"[PATCH {index}/{total}] {title}"
    return Patch(
        message=message(subject, f"p{index}@example.org"),
        index=index,
        total=total,
        commit_message=f"{title}\n\nSigned-off-by: Jane Dev <jane@example.org>\n",
        notes="",
        diff=diff,
        diff_start=0,
    )


def series(*patches: Patch, title: str = "foo: a series") -> Series:
    return Series(title=title, version=1, total=len(patches), patches=tuple(patches))


def snapshot(step: int, files: dict[str, str], touched=(), renamed=(), unknown=None) -> Snapshot:
    unknown = unknown or {}
    states = {
        path: FileState(path, text, tuple(unknown.get(path, ()))) for path, text in files.items()
    }
    return Snapshot(step, states, frozenset(touched), True, tuple(renamed))


class MemoryTree:
    """A base tree held in a dict (the `BaseTree` protocol's read and describe)."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files

    def read(self, path: str) -> str | None:
        return self.files.get(path)

    def describe(self) -> str:
        return "memory"
