"""What csyntax extracts from one parse: the fact types (`FileFacts` and what it holds), the
C language and the facts query (rules/queries/c/facts.scm) they are read with, `walk`; the
collector that reads them off a tree is `collector`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from reviewtool.csyntax.prepare import Annotation
from reviewtool.errors import RuleDataError
from reviewtool.resources import default_rules

if TYPE_CHECKING:  # tree-sitter is imported on first use: `--help`, `rules`, `hook` never do
    from tree_sitter import Language, Node, Query, Tree


@cache
def c_language() -> Language:
    import tree_sitter_c
    from tree_sitter import Language

    return Language(tree_sitter_c.language())


def __getattr__(name: str) -> Any:  # `C_LANGUAGE`, built when first asked for
    if name == "C_LANGUAGE":
        return c_language()
    raise AttributeError(name)


@dataclass(frozen=True, slots=True)
class Param:
    name: str | None  # None for `void` and unnamed parameters
    type: str


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    start_line: int  # 1-based: first line of the definition (return type)
    end_line: int  # 1-based: the closing brace
    body_line: int  # 1-based: the opening brace
    is_static: bool
    return_type: str  # "void", "int", "struct foo *"
    params: tuple[Param, ...]
    variadic: bool
    annotations: tuple[Annotation, ...]  # __acquires(...) etc. between signature and body
    error_count: int  # tree-sitter ERROR and MISSING nodes inside the definition
    node: Node = field(repr=False, compare=False)  # for csyntax's own lowering only
    error_lines: tuple[int, ...] = ()  # 1-based lines where those nodes start (first 20)


@dataclass(frozen=True, slots=True)
class Comment:
    text: str
    start_line: int
    end_line: int


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    line: int
    function: str | None  # the function the call sits in
    arg_count: int


@dataclass(frozen=True, slots=True)
class Declaration:
    """A prototype or a macro definition."""

    name: str
    line: int
    kind: str  # "prototype", "macro", "function-macro"
    is_static: bool = False
    arg_count: int | None = None  # None when variadic or unknown
    variadic: bool = False


@dataclass(frozen=True, slots=True)
class FileFacts:
    path: str
    sha1: str
    functions: tuple[Function, ...]
    comments: tuple[Comment, ...]
    calls: tuple[Call, ...]
    declarations: tuple[Declaration, ...]
    types: frozenset[str]  # struct/union/enum tags and typedef names defined here
    error_count: int
    parse_failed: bool  # the parse was cancelled (deadline): no facts, nothing to check
    tree: Tree = field(repr=False, compare=False)
    source: bytes = field(repr=False, compare=False)  # the prepared (attribute-blanked) bytes
    # what incremental updates need (csyntax/incremental.py): where each type name is
    # defined, and the lock annotations of the whole file
    type_lines: tuple[tuple[int, str], ...] = field(default=(), repr=False, compare=False)
    annotations: tuple[Annotation, ...] = field(default=(), repr=False, compare=False)

    @property
    def identifiers(self) -> frozenset[str]:
        """Every identifier used outside comments and string literals (computed on use)."""
        from tree_sitter import QueryCursor

        captures = QueryCursor(_facts_query(default_rules().query("facts"))).captures(
            self.tree.root_node
        )
        excluded = [*captures.get("comment", ()), *captures.get("string", ())]
        return frozenset(_identifiers(self.source, excluded))

    def function(self, name: str) -> Function | None:
        return next((fn for fn in self.functions if fn.name == name), None)

    def function_at(self, line: int) -> Function | None:
        return next((fn for fn in self.functions if fn.start_line <= line <= fn.end_line), None)

    def text(self, node: Node) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")


def node_text(source: bytes, node: Node) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", "replace")


@cache
def _facts_query(text: str) -> Query:
    try:
        from tree_sitter import Query

        return Query(c_language(), text)
    except Exception as exc:  # tree-sitter raises QueryError subclasses by version
        raise RuleDataError(f"rules/queries/c/facts.scm: {exc}") from None


_IDENTIFIER = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")


def _identifiers(source: bytes, excluded: list[Node]) -> set[str]:
    """Every word outside comments and string literals: cheap, and what "is it used" needs."""
    chunks = []
    position = 0
    for node in sorted(excluded, key=lambda n: n.start_byte):
        if node.start_byte >= position:
            chunks.append(source[position : node.start_byte])
            position = node.end_byte
    chunks.append(source[position:])
    words = _IDENTIFIER.findall(b" ".join(chunks))
    return {word.decode("ascii") for word in set(words)}


def walk(node: Node) -> Any:
    """Pre-order walk over named and anonymous children (helper for csyntax submodules)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))
