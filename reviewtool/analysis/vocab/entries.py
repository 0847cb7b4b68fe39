"""Lock vocabulary as rule data: the hand table merged over the search path, hand entries
as primitives for the derivation, and derived primitives as entries (rules/locks-derived.toml
and the tree caches use the same shape)."""

from __future__ import annotations

from dataclasses import replace

from reviewtool.analysis.vocab.primitives import STATE_CLASSES, Conventions, Op, paired
from reviewtool.resources import Rules, per_rules


@per_rules
def locks_table(rules: Rules) -> dict:
    """rules/locks.toml merged over the search path: the packaged file first, then each
    --rules DIR's (entries of the same name and keys of tables replaced, lists extended)."""
    merged: dict = {}
    for table in reversed(rules.tables("locks")):
        for key, value in table.items():
            if key in ("acquire", "release"):
                names = {entry["name"] for entry in value}
                kept = [e for e in merged.get(key, []) if e["name"] not in names]
                merged[key] = [*kept, *value]
            else:
                merged[key] = _merged(merged.get(key), value)
    return merged


def _merged(old: object, new: object) -> object:
    if isinstance(old, dict) and isinstance(new, dict):
        out = dict(old)
        for key, value in new.items():
            out[key] = _merged(out.get(key), value)
        return out
    if isinstance(old, list) and isinstance(new, list):
        return [*old, *(v for v in new if v not in old)]
    return new


def conventions(rules: Rules) -> Conventions:
    return _conventions(rules)


@per_rules
def _conventions(rules: Rules) -> Conventions:
    return Conventions.from_table(locks_table(rules))


def hand_ops(rules: Rules) -> list[Op]:
    """The hand entries of rules/locks.toml as primitives the derivation builds on."""
    return ops_from_entries(locks_table(rules), rules, source="rules")


def ops_from_entries(table: dict, rules: Rules, source: str = "") -> list[Op]:
    conv = conventions(rules)
    ops = []
    for kind in ("acquire", "release"):
        for entry in table.get(kind, ()):
            lock = entry.get("lock", [0])
            name = entry["name"]
            ops.append(
                Op(
                    name,
                    kind,
                    entry.get("class", name),
                    tuple(lock) if isinstance(lock, list) else (),
                    entry.get("acquired_when", ""),
                    entry.get("variant", conv.variant(name)),
                    entry.get("side", conv.side(name)),
                    source or entry.get("from", ""),
                )
            )
    return ops


def derived_table(
    ops: dict[str, Op], rules: Rules, others: list[Op] | None = None, scope: str = ""
) -> dict:
    """`ops` as acquire/release entries, classes renamed by `[class_names]`; acquires
    without any release are left out (nothing could pair them). `others` are the
    primitives releases may also come from (the hand ones by default)."""
    conv = conventions(rules)
    ops = {n: replace(op, cls=conv.class_names.get(op.cls, op.cls)) for n, op in ops.items()}
    releases = paired(ops, others if others is not None else hand_ops(rules))
    acquires = []
    for op in sorted(ops.values(), key=lambda o: o.name):
        if op.op == "acquire" and releases.get(op.name):
            acquires.append(_entry(op, scope, releases=releases[op.name]))
    used = {r for entry in acquires for r in entry["releases"]}
    released = [
        _entry(op, scope)
        for op in sorted(ops.values(), key=lambda o: o.name)
        if op.op == "release" and op.name in used
    ]
    return {"acquire": acquires, "release": released}


def _entry(op: Op, scope: str, releases: list[str] | None = None) -> dict:
    entry: dict = {"name": op.name, "class": op.cls, "lock": list(op.lock)}
    if releases is not None:
        entry["releases"] = releases
    if op.acquired_when:
        entry["acquired_when"] = op.acquired_when
    if op.variant:
        entry["variant"] = op.variant
        if op.cls not in STATE_CLASSES:  # the IRQ/BH state the lock's variant also changes
            entry["context"] = "bh" if op.variant == "bh" else "irq"
    if op.side:
        entry["side"] = op.side
    if scope:
        entry["scope"] = scope
    entry["from"] = op.source
    return entry
