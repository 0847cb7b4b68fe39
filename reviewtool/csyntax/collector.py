"""The collector: every fact `FileFacts` holds, read off a tree-sitter tree with one run of
the facts query (over the whole tree or one byte span, in document order) plus a few node
reads: functions with their signatures, annotations and parse errors, prototypes and macros,
calls and the function each sits in, comments, type names, enumerators."""

from __future__ import annotations

from bisect import bisect_right
from typing import TYPE_CHECKING

from reviewtool.csyntax.facts import (
    Call,
    Comment,
    Declaration,
    Function,
    Param,
    _facts_query,
    node_text,
)
from reviewtool.csyntax.prepare import Annotation
from reviewtool.resources import Rules

if TYPE_CHECKING:
    from tree_sitter import Node


def _declarator_name(node: Node | None) -> Node | None:
    """The identifier a declarator declares: `*foo`, `foo(...)`, `(*foo)(...)`, `foo[3]`."""
    while node is not None:
        if node.type in ("identifier", "field_identifier", "type_identifier"):
            return node
        inner = node.child_by_field_name("declarator")
        if inner is None:
            inner = next(
                (
                    c
                    for c in node.named_children
                    if c.type.endswith("declarator")
                    or c.type in ("identifier", "parenthesized_declarator")
                ),
                None,
            )
        node = inner
    return None


def _function_declarator(node: Node | None) -> Node | None:
    while node is not None and node.type != "function_declarator":
        node = node.child_by_field_name("declarator")
    return node


def _error_lines(node: Node, limit: int = 20) -> tuple[int, ...]:
    """Lines (1-based, sorted) where ERROR/MISSING nodes under `node` start."""
    if not node.has_error:
        return ()
    lines: set[int] = set()
    stack = [node]
    while stack and len(lines) < limit:
        current = stack.pop()
        if current.is_error or current.is_missing:
            lines.add(current.start_point[0] + 1)
        elif current.has_error:
            stack.extend(current.children)
    return tuple(sorted(lines))


def _count_errors(node: Node) -> int:
    if not node.has_error:
        return 0
    count = 0
    stack = [node]
    while stack:
        current = stack.pop()
        if current.is_error or current.is_missing:
            count += 1
        if current.has_error:
            stack.extend(current.children)
    return count


