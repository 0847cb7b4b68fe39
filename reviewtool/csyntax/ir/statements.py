"""Lowering of one tree-sitter function body to the IR (`model`): kernel idioms repaired
here (for-each macros become loops, scoped_guard a scope, statement macros csyntax/prepare.py
marked), everything else kept as plain C control flow for analysis/cfg.py; the names the body
declares. Expressions are lowered by `expressions`."""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from reviewtool.csyntax.facts import c_language
from reviewtool.csyntax.ir.expressions import ExprLowerer, normalise
from reviewtool.csyntax.ir.model import MAX_DEPTH, Expr, Lowered, Stmt
from reviewtool.csyntax.prepare import LOOP_MARKERS
from reviewtool.resources import Rules, default_rules, per_rules

if TYPE_CHECKING:
    from tree_sitter import Node, Query


@cache
def _iterator_regex(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns) or "(?!)")


class _Vocabulary:
    def __init__(self, rules: Rules) -> None:
        table = rules.table("cfg")
        self.iterators = _iterator_regex(tuple(table.get("iterators", {}).get("patterns", ())))
        scopes = table.get("scopes", {})
        self.scoped = frozenset(scopes.get("scoped_guard", ()))
        self.scoped_cond = frozenset(scopes.get("scoped_cond_guard", ()))


@cache
def _declarations() -> Query:
    from tree_sitter import Query

    return Query(c_language(), "(declaration) @declaration")


@per_rules
def _vocabulary(rules: Rules) -> _Vocabulary:
    """Read once per rule set (the lowering runs once per function)."""
    return _Vocabulary(rules)


