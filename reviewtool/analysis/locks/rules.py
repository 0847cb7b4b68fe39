"""Lock rules: the table from rules/locks.toml and the naming conventions of lock APIs."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from reviewtool.analysis.locks.context import context_of
from reviewtool.analysis.vocab import scope_of, vocabulary
from reviewtool.resources import Rules, default_rules, per_rules

# -- rule data ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AcquireRule:
    name: str
    releases: frozenset[str]
    cls: str
    lock: tuple[int, ...] | None  # None: named by the variable the result is assigned to
    acquired_when: str = ""  # "", "nonzero", "zero", "nonnull"
    deref: bool = False
    handover: bool = False
    transition_from: frozenset[str] = frozenset()
    context: str = ""  # "irq" / "bh": also disables that context (spin_lock_irqsave)
    # on a lock the caller already holds it returns this error (ww_mutex_lock: "-EALREADY")
    # instead of deadlocking; "fails": some error
    reacquire: str = ""


@dataclass(frozen=True, slots=True)
class ReleaseRule:
    name: str
    cls: str
    lock: tuple[int, ...]
    context: str = ""  # "irq" / "bh": also restores that context (spin_unlock_irqrestore)


@dataclass(frozen=True, slots=True)
class LockTable:
    acquires: dict[str, AcquireRule]
    releases: dict[str, ReleaseRule]
    guards: dict[str, str]
    cond_guards: dict[str, str]
    nesting: frozenset[str]  # classes whose acquire may nest (rcu, preempt, irq, read sides)
    protocol_classes: frozenset[str] = frozenset()  # may return held under a return code
    held_tests: dict[str, ReleaseRule] = field(default_factory=dict)  # see `_held_tests`
    # values that name the same object in every function (`current`): a lock hanging off
    # one is its callers' as written (rules/locks.toml's `shared_values`)
    shared_values: frozenset[str] = frozenset()
    # tests of whether a context is disabled (`irqs_disabled` -> irq): context.tested()
    context_tests: dict[str, str] = field(default_factory=dict)
    # the names a call to which is lock work (cleanup.h's guards too): built once per table,
    # not per function (a tree's vocabulary has thousands)
    lock_calls: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = frozenset(self.acquires) | frozenset(self.releases) | {"guard", "CLASS"}
        object.__setattr__(self, "lock_calls", names)


def _lock_spec(value: object) -> tuple[int, ...] | None:
    if value == "return":
        return None
    return tuple(int(v) for v in value) if isinstance(value, list) else ()


@per_rules
def _table_for(rules: Rules, scope: str = "") -> LockTable:
    table = vocabulary(rules, scope)
    acquires = {}
    for entry in table.get("acquire", ()):
        rule = AcquireRule(
            name=entry["name"],
            releases=frozenset(entry.get("releases", ())),
            cls=entry.get("class", entry["name"]),
            lock=_lock_spec(entry.get("lock", [0])),
            acquired_when=entry.get("acquired_when", ""),
            deref=bool(entry.get("deref", False)),
            handover=bool(entry.get("handover", False)),
            transition_from=frozenset(entry.get("transition_from", ())),
            reacquire=entry.get("reacquire", ""),
        )
        rule = replace(rule, context=entry.get("context", context_of(rule.name, rule.cls)))
        previous = acquires.get(rule.name)
        if previous is not None:
            rule = replace(previous, releases=previous.releases | rule.releases)
        acquires[rule.name] = rule
    releases = {}
    for entry in table.get("release", ()):
        cls = entry.get("class", entry["name"])
        context = entry.get("context", context_of(entry["name"], cls))
        lock = tuple(entry.get("lock", [0]))
        releases[entry["name"]] = ReleaseRule(entry["name"], cls, lock, context)
    nesting = frozenset(table.get("nesting_classes", ()))
    return LockTable(
        acquires,
        releases,
        dict(table.get("guards", {})),
        dict(table.get("cond_guards", {})),
        nesting,
        frozenset(table.get("returned_by_protocol", ())),
        _held_tests(releases, nesting, table.get("vocabulary", {}).get("held_test_forms", ())),
        frozenset(table.get("vocabulary", {}).get("shared_values", ())),
        dict(table.get("vocabulary", {}).get("context_tests", {})),
    )


def _held_tests(
    releases: dict[str, ReleaseRule], nesting: frozenset[str], forms: Sequence[str]
) -> dict[str, ReleaseRule]:
    """The tests of whether a lock is held, named after its release by the kernel's
    conventions, rules/locks.toml's `held_test_forms` (`unlock_buffer` / `buffer_locked`,
    `mutex_unlock` / `mutex_is_locked`, `spin_unlock` / `spin_is_locked`, `folio_unlock` /
    `folio_test_locked`, the class: `rwsem_is_locked`), each with the release whose lock
    argument it takes. Not for the contexts and nesting sections (irq, rcu, preempt): held
    by anyone, not one lock."""
    found: dict[str, ReleaseRule] = {}
    for name, rule in sorted(releases.items(), key=lambda item: (len(item[0]), item[0])):
        if rule.context or rule.cls in nesting or len(rule.lock) != 1:
            continue
        words = name.split("_")
        if "unlock" not in words:
            stems = []
        else:
            at = words.index("unlock")
            stems = ["_".join(words[:at] or words[at + 1 :])]
        if re.fullmatch(r"[a-z]\w*", rule.cls):
            stems.append(rule.cls)
        for stem in filter(None, stems):
            for form in forms:
                found.setdefault(form.format(stem), rule)
    return found


def lock_table(rules: Rules | None = None, path: str | None = None) -> LockTable:
    """The lock vocabulary; for a file at `path`, with what its directory's private headers
    add (`fs/ext4/ext4.h`'s `ext4_lock_group` for files under fs/ext4/)."""
    rules = rules or default_rules()
    return _table_for(rules, scope_of(rules, path))


# -- lock API naming conventions ---------------------------------------------------------


def nonblocking(name: str) -> bool:
    """`spin_trylock`, `down_read_trylock`: a try-acquire never waits for the lock."""
    return any(word.startswith("try") for word in name.split("_"))


_VARIANT_WORDS = frozenset({"irqsave", "irqrestore", "irq", "bh", "nested"})


def _base_api(name: str) -> str:
    """`raw_spin_lock_irqsave_nested` -> `raw_spin_lock`; the variant words go wherever
    they are (`raw_spin_lock_irqsave_rcu_node` -> `raw_spin_lock_rcu_node`)."""
    words = name.split("_")
    kept = [w for i, w in enumerate(words) if i == 0 or w not in _VARIANT_WORDS]
    return "_".join(kept)


def _same_base_api(acquire: str, release: str) -> bool:
    """spin_lock_irqsave / spin_unlock: the same lock API, only the IRQ/BH part differs (a
    trylock of the API is its lock: raw_spin_trylock / raw_spin_unlock_irq)."""
    base_acquire, base_release = _base_api(acquire), _base_api(release)
    base_acquire = re.sub(r"(?<![a-z])trylock", "lock", base_acquire)
    return base_release == base_acquire.replace("_lock", "_unlock", 1) or (
        base_release.replace("unlock", "lock") == base_acquire
    )


# Classes whose lock expression is the lock itself: passing it to a function hands it over.
_LOCK_POINTER_CLASSES = frozenset(
    {"spinlock", "raw spinlock", "mutex", "rwsem", "rwlock", "semaphore", "annotated"}
)
_ASSERTISH = re.compile(r"assert|held|locked|lockdep|WARN|BUG|might_|unlikely|likely")


def unlocking_name(name: str) -> bool:
    """A callee named for unlocking (not an assert or test of a held lock)."""
    return "unlock" in name.lower() and not _ASSERTISH.search(name)


_WRAPPER_WORDS = frozenset(
    {
        "lock",
        "locks",
        "locked",
        "trylock",
        "acquire",
        "begin",
        "start",
        "prepare",
        "enter",
        "grab",
        "take",
        "hold",
        "pin",
        "freeze",
        "down",
        "disable",
        "seqlock",
        "spinlock",
        "rwlock",
        "relock",
        "ilock",
    }
)


def _wrapper_name(name: str) -> bool:
    """`filemap_invalidate_lock_two`, `vma_pgtable_walk_begin`: named for taking a lock."""
    words = set(name.lower().split("_"))
    if words & _WRAPPER_WORDS:
        return True
    # zone_span_writelock, xfs_iolock_...: a word ending in "lock" that is not another word
    return any(w.endswith("lock") and w not in _NOT_LOCK_WORDS for w in words)


_NOT_LOCK_WORDS = frozenset({"block", "clock", "flock", "deadlock", "livelock", "unlock"})