class _Collector:
    """Gathers every fact FileFacts holds from one query run (in C) plus a few node reads."""

    def __init__(
        self,
        source: bytes,
        annotations: tuple[Annotation, ...],
        rules: Rules,
        functions_only: bool = False,
    ) -> None:
        self.source = source
        # functions alone (FactsCache.functions_only): the other captures are not read
        self.functions_only = functions_only
        self.annotations = annotations
        self.query = _facts_query(rules.query("facts"))
        self.functions: list[Function] = []
        self.comments: list[Comment] = []
        self.calls: list[Call] = []
        self.declarations: list[Declaration] = []
        self.type_lines: list[tuple[int, str]] = []
        self.errors = 0

    def text(self, node: Node) -> str:
        return node_text(self.source, node)

    def visit(self, root: Node, span: tuple[int, int] | None = None) -> None:
        """Collect from the whole tree, or only the nodes wholly inside the byte `span`."""
        from tree_sitter import QueryCursor

        cursor = QueryCursor(self.query)
        low, high = span if span is not None else (0, len(self.source))
        if span is None:
            self.errors = _count_errors(root)
        else:
            cursor.set_byte_range(low, high)
        # in document order: the cursor's own order among nested matches (a call inside a
        # call's arguments) depends on what else it was matching, not only on the nodes
        captures = {
            name: sorted(
                (n for n in nodes if n.start_byte >= low and n.end_byte <= high),
                key=_start,
            )
            for name, nodes in cursor.captures(root).items()
            if name == "function" or not self.functions_only
        }
        for node in captures.get("function", ()):
            fn = self._function(node)
            if fn is not None:
                self.functions.append(fn)
        self.functions.sort(key=lambda fn: fn.start_line)
        if self.functions_only:
            return
        spans = [(fn.node.start_byte, fn.node.end_byte, fn.name) for fn in self.functions]
        for node in captures.get("comment", ()):
            self.comments.append(
                Comment(self.text(node), node.start_point[0] + 1, node.end_point[0] + 1)
            )
        for node in captures.get("declaration", ()):
            if _enclosing(spans, node.start_byte) is None:
                self._prototype(node)
        for node in (*captures.get("macro", ()), *captures.get("function_macro", ())):
            self._macro(node)
        for node in captures.get("call", ()):
            self._call(node, _enclosing(spans, node.start_byte))
        for node in captures.get("record", ()):
            name = self.text(node.child_by_field_name("name"))
            self.type_lines.append((node.start_point[0] + 1, name))
        for node in captures.get("typedef", ()):
            for declarator in node.children_by_field_name("declarator"):
                name = _declarator_name(declarator)
                if name is not None:
                    self.type_lines.append((node.start_point[0] + 1, self.text(name)))
        for node in captures.get("enumerator", ()):
            name = node.child_by_field_name("name")
            self.declarations.append(
                Declaration(self.text(name), node.start_point[0] + 1, "enumerator")
            )
        self.comments.sort(key=lambda comment: comment.start_line)
        self.calls.sort(key=lambda call: call.line)
        self.declarations.sort(key=lambda decl: decl.line)
        self.type_lines.sort(key=lambda item: item[0])

    def _params(self, declarator: Node) -> tuple[tuple[Param, ...], bool]:
        params: list[Param] = []
        variadic = False
        plist = declarator.child_by_field_name("parameters")
        if plist is None:
            return (), False
        for child in plist.named_children:
            if child.type == "variadic_parameter":
                variadic = True
            elif child.type == "parameter_declaration":
                name_node = _declarator_name(child.child_by_field_name("declarator"))
                type_text = self.text(child)
                if name_node is None and type_text.strip() == "void":
                    continue
                params.append(Param(self.text(name_node) if name_node else None, type_text))
        if self.text(plist).replace(" ", "").endswith("...)"):
            variadic = True
        return tuple(params), variadic

    def _function(self, node: Node) -> Function | None:
        declarator = _function_declarator(node.child_by_field_name("declarator"))
        body = node.child_by_field_name("body")
        if declarator is None or body is None:
            return None
        name_node = _declarator_name(declarator.child_by_field_name("declarator"))
        if name_node is None:
            return None
        params, variadic = self._params(declarator)
        is_static = any(
            child.type == "storage_class_specifier" and self.text(child) == "static"
            for child in node.children
        )
        type_node = node.child_by_field_name("type")
        return_type = self.text(type_node) if type_node is not None else "int"
        outer = node.child_by_field_name("declarator")
        if outer is not None and outer.type == "pointer_declarator":
            return_type += " *"
        header_end = body.start_byte
        annotations = tuple(a for a in self.annotations if node.start_byte <= a.offset < header_end)
        return Function(
            name=self.text(name_node),
            start_line=node.start_point[0] + 1,
            end_line=node.end_point[0] + 1,
            body_line=body.start_point[0] + 1,
            is_static=is_static,
            return_type=return_type,
            params=params,
            variadic=variadic,
            annotations=annotations,
            error_count=_count_errors(node),
            node=node,
            error_lines=_error_lines(node),
        )

    def _prototype(self, node: Node) -> None:
        is_static = any(
            child.type == "storage_class_specifier" and self.text(child) == "static"
            for child in node.children
        )
        for declarator in node.children_by_field_name("declarator"):
            fdecl = _function_declarator(declarator)
            if fdecl is None:
                continue
            name = _declarator_name(fdecl.child_by_field_name("declarator"))
            if name is None:
                continue
            params, variadic = self._params(fdecl)
            self.declarations.append(
                Declaration(
                    self.text(name),
                    node.start_point[0] + 1,
                    "prototype",
                    is_static=is_static,
                    arg_count=None if variadic else len(params),
                    variadic=variadic,
                )
            )

    def _macro(self, node: Node) -> None:
        name = node.child_by_field_name("name")
        if name is None:
            return
        if node.type == "preproc_function_def":
            params = node.child_by_field_name("parameters")
            names = [c for c in params.named_children] if params is not None else []
            variadic = params is not None and "..." in self.text(params)
            self.declarations.append(
                Declaration(
                    self.text(name),
                    node.start_point[0] + 1,
                    "function-macro",
                    arg_count=None if variadic else len(names),
                    variadic=variadic,
                )
            )
        else:
            self.declarations.append(Declaration(self.text(name), node.start_point[0] + 1, "macro"))

    def _call(self, node: Node, function: str | None) -> None:
        callee = node.child_by_field_name("function")
        if callee is None or callee.type != "identifier":
            return
        args = node.child_by_field_name("arguments")
        count = 0
        if args is not None:
            count = args.named_child_count  # no list of nodes made for most calls
            if count and self.source.find(b"/", args.start_byte, args.end_byte) >= 0:
                # a comment among the arguments is no argument (a division comes here too)
                count = sum(1 for child in args.named_children if child.type != "comment")
        self.calls.append(Call(self.text(callee), node.start_point[0] + 1, function, count))


def _start(node: Node) -> int:
    return node.start_byte


def _enclosing(spans: list[tuple[int, int, str]], offset: int) -> str | None:
    """The function whose byte span holds `offset` (spans sorted, non-overlapping)."""
    index = bisect_right(spans, (offset, float("inf"), "")) - 1
    if index >= 0 and spans[index][0] <= offset < spans[index][1]:
        return spans[index][2]
    return None
