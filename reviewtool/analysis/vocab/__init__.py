"""The lock vocabulary derived from a kernel tree's own headers (reviewtool.analysis.locks
reads it through `vocabulary(rules, scope)`).

- headers: what a header defines (macros, functions, prototypes), read as text;
- primitives: what a lock primitive is, lock classes, releases paired with acquires;
- derive: roots and wrappers to a fixed point;
- entries: the hand table (merged over --rules DIRs) and derived entries as rule data;
- tree: the vocabulary of a base tree (`--tree`/`--base`), derived lazily, cached.

Headers under include/ give the global vocabulary. A header elsewhere (fs/ext4/ext4.h,
kernel/sched/sched.h) is private to its directory: what it derives (`ext4_lock_group`,
`rq_lock_irqsave`) has that directory as its scope and applies only to files below it.
Without a tree the vocabulary is the committed rules/locks-derived.toml, generated from Linux
6.12 by tools/derive_locks.py. Hand entries of rules/locks.toml always win over derived ones
of the same name; a scoped entry wins over a global one."""

from __future__ import annotations

from collections.abc import Iterable

from reviewtool.analysis.vocab.derive import Deriver
from reviewtool.analysis.vocab.entries import (
    conventions,
    derived_table,
    hand_ops,
    locks_table,
    ops_from_entries,
)
from reviewtool.analysis.vocab.headers import Definition, definitions
from reviewtool.analysis.vocab.primitives import Conventions, Op
from reviewtool.resources import Rules, per_rules

__all__ = [
    "Conventions",
    "Definition",
    "Op",
    "conventions",
    "definitions",
    "derive",
    "derive_private",
    "derived_table",
    "global_ops",
    "hand_ops",
    "lock_headers",
    "locks_table",
    "scope_of",
    "vocabulary",
]


def lock_headers(rules: Rules) -> tuple[str, ...]:
    return tuple(locks_table(rules).get("vocabulary", {}).get("headers", ()))


def derive(found: Iterable[Definition], rules: Rules) -> dict[str, Op]:
    """Every primitive the definitions give, hand entries excluded (they stay as written)."""
    return Deriver(conventions(rules), hand_ops(rules)).run(found)


def derive_private(
    found: Iterable[Definition], global_ops: Iterable[Op], rules: Rules
) -> dict[str, Op]:
    """What a directory's private headers add on top of the global vocabulary."""
    return Deriver(conventions(rules), [*hand_ops(rules), *global_ops]).run(found)


@per_rules
def _committed_scopes(rules: Rules) -> tuple[str, ...]:
    table = rules.table("locks-derived")
    found = {e["scope"] for k in ("acquire", "release") for e in table.get(k, ()) if "scope" in e}
    return tuple(sorted(found))


def scope_of(rules: Rules, path: str | None) -> str:
    """The private scopes (`fs/ext4/`) whose vocabulary applies to the file at `path`,
    joined by `|` ("" for none): a cache key for `vocabulary`."""
    if not path:
        return ""
    provider = getattr(rules, "scopes_for", None)
    if provider is not None:
        return "|".join(provider(path))
    padded = "/" + path.replace("\\", "/")
    return "|".join(s for s in _committed_scopes(rules) if f"/{s}" in padded)


@per_rules
def vocabulary(rules: Rules, scope: str = "") -> dict:
    """rules/locks.toml (merged over --rules DIRs) with the derived entries added (the
    global ones, then those of `scope`): a hand entry replaces a derived one of the same
    name, a scoped one a global one."""
    table = dict(locks_table(rules))
    scopes = frozenset(scope.split("|")) if scope else frozenset()
    for kind in ("acquire", "release"):
        hand = list(table.get(kind, ()))
        names = {entry["name"] for entry in hand}
        derived = {e["name"]: e for e in _derived_entries(rules, kind) if not e.get("scope")}
        for entry in _scoped_entries(rules, scopes, kind):
            derived[entry["name"]] = entry
        table[kind] = hand + [e for n, e in derived.items() if n not in names]
    return _pair_hand_acquires(table, rules)


def _pair_hand_acquires(table: dict, rules: Rules) -> dict:
    """A hand acquire also pairs with every release of its class, side and IRQ variant
    (preempt_disable with preempt_enable_no_resched and put_cpu): the derived releases
    carry their variant and side, hand ones get them from their names."""
    conv = conventions(rules)

    def key(entry: dict) -> tuple[str, str, str]:
        name = entry["name"]
        variant = entry.get("variant", conv.variant(name))
        return (entry.get("class", name), entry.get("side", conv.side(name)), variant)

    by_key: dict[tuple[str, str, str], list[str]] = {}
    for entry in table.get("release", ()):
        by_key.setdefault(key(entry), []).append(entry["name"])
    hand = {e["name"] for e in locks_table(rules).get("acquire", ())}
    acquires = []
    for entry in table.get("acquire", ()):
        if entry["name"] in hand:
            extra = [r for r in by_key.get(key(entry), ()) if r not in entry.get("releases", ())]
            if extra:
                entry = {**entry, "releases": [*entry.get("releases", ()), *extra]}
        acquires.append(entry)
    return {**table, "acquire": acquires}


def _derived_entries(rules: Rules, kind: str) -> list[dict]:
    """The tree's with --tree/--base (a TreeRules), else rules/locks-derived.toml (a
    --rules DIR may shadow it)."""
    return list(rules.table("locks-derived").get(kind, ()))


def _scoped_entries(rules: Rules, scopes: frozenset[str], kind: str) -> list[dict]:
    provider = getattr(rules, "scoped_table", None)
    if provider is not None:
        return [e for scope in sorted(scopes) for e in provider(scope).get(kind, ())]
    return [e for e in _derived_entries(rules, kind) if e.get("scope") in scopes]


def global_ops(rules: Rules) -> list[Op]:
    """The derived global vocabulary of `rules` as primitives (for private derivations)."""
    kinds = ("acquire", "release")
    entries = {k: [e for e in _derived_entries(rules, k) if not e.get("scope")] for k in kinds}
    return ops_from_entries(entries, rules)
