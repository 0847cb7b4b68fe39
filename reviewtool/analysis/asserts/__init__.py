"""Assert sites per function (from rules/asserts.toml) and the inventory of what a patch changed.
`vocabulary` reads the rule data, `sites` finds asserts, `changes` compares two states,
`lockstates` asks the lock analysis what holds at a lock assert."""

from reviewtool.analysis.asserts.changes import AssertChange, inventory
from reviewtool.analysis.asserts.lockstates import LockView, lock_name, lock_views
from reviewtool.analysis.asserts.sites import (
    AssertSite,
    SideEffect,
    call_arguments,
    call_name,
    condition_nodes,
    find_asserts,
    in_debug_only_code,
    normalise,
    side_effects,
    strip_address,
)
from reviewtool.analysis.asserts.vocabulary import (
    KINDS,
    MODES,
    VALUES,
    AssertMacro,
    AssertRules,
    load_rules,
)

__all__ = [
    "KINDS",
    "MODES",
    "VALUES",
    "AssertChange",
    "AssertMacro",
    "AssertRules",
    "AssertSite",
    "LockView",
    "SideEffect",
    "call_arguments",
    "call_name",
    "condition_nodes",
    "find_asserts",
    "in_debug_only_code",
    "inventory",
    "load_rules",
    "lock_name",
    "lock_views",
    "normalise",
    "side_effects",
    "strip_address",
]
