"""A lock primitive (`Op`), the vocabulary conventions of rules/locks.toml, lock classes
(`spinlock`, `rwsem inode->i_rwsem`) and the pairing of releases with acquires of the same
class, side (read/write) and IRQ variant."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

STATE_CLASSES = frozenset({"irq", "bh", "preempt", "preempt/migrate"})


@dataclass(frozen=True, slots=True)
class Op:
    """One lock primitive: what a call to `name` does."""

    name: str
    op: str  # "acquire" or "release"
    cls: str
    lock: tuple[int, ...]  # argument indexes forming the lock expression
    acquired_when: str = ""  # "", "nonzero", "zero", "nonnull"
    variant: str = ""  # "", "irq", "irqsave", "bh"
    side: str = ""  # "read", "write", "read,excl", ...
    source: str = ""  # path:line of the definition, "rules" for hand entries


@dataclass(frozen=True)
class Conventions:
    """What rules/locks.toml [vocabulary] says cannot be derived."""

    types: dict[str, str]
    contexts: dict[str, str]
    acquire_words: frozenset[str]
    release_words: frozenset[str]
    skip_words: frozenset[str]
    conditional: dict[str, str]
    variants: dict[str, str]
    side_words: tuple[str, ...]
    transparent: frozenset[str]
    class_names: dict[str, str]
    accessors: frozenset[str] = frozenset()

    @classmethod
    def from_table(cls, table: dict) -> Conventions:
        v = table.get("vocabulary", {})
        return cls(
            types=dict(v.get("types", {})),
            contexts=dict(v.get("contexts", {})),
            acquire_words=frozenset(v.get("acquire_words", ())),
            release_words=frozenset(v.get("release_words", ())),
            skip_words=frozenset(v.get("skip_words", ())),
            conditional=dict(v.get("conditional", {})),
            variants=dict(v.get("variants", {})),
            side_words=tuple(v.get("side_words", ())),
            transparent=frozenset(v.get("transparent", ())),
            class_names=dict(table.get("class_names", {})),
            accessors=frozenset(v.get("member_accessors", ())),
        )

    def words(self, name: str) -> list[str]:
        return name.lower().strip("_").split("_")

    @staticmethod
    def says(name: str, words: frozenset[str]) -> bool:
        """Whether one of `words` (a word, or words joined by `_`) is in the name."""
        padded = f"_{name.lower().strip('_')}_"
        return any(f"_{word}_" in padded for word in words)

    def side(self, name: str) -> str:
        words = self.words(name)
        return ",".join(w for w in self.side_words if w in words)

    def variant(self, name: str) -> str:
        words = self.words(name)
        return next((v for w, v in self.variants.items() if w in words), "")


_PATH_START = re.compile(r" (?=[A-Za-z_]\w*(?:->|\.)|->|\.|&)")


def split_class(cls: str) -> tuple[str, str]:
    """`mutex hci_dev->lock` -> (`mutex`, `hci_dev->lock`); `raw spinlock` -> (it, "")."""
    match = _PATH_START.search(cls)
    return (cls[: match.start()], cls[match.end() :]) if match else (cls, "")


def compose(cls: str, chain: str, owner: str = "") -> str:
    """The class of a lock reached through `chain` from what a primitive of `cls` takes:
    (`spinlock`, `->xa_lock`) -> `spinlock ->xa_lock`; (`spinlock ->xa_lock`, `->xa`) ->
    `spinlock ->xa->xa_lock`; with the owner's type: `rwsem inode->i_rwsem`."""
    if not chain:
        return cls
    base, path = split_class(cls)
    if chain.startswith("&"):  # a global lock
        return f"{base} {chain}"
    rest = path[min((i for i in (path.find("->"), path.find(".")) if i >= 0), default=0) :]
    owner = owner.removeprefix("struct ").removeprefix("union ").strip()
    return f"{base} {owner}{chain}{rest}"


_COUNTERPARTS = (
    ("unlock", "lock"), ("put", "get"), ("enable", "disable"), ("end", "begin"),
    ("stop", "start"), ("restore", "save"), ("release", "acquire"), ("up", "down"),
)  # fmt: skip


def has_counterpart(release: str, acquires: frozenset[str]) -> bool:
    """`put_cpu` has `get_cpu`, `__u64_stats_irqrestore` has `__u64_stats_irqsave`: the
    release side of a pair whose acquire is known."""
    words = release.split("_")
    swapped = [_swap(word) for word in words]
    if "_".join(swapped) in acquires:  # printk_cpu_sync_put_irqrestore: both words
        return True
    for index, word in enumerate(swapped):
        if (
            word != words[index]
            and "_".join([*words[:index], word, *words[index + 1 :]]) in acquires
        ):
            return True
    return False


def _swap(word: str) -> str:
    for old, new in _COUNTERPARTS:
        if old in word:
            return word.replace(old, new, 1)
    return word


def paired(ops: dict[str, Op], hand: Iterable[Op] = ()) -> dict[str, list[str]]:
    """acquire name -> the releases of the same class, side and IRQ variant. A derived
    release of an IRQ/BH/preempt state class counts only with an acquire of its own
    (`trace_clear_recursion`, which ends a preempt-off section some other helper began
    under conditions, is no release of preempt_disable's)."""
    every = {**{op.name: op for op in hand}, **ops}
    acquires = frozenset(n for n, op in every.items() if op.op == "acquire")
    release_variant = {"": "", "irq": "irq", "irqsave": "irqsave", "bh": "bh"}
    by_key: dict[tuple[str, str, str], list[str]] = {}
    for op in every.values():
        if op.op != "release":
            continue
        if op.name in ops and op.cls in STATE_CLASSES and not has_counterpart(op.name, acquires):
            continue
        by_key.setdefault((op.cls, op.side, op.variant), []).append(op.name)
    return {
        op.name: sorted(by_key.get((op.cls, op.side, release_variant.get(op.variant, "")), []))
        for op in ops.values()
        if op.op == "acquire"
    }