class Lowerer(ExprLowerer):
    def __init__(self, source: bytes, rules: Rules | None = None) -> None:
        super().__init__(source)
        self.vocab = _vocabulary(rules or default_rules())

    # -- statements ----------------------------------------------------------------------

    def function(self, node: Node, name: str, params: tuple[str, ...]) -> Lowered:
        body = node.child_by_field_name("body")
        stmts = self.block_items(body, 0) if body is not None else ()
        declared = self._declared(body) if body is not None else frozenset()
        return Lowered(name, stmts, node.end_point[0] + 1, params, declared, self.too_deep)

    def _declared(self, body: Node) -> frozenset[str]:
        """Names declared anywhere in the body (locals: not globals, not parameters). The
        declarations are found by a query (in C: a walk of every node in Python cost a sixth
        of the lowering)."""
        from tree_sitter import QueryCursor

        names: set[str] = set()
        found = QueryCursor(_declarations()).captures(body).get("declaration", ())
        for declaration in found:
            for declarator in declaration.children_by_field_name("declarator"):
                target = declarator
                while target is not None and target.type != "identifier":
                    target = target.child_by_field_name("declarator")
                if target is not None:
                    names.add(self.text(target))
        return frozenset(names)

    def block_items(self, node: Node, depth: int) -> tuple[Stmt, ...]:
        children = [c for c in node.named_children if c.type != "comment"]
        return tuple(self.sequence(children, depth))

    def sequence(self, nodes: list[Node], depth: int) -> list[Stmt]:
        out: list[Stmt] = []
        index = 0
        while index < len(nodes):
            node = nodes[index]
            header = self._macro_header(node)
            if header is not None and index + 1 < len(nodes):
                # `for_each_x(...)` / `scoped_guard(...)` + MISSING `;` + the body that follows.
                out.append(self._macro_statement(header, nodes[index + 1], depth))
                index += 2
                continue
            out.append(self.statement(node, depth))
            index += 1
        return out

    def _macro_header(self, node: Node) -> Node | None:
        """The call of a for-each / scoped_guard macro used as a statement header."""
        if node.type != "expression_statement" or node.named_child_count != 1:
            return None
        call = node.named_children[0]
        if call.type != "call_expression":
            return None
        missing = node.child_count > 0 and node.children[-1].is_missing
        name = self.text(call.child_by_field_name("function") or call)
        if self._is_iterator(name) or name in self.vocab.scoped or name in self.vocab.scoped_cond:
            return call if missing else None
        return None

    def _is_iterator(self, name: str) -> bool:
        return bool(self.vocab.iterators.search(name))

    def _macro_statement(self, call: Node, body_node: Node, depth: int) -> Stmt:
        line = call.start_point[0] + 1
        expr = self.expr(call, depth)
        body = self.body(body_node, depth + 1)
        end = body_node.end_point[0] + 1
        name = expr.name if expr is not None else ""
        if name in self.vocab.scoped or name in self.vocab.scoped_cond:
            fail: tuple[Stmt, ...] = ()
            if name in self.vocab.scoped_cond and expr is not None and len(expr.children) >= 2:
                fail = (Stmt("expr", line, expr=expr.children[1]),)
            return Stmt("scoped", line, guard=expr, body=body, orelse=fail, end_line=end)
        return Stmt("foreach", line, expr=expr, body=body, end_line=end)

    def body(self, node: Node | None, depth: int) -> tuple[Stmt, ...]:
        if node is None:
            return ()
        if node.type == "compound_statement":
            return (self.statement(node, depth),)
        return (self.statement(node, depth),)

    def statement(self, node: Node, depth: int) -> Stmt:  # noqa: C901 - one case per C statement
        line = node.start_point[0] + 1
        end = node.end_point[0] + 1
        kind = node.type
        if depth > MAX_DEPTH:
            self.too_deep = self.too_deep or line
            return Stmt("noop", line)
        if kind == "compound_statement":
            return Stmt("block", line, body=self.block_items(node, depth + 1), end_line=end)
        if kind == "expression_statement":
            inner = [c for c in node.named_children if c.type != "comment"]
            if not inner:
                return Stmt("noop", line)
            return Stmt("expr", line, expr=self.expr(inner[0], depth))
        if kind == "declaration":
            return self._declaration(node, line, depth)
        if kind == "if_statement":
            cond = self.expr(node.child_by_field_name("condition"), depth)
            then = self.body(node.child_by_field_name("consequence"), depth + 1)
            alt = node.child_by_field_name("alternative")
            if alt is not None and alt.type == "else_clause":
                alt = next((c for c in alt.named_children if c.type != "comment"), None)
            orelse = self.body(alt, depth + 1) if alt is not None else ()
            return Stmt("if", line, expr=cond, body=then, orelse=orelse, end_line=end)
        if kind == "while_statement":
            marked = self._marked_loop(node, line, end, depth)
            if marked is not None:
                return marked
            cond = self.expr(node.child_by_field_name("condition"), depth)
            body = self.body(node.child_by_field_name("body"), depth + 1)
            return Stmt("while", line, expr=cond, body=body, end_line=end)
        if kind == "do_statement":
            cond = self.expr(node.child_by_field_name("condition"), depth)
            body = self.body(node.child_by_field_name("body"), depth + 1)
            return Stmt("dowhile", line, expr=cond, body=body, end_line=end)
        if kind == "for_statement":
            return self._for(node, line, end, depth)
        if kind == "switch_statement":
            value = self.expr(node.child_by_field_name("condition"), depth)
            body = self.body(node.child_by_field_name("body"), depth + 1)
            return Stmt("switch", line, expr=value, body=body, end_line=end)
        if kind == "case_statement":
            value_node = node.child_by_field_name("value")
            items = [c for c in node.named_children if c.type != "comment" and c != value_node]
            body = tuple(self.sequence(items, depth + 1))
            return Stmt("case", line, expr=self.expr(value_node, depth), body=body)
        if kind == "labeled_statement":
            label = node.child_by_field_name("label")
            inner = [
                c for c in node.named_children if c.type not in ("statement_identifier", "comment")
            ]
            body = tuple(self.sequence(inner, depth + 1))
            return Stmt("label", line, name=self.text(label) if label else "", body=body)
        if kind == "goto_statement":
            label = node.child_by_field_name("label")
            return Stmt("goto", line, name=self.text(label) if label else "")
        if kind == "break_statement":
            return Stmt("break", line)
        if kind == "continue_statement":
            return Stmt("continue", line)
        if kind == "return_statement":
            inner = [c for c in node.named_children if c.type != "comment"]
            return Stmt("return", line, expr=self.expr(inner[0], depth) if inner else None)
        if kind in ("preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif"):
            # Both arms of an #if are taken as alternatives would be guessing: keep the first.
            skip = {node.child_by_field_name(f) for f in ("condition", "name", "alternative")}
            items = [c for c in node.named_children if c not in skip and c.type != "comment"]
            return Stmt("block", line, body=tuple(self.sequence(items, depth + 1)), end_line=end)
        return Stmt("noop", line)

    def _marked_loop(self, node: Node, line: int, end: int, depth: int) -> Stmt | None:
        """A statement macro csyntax/prepare.py rewrote as `while/*tag*/(args)`."""
        marker = next((c for c in node.children if c.type == "comment"), None)
        if marker is None:
            return None
        tag = self.text(marker)[2:-2]
        kind = LOOP_MARKERS.get(tag)
        if kind is None:
            return None
        cond = node.child_by_field_name("condition")
        args: tuple[Expr, ...] = ()
        if cond is not None:
            inner = [c for c in cond.named_children if c.type != "comment"]
            if len(inner) == 1 and inner[0].type == "comma_expression":
                args = self._comma_items(inner[0], depth)
            else:
                args = tuple(e for c in inner if (e := self.expr(c, depth + 1)) is not None)
        call = Expr("call", normalise(self.text(cond)) if cond else "", line, kind, args)
        body = self.body(node.child_by_field_name("body"), depth + 1)
        if kind == "foreach":
            return Stmt("foreach", line, expr=call, body=body, end_line=end)
        fail: tuple[Stmt, ...] = ()
        if kind == "scoped_cond_guard" and len(args) >= 2:
            fail = (Stmt("expr", line, expr=args[1]),)
        return Stmt("scoped", line, guard=call, body=body, orelse=fail, end_line=end)

    def _comma_items(self, node: Node, depth: int) -> tuple[Expr, ...]:
        """`a, b, c` as a flat argument list (tree-sitter nests comma expressions)."""
        items: list[Expr] = []
        current: Node | None = node
        while current is not None and current.type == "comma_expression" and depth < MAX_DEPTH:
            left = self.expr(current.child_by_field_name("left"), depth + 1)
            if left is not None:
                items.append(left)
            current = current.child_by_field_name("right")
            depth += 1
        if current is not None and (last := self.expr(current, depth + 1)) is not None:
            items.append(last)
        return tuple(items)

    def _declaration(self, node: Node, line: int, depth: int) -> Stmt:
        inits: list[Expr] = []
        for declarator in node.children_by_field_name("declarator"):
            if declarator.type != "init_declarator":
                continue
            target = declarator.child_by_field_name("declarator")
            value = self.expr(declarator.child_by_field_name("value"), depth)
            name_node = target
            while name_node is not None and name_node.type != "identifier":
                name_node = name_node.child_by_field_name("declarator")
            if name_node is None or value is None:
                continue
            name = self.text(name_node)
            left = Expr("name", name, line, name=name)
            inits.append(Expr("assign", f"{name}={value.text}", line, "=", (left, value)))
        if not inits:
            return Stmt("noop", line)
        if len(inits) == 1:
            return Stmt("expr", line, expr=inits[0])
        return Stmt("expr", line, expr=Expr("comma", "", line, children=tuple(inits)))

    def _for(self, node: Node, line: int, end: int, depth: int) -> Stmt:
        init_node = node.child_by_field_name("initializer")
        init: tuple[Expr, ...] = ()
        if init_node is not None:
            if init_node.type == "declaration":
                decl = self._declaration(init_node, line, depth)
                init = (decl.expr,) if decl.expr is not None else ()
            else:
                expr = self.expr(init_node, depth)
                init = (expr,) if expr is not None else ()
        cond = self.expr(node.child_by_field_name("condition"), depth)
        update = self.expr(node.child_by_field_name("update"), depth)
        body = self.body(node.child_by_field_name("body"), depth + 1)
        return Stmt("for", line, expr=cond, body=body, init=init, update=update, end_line=end)


