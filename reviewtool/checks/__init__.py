"""The explicit registry of every check: one module per family, each exporting CHECKS."""

from __future__ import annotations

from reviewtool.checks import (
    apply,
    asserts,
    bisect,
    coverage,
    history,
    input,
    kdoc,
    lock_notes,
    locks,
)
from reviewtool.checks.base import Check

ALL: tuple[Check, ...] = tuple(
    [
        *input.CHECKS,
        *history.CHECKS,
        *apply.CHECKS,
        *locks.CHECKS,
        *lock_notes.CHECKS,
        *asserts.CHECKS,
        *kdoc.CHECKS,
        *bisect.CHECKS,
        *coverage.CHECKS,
    ]
)


def by_code() -> dict[str, Check]:
    return {check.code: check for check in ALL}


def select(
    select_codes: tuple[str, ...] = (), ignore_codes: tuple[str, ...] = ()
) -> tuple[Check, ...]:
    """Checks whose code starts with one of `select_codes` (all when empty) and none of
    `ignore_codes`: `--select LK --ignore LK004`."""

    def matches(code: str, prefixes: tuple[str, ...]) -> bool:
        return any(code.startswith(prefix.upper()) for prefix in prefixes)

    return tuple(
        check
        for check in ALL
        if (not select_codes or matches(check.code, select_codes))
        and not matches(check.code, ignore_codes)
    )
