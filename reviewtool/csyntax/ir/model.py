"""The IR one function is lowered to (`statements.lower_function`): `Stmt`s holding `Expr`s,
plain C control flow with kernel idioms already repaired, consumed by analysis/cfg.py and
the lock analysis; no tree-sitter here."""

from __future__ import annotations

from dataclasses import dataclass

MAX_DEPTH = 200  # nesting bound: deeper statements and expressions are left out (`too_deep`)


@dataclass(frozen=True, slots=True)
class Expr:
    """kind: call, name, const, unary, binary, assign, cond, comma, other.
    `name` is the callee of a call, the identifier of a name, the operator of unary/binary/assign.
    `value` is the integer of a const (true/false/NULL are 1/0/0), None when not an integer."""

    kind: str
    text: str  # whitespace-normalised source text
    line: int
    name: str = ""
    children: tuple[Expr, ...] = ()
    value: int | None = None


@dataclass(frozen=True, slots=True)
class Stmt:
    """kind: expr, if, while, dowhile, for, foreach, switch, case, goto, label, break, continue,
    return, block, scoped, noop. `expr` is the expression, condition, switch value or case value
    (None for default); `body`/`orelse` the nested statements; `name` the label or goto target;
    for `scoped`, `guard` the guard call `scoped_guard(type, args)` and `orelse` the fail
    statement of scoped_cond_guard."""

    kind: str
    line: int
    expr: Expr | None = None
    body: tuple[Stmt, ...] = ()
    orelse: tuple[Stmt, ...] = ()
    name: str = ""
    init: tuple[Expr, ...] = ()
    update: Expr | None = None
    end_line: int = 0
    guard: Expr | None = None


@dataclass(frozen=True, slots=True)
class Lowered:
    name: str
    body: tuple[Stmt, ...]
    end_line: int  # the closing brace
    params: tuple[str, ...]
    locals: frozenset[str] = frozenset()  # every variable declared in the body
    too_deep: int = 0  # first line left out for nesting past MAX_DEPTH, 0 when none
