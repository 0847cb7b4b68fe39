"""Mail threads: parent links by In-Reply-To / References, with placeholder roots for absent
mails; the date and sender of a message as the grouping compares them."""

from __future__ import annotations

import email.utils
from collections import defaultdict, deque
from collections.abc import Sequence
from datetime import UTC, datetime

from reviewtool.model import Message

MAX_DEPTH = 1000  # thread depth walked (References loops in hostile mail)


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


def sent_at(message: Message) -> datetime:
    try:
        value = email.utils.parsedate_to_datetime(message.date or "")
    except (TypeError, ValueError, IndexError, OverflowError):
        return datetime.min.replace(tzinfo=UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def sender_of(message: Message) -> str:
    return message.sender.email.lower() if message.sender else ""
