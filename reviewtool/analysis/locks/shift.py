"""A lock result moved to other lines: a function whose text is unchanged but which moved
in its file keeps its cached result, with every line number in it (events, their
details, exit states) shifted by the same amount."""

from __future__ import annotations

import re
from dataclasses import replace

from reviewtool.analysis.locks.state import FunctionResult, Held, State

_WHEN = re.compile(r"^(when `.*` \(line )(\d+)(\) is (?:true|false))$", re.DOTALL)
_AT = re.compile(r"^((?:after the loop|through the switch) at line )(\d+)$")


def _line(value: int, delta: int) -> int:
    return value + delta if value else value  # 0 means "not here"


def _detail(detail: str, delta: int) -> str:
    match = _WHEN.match(detail) or _AT.match(detail)
    if match is None:
        return detail
    moved = str(int(match.group(2)) + delta)
    return match.group(1) + moved + (match.group(3) if match.lastindex == 3 else "")


def _held(held: Held, delta: int) -> Held:
    return replace(held, line=_line(held.line, delta))


def _state(state: State, delta: int) -> State:
    held = tuple(_held(h, delta) for h in state.held)
    released = tuple(
        (ident, caller, _line(at, delta), _line(taken, delta))
        for ident, caller, at, taken in state.released
    )
    return replace(state, held=held, released=released)


def shift_result(result: FunctionResult | None, delta: int) -> FunctionResult | None:
    """`result` of a function moved `delta` lines down (negative: up)."""
    if result is None:
        return None
    events = [
        replace(
            e,
            line=_line(e.line, delta),
            other_line=_line(e.other_line, delta),
            detail=_detail(e.detail, delta) if e.code == "LK001" else e.detail,
        )
        for e in result.events
    ]
    exits = [
        replace(x, line=_line(x.line, delta), state=_state(x.state, delta)) for x in result.exits
    ]
    return replace(result, events=events, exits=exits)