def lower_function(source: bytes, function: object, rules: Rules | None = None) -> Lowered:
    """The IR of one csyntax Function (its `node` is the function_definition)."""
    lowerer = Lowerer(source, rules)
    params = tuple(p.name for p in getattr(function, "params", ()) if p.name)
    return lowerer.function(function.node, function.name, params)  # type: ignore[attr-defined]


@per_rules
def scoped_macros(rules: Rules) -> frozenset[str]:
    """The macros whose statement the lowering makes a guard scope (`scoped_guard`)."""
    vocab = _vocabulary(rules)
    return vocab.scoped | vocab.scoped_cond


_STAND_IN = Expr("other", "", 0)


class _Skeleton(Lowerer):
    """The statements `Lowerer` makes, with stand-ins for expressions: a call keeps its name
    and as many arguments (what build_cfg and the for-each/scoped_guard statements read),
    anything else is one `other`; None exactly where the lowering gives None (no node)."""

    def expr(self, node: Node | None, depth: int = 0) -> Expr | None:
        if node is None:
            return None
        if node.type != "call_expression":
            return _STAND_IN
        callee = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        count = 0 if args is None else sum(c.type != "comment" for c in args.named_children)
        if callee is not None and callee.type == "call_expression":
            inner = self.expr(callee, depth + 1)
            assert inner is not None
            return Expr("call", "", 0, name=inner.name, children=(inner,) + (_STAND_IN,) * count)
        name = normalise(self.text(callee)) if callee is not None else ""
        return Expr("call", "", 0, name=name, children=(_STAND_IN,) * count)

    def _declared(self, body: Node) -> frozenset[str]:
        return frozenset()


def skeleton_function(source: bytes, function: object, rules: Rules | None = None) -> Lowered:
    """`lower_function`'s statements with stand-in expressions: the same CFG nodes, cheaply
    (analysis/locks/skip.py). Only for a function the lowering does not cut for depth."""
    lowerer = _Skeleton(source, rules)
    params = tuple(p.name for p in getattr(function, "params", ()) if p.name)
    return lowerer.function(function.node, function.name, params)  # type: ignore[attr-defined]
