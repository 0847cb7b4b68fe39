"""Lowering of one tree-sitter expression to an `Expr`: calls (guard(mutex)(&m) keeps its
inner call), names, constants (true/false/NULL, integer literals, negated ones), unary,
binary, assignments and updates, conditionals, commas; casts and parentheses looked through;
anything else kept as `other` with its nested calls and assignments, for their effects."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reviewtool.csyntax.ir.model import MAX_DEPTH, Expr

if TYPE_CHECKING:
    from tree_sitter import Node

_CONSTS = {"true": 1, "false": 0, "NULL": 0}


def normalise(text: str) -> str:
    """Source text with every run of whitespace removed (identity of lock expressions)."""
    return "".join(text.split())  # faster than re.sub(r"\s+", ""): the same characters


def _int_literal(text: str) -> int | None:
    text = text.rstrip("uUlL")
    try:
        return int(text, 0)
    except ValueError:
        return None


class ExprLowerer:
    """Expressions of one source; `statements.Lowerer` adds the statements."""

    def __init__(self, source: bytes) -> None:
        self.source = source
        self.too_deep = 0  # first line of what nested past MAX_DEPTH and was left out

    def text(self, node: Node) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    # -- expressions ---------------------------------------------------------------------

    def expr(self, node: Node | None, depth: int = 0) -> Expr | None:
        if node is None:
            return None
        kind = node.type
        if depth <= MAX_DEPTH:  # what is looked through needs no text of its own
            if kind == "parenthesized_expression":
                inner = [c for c in node.named_children if c.type != "comment"]
                if len(inner) == 1:
                    return self.expr(inner[0], depth + 1)
            elif kind == "cast_expression":
                value = self.expr(node.child_by_field_name("value"), depth + 1)
                if value is not None:
                    return value
        line = node.start_point[0] + 1
        text = normalise(self.text(node))
        if depth > MAX_DEPTH:
            self.too_deep = self.too_deep or line
            return Expr("other", text, line)
        if kind == "parenthesized_expression":
            return Expr("other", text, line)
        if kind == "identifier":
            if text in _CONSTS:
                return Expr("const", text, line, value=_CONSTS[text])
            return Expr("name", text, line, name=text)
        if kind in ("true", "false", "null"):
            return Expr("const", text, line, value=_CONSTS.get(text, 0))
        if kind == "number_literal":
            return Expr("const", text, line, value=_int_literal(text))
        if kind == "call_expression":
            callee = node.child_by_field_name("function")
            args = node.child_by_field_name("arguments")
            children = tuple(
                e
                for c in (args.named_children if args is not None else ())
                if c.type != "comment" and (e := self.expr(c, depth + 1)) is not None
            )
            name = normalise(self.text(callee)) if callee is not None else ""
            if callee is not None and callee.type == "call_expression":
                # guard(mutex)(&m), CLASS(fd, f)(fd): keep the inner call as `name(...)`
                inner = self.expr(callee, depth + 1)
                assert inner is not None
                return Expr("call", text, line, name=inner.name, children=(inner, *children))
            return Expr("call", text, line, name=name, children=children)
        if kind == "unary_expression" or kind == "pointer_expression":
            op = node.child_by_field_name("operator")
            arg = self.expr(node.child_by_field_name("argument"), depth + 1)
            opname = self.text(op) if op is not None else ""
            if opname == "-" and arg is not None and arg.kind == "const" and arg.value is not None:
                return Expr("const", text, line, value=-arg.value)
            return Expr("unary", text, line, name=opname, children=(arg,) if arg else ())
        if kind == "binary_expression":
            op = node.child_by_field_name("operator")
            left = self.expr(node.child_by_field_name("left"), depth + 1)
            right = self.expr(node.child_by_field_name("right"), depth + 1)
            kids = tuple(e for e in (left, right) if e is not None)
            return Expr("binary", text, line, name=self.text(op) if op else "", children=kids)
        if kind == "assignment_expression":
            op = node.child_by_field_name("operator")
            left = self.expr(node.child_by_field_name("left"), depth + 1)
            right = self.expr(node.child_by_field_name("right"), depth + 1)
            kids = tuple(e for e in (left, right) if e is not None)
            return Expr("assign", text, line, name=self.text(op) if op else "=", children=kids)
        if kind == "update_expression":
            arg = self.expr(node.child_by_field_name("argument"), depth + 1)
            return Expr("assign", text, line, name="++", children=(arg,) if arg else ())
        if kind == "conditional_expression":
            parts = [
                self.expr(node.child_by_field_name(f), depth + 1)
                for f in ("condition", "consequence", "alternative")
            ]
            kids = tuple(e for e in parts if e is not None)
            return Expr("cond", text, line, children=kids)
        if kind == "comma_expression":
            kids = tuple(
                e for c in node.named_children if (e := self.expr(c, depth + 1)) is not None
            )
            return Expr("comma", text, line, children=kids)
        # Anything else (a cast without a value too): keep nested calls and assignments
        # visible for their effects.
        kids = tuple(
            e
            for c in node.named_children
            if c.type in _EFFECT_TYPES and (e := self.expr(c, depth + 1)) is not None
        )
        return Expr("other", text, line, children=kids)


_EFFECT_TYPES = frozenset(
    {
        "call_expression",
        "assignment_expression",
        "update_expression",
        "comma_expression",
        "conditional_expression",
        "parenthesized_expression",
        "binary_expression",
        "unary_expression",
        "cast_expression",
        "pointer_expression",
        "field_expression",
        "subscript_expression",
        "initializer_list",
        "argument_list",
    }
)
