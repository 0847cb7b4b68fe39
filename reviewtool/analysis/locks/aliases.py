"""Locals that only name a lock's owner: `sbi = EXT4_SB(sb)`, `ei = EXT4_I(inode)`,
`rtm = &rwb->rtmutex`, `f = container_of(work, struct foo, work)`.

A local assigned exactly once (its declaration or one assignment, never incremented, its
address never taken) stands for the expression it was given. Lock expressions are compared
and summarised in that expanded, canonical form, so `spin_lock(&EXT4_SB(sb)->s_fc_lock)` is
released by `spin_unlock(&sbi->s_fc_lock)`, and a callee's `spin_unlock(&rtm->wait_lock)`
becomes `&$0->rtmutex.wait_lock` for its callers. Identity keeps the written form (a local
reassigned in a loop must still make its lock stale); only matching and templates expand."""

from __future__ import annotations

import re

from reviewtool.analysis.cfg import CFG
from reviewtool.csyntax.ir import Expr

_IDENT = re.compile(r"(?<![\w>.])[A-Za-z_]\w*")
_MAX_DEPTH = 4


def definitions(cfg: CFG) -> dict[str, str]:
    """The locals of `cfg` assigned exactly once, with the text they were assigned."""
    assigned: dict[str, list[tuple[str, int]]] = {}
    blocked: set[str] = set()
    for node in cfg.nodes:
        stack = [node.expr] if node.expr is not None else []
        while stack:
            expr = stack.pop()
            if expr.kind == "assign" and expr.children and expr.children[0].kind == "name":
                plain = expr.name == "=" and len(expr.children) == 2 and _plain(expr.children[1])
                text = expr.children[1].text if plain else ""
                assigned.setdefault(expr.children[0].name, []).append((text, expr.line))
            elif _address_of_name(expr):  # `f(&p)`: whatever f stores there
                blocked.add(expr.children[0].name)
            stack.extend(expr.children)
    once = {
        name: texts[0]
        for name, texts in assigned.items()
        if name in cfg.locals and name not in blocked and len(texts) == 1 and texts[0][0]
    }
    # `swapcache = folio` stands for `folio` only while folio keeps its value: a value naming
    # a variable assigned anywhere in the function is no definition, but for one defined
    # once on an earlier line (`file = iocb->ki_filp; inode = file_inode(file);`)
    return {
        name: text
        for name, (text, line) in once.items()
        if all(
            other not in assigned or other in once and once[other][1] < line
            for other in _IDENT.findall(text)
        )
    }


def _address_of_name(expr: Expr) -> bool:
    return (
        expr.kind == "unary"
        and expr.name == "&"
        and bool(expr.children)
        and (expr.children[0].kind == "name")
    )


def _plain(value: Expr) -> bool:
    """A value an alias may stand for: no assignment inside, not a constant."""
    if value.kind == "const":
        return False
    stack = [value]
    while stack:
        current = stack.pop()
        if current.kind in ("assign", "cond", "comma"):
            return False
        stack.extend(current.children)
    return True


def canonical(text: str, defs: dict[str, str]) -> str:
    """`text` with every single-assignment local replaced by its value, simplified."""
    if not defs:
        return text
    for _ in range(_MAX_DEPTH):
        if not any(name in defs for name in _IDENT.findall(text)):
            break

        def expand(match: re.Match[str]) -> str:
            name = match.group(0)
            value = defs.get(name)
            if value is None:
                return name
            return value if _postfix(value) else f"({value})"

        text = _IDENT.sub(expand, text)
    return simplify(text)


def _postfix(value: str) -> bool:
    """`a->b`, `EXT4_SB(sb)`, `x[i].y`: needs no parentheses in front of `->`."""
    if not value or not (value[0].isalpha() or value[0] == "_"):
        return False
    depth = 0
    for index, char in enumerate(value):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif depth == 0 and not (char.isalnum() or char in "_." or _arrow(value, index)):
            return False
    return depth == 0


def _arrow(value: str, index: int) -> bool:
    return value[index : index + 2] == "->" or value[index - 1 : index + 1] == "->"


# a parenthesis that opens a call's arguments is preceded by a name or `)`: left alone
_ADDR_ARROW = re.compile(r"(?<![\w)])\(&([\w.>\-\[\]]+)\)->")
_DEREF_ADDR = re.compile(r"\*\(&([\w.>\-\[\]]+)\)|\*&([\w.>\-\[\]]+)")
_PAREN_PATH = re.compile(r"(?<![\w)])\(([A-Za-z_][\w.>\-\[\]]*)\)(?=->|\.|\)|$|,)")


def simplify(text: str) -> str:
    """`(&x->a)->b` is `x->a.b`, `*&x` is `x`, `(x->a)->b` is `x->a->b`."""
    for _ in range(_MAX_DEPTH):
        before = text
        text = _ADDR_ARROW.sub(r"\1.", text)
        text = _DEREF_ADDR.sub(lambda m: m.group(1) or m.group(2), text)
        text = _PAREN_PATH.sub(r"\1", text)
        if text == before:
            break
    return text
