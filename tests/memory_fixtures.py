"""Fixtures for the series memory, generated from the seed series (examples/anon-vma-v2):
a v3 with the leak fixed (the example's fixed/ variant relabelled v3 and given its own
Message-IDs), and replies to v2 1/8 in the shapes lore threads carry."""

from __future__ import annotations

from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "anon-vma-v2"
V2 = EXAMPLE / "anon-vma-v2.mbox"
BASE = EXAMPLE / "base"
V2_COVER_ID = "cover.1767711840.git.lorenzo.stoakes@oracle.com"
V2_PATCH1_ID = "ede264ea77f97e2dbecc5b46577a87b2084208ea.1767711840.git.lorenzo.stoakes@oracle.com"
V2_PATCH1_SUBJECT = "mm/rmap: improve anon_vma_clone(), unlink_anon_vmas() comments, add asserts"
LOOP_START = "+\tlist_for_each_entry_safe(avc, next, &vma->anon_vma_chain, same_vma) {"


def v2_text() -> str:
    return V2.read_text(encoding="utf-8")


def relabel(text: str, version: int, stamp: str) -> str:
    """The same posting sent again as `version`, with Message-IDs of its own."""
    return text.replace("[PATCH v2 ", f"[PATCH v{version} ").replace("1767711840", stamp)


def v3_text() -> str:
    """v3: the unlock added in 1/8 (and 7/8 rebased on it), posted as a new thread."""
    fixed = (EXAMPLE / "fixed" / "anon-vma-v2-fixed.mbox").read_text(encoding="utf-8")
    return relabel(fixed, 3, "1768000000")


def leaking_loop() -> list[str]:
    """The lines of v2 1/8 from the loop head to the loop's closing brace, as sent."""
    lines = v2_text().split("\n")
    start = lines.index(LOOP_START)
    end = lines.index("+\t}", start)
    return lines[start : end + 1]


def quoted(lines: list[str], prefix: str = "> ") -> str:
    return "\n".join(f"{prefix}{line}" if line else prefix.rstrip() for line in lines)


def reply(
    body: str,
    message_id: str = "review-1@example.org",
    sender: str = "Jane Reviewer <jane@example.org>",
    parent: str = V2_PATCH1_ID,
    references: str = f"<{V2_COVER_ID}> <{V2_PATCH1_ID}>",
    subject: str = f"Re: [PATCH v2 1/8] {V2_PATCH1_SUBJECT}",
    content_type: str = "text/plain; charset=UTF-8",
) -> str:
    """One reply as an mboxrd entry (lore's t.mbox.gz shape)."""
    return (
        "From mboxrd@z Thu Jan  1 00:00:00 1970\n"
        f"From: {sender}\n"
        "To: Lorenzo Stoakes <lorenzo.stoakes@oracle.com>\n"
        "Cc: linux-mm@kvack.org\n"
        f"Subject: {subject}\n"
        "Date: Wed, 7 Jan 2026 10:00:00 +0000\n"
        f"Message-ID: <{message_id}>\n"
        f"In-Reply-To: <{parent}>\n"
        f"References: {references}\n"
        "MIME-Version: 1.0\n"
        f"Content-Type: {content_type}\n"
        "\n"
        f"{body}\n\n"
    )


LEAK_COMMENT = (
    "Once locked is set, nothing drops the anon_vma lock again: we leave the loop\n"
    "and return with it held. Shouldn't there be an anon_vma_unlock_write() here?"
)


def inline_review() -> str:
    """A human reply quoting the leaking loop with a comment right under it."""
    body = (
        "On Tue, Jan 06, 2026 at 03:04:01PM +0000, Lorenzo Stoakes wrote:\n"
        "> +static void cleanup_partial_anon_vmas(struct vm_area_struct *vma)\n"
        "> +{\n"
        "> [...]\n"
        f"{quoted(leaking_loop())}\n"
        "\n"
        f"{LEAK_COMMENT}\n"
        "\n"
        "Thanks,\n"
        "Jane"
    )
    return reply(body)


def write(path: Path, *parts: str) -> Path:
    path.write_text("".join(part if part.endswith("\n") else part + "\n" for part in parts))
    return path
