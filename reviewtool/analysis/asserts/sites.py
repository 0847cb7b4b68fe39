"""Assert sites: the calls of assert macros per function, their conditions, the side effects
in them, and whether they sit in debug-only code."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from reviewtool.analysis.asserts.vocabulary import AssertMacro, AssertRules, load_rules
from reviewtool.csyntax import FileFacts, walk
from reviewtool.csyntax.facts import c_language
from reviewtool.resources import Rules

if TYPE_CHECKING:
    from tree_sitter import Node, Query

# Parents in which a call's value is used (rather than the call being a statement).
_VALUE_PARENTS = frozenset(
    {
        "parenthesized_expression",
        "binary_expression",
        "unary_expression",
        "assignment_expression",
        "init_declarator",
        "return_statement",
        "conditional_expression",
        "argument_list",
    }
)
# Assert calls read per file state: a bound against hostile input (AS005 says when it is
# reached). No file of Linux 6.12 has more than ~160 lines calling one (fs/xfs/libxfs/xfs_bmap.c).
MAX_SITES = 2_000


@dataclass(frozen=True, slots=True)
class AssertSite:
    """One assert as written in a function body."""

    macro: AssertMacro
    function: str
    line: int  # 1-based, first line of the statement
    end_line: int
    text: str  # the statement as written (with `;` when it is a statement)
    args: tuple[str, ...]
    value_used: bool  # the call is part of an expression (`if (WARN_ON(x))`)
    node: Node = field(repr=False, compare=False)  # the call_expression

    @property
    def normalised(self) -> str:
        return normalise(self.text)

    @property
    def lock(self) -> str | None:
        """The lock this site asserts, e.g. `vma->vm_mm->mmap_lock`, or None."""
        if self.macro.lock is None:
            return None
        stripped = [strip_address(arg) for arg in self.args]
        try:
            return self.macro.lock.format(*stripped)
        except (IndexError, KeyError, ValueError):
            return None


def normalise(text: str) -> str:
    """Comments dropped, whitespace kept only between two word characters: the identity of
    an assert across re-indentation and line wrapping."""
    text = re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r" ?([^\w ]) ?", r"\1", text)


def strip_address(expression: str) -> str:
    """`&mm->mmap_lock` -> `mm->mmap_lock`; `&(x)` -> `x`: the lock, not its address."""
    text = normalise(expression)
    if text.startswith("&"):
        text = text[1:]
        if text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
            text = text[1:-1]
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def call_name(node: Node, facts: FileFacts) -> str | None:
    """The callee of a call_expression when it is a plain identifier."""
    callee = node.child_by_field_name("function")
    if callee is None or callee.type != "identifier":
        return None
    return facts.text(callee)


def call_arguments(node: Node) -> list[Node]:
    args = node.child_by_field_name("arguments")
    if args is None:
        return []
    return [child for child in args.named_children if child.type != "comment"]


def find_asserts(facts: FileFacts, rules: Rules | AssertRules | None = None) -> list[AssertSite]:
    """Every assert-macro call inside a function body, in file order."""
    vocabulary = load_rules(rules)
    sites: list[AssertSite] = []
    # csyntax already lists every call: walk only the functions that call an assert macro.
    holders = {call.function for call in facts.calls if call.name in vocabulary.macros}
    for fn in facts.functions:
        if fn.name not in holders:
            continue
        for node in _calls_in(fn.node):
            name = call_name(node, facts)
            macro = vocabulary.macros.get(name) if name else None
            if macro is None:
                continue
            sites.append(_site(facts, fn.name, macro, node))
            if len(sites) >= MAX_SITES:
                return sites
    return sites


def _calls_in(node: Node) -> list[Node]:
    """The calls under `node` in the order of a pre-order walk (outer before inner), found
    by a query: walking every node in Python cost more than reading the asserts."""
    from tree_sitter import QueryCursor

    found = QueryCursor(_call_query()).captures(node).get("call", [])
    return sorted(found, key=lambda n: (n.start_byte, -n.end_byte))


@cache
def _call_query() -> Query:
    from tree_sitter import Query

    return Query(c_language(), "(call_expression) @call")


def _site(facts: FileFacts, function: str, macro: AssertMacro, node: Node) -> AssertSite:
    parent = node.parent
    statement = parent if parent is not None and parent.type == "expression_statement" else node
    return AssertSite(
        macro=macro,
        function=function,
        line=statement.start_point[0] + 1,
        end_line=statement.end_point[0] + 1,
        text=facts.text(statement),
        args=tuple(facts.text(arg) for arg in call_arguments(node)),
        value_used=parent is not None and parent.type in _VALUE_PARENTS,
        node=node,
    )


def condition_nodes(site: AssertSite) -> list[Node]:
    """The argument nodes production builds never evaluate (all of them for a debug-only
    macro: BUILD_BUG_ON_INVALID drops the dump argument too)."""
    return call_arguments(site.node) if site.macro.debug else []


@dataclass(frozen=True, slots=True)
class SideEffect:
    what: str  # "an assignment", "'++'", "a call to foo()"
    token: str  # what identifies it in a finding key: "=", "++", "foo"
    certainty: str  # "certain" (assignment, ++/--), "likely" (impure name), "unknown"
    node: Node = field(repr=False, compare=False)


def side_effects(node: Node, facts: FileFacts, rules: AssertRules) -> Iterator[SideEffect]:
    """Each assignment, ++/-- or call not known to be pure under `node`."""
    for child in walk(node):
        if child.type == "assignment_expression":
            yield SideEffect("an assignment", "=", "certain", child)
        elif child.type == "update_expression":
            operator = "++" if "++" in facts.text(child) else "--"
            yield SideEffect(f"'{operator}'", operator, "certain", child)
        elif child.type == "call_expression":
            name = call_name(child, facts)
            if name is None:
                yield SideEffect("a call through a pointer", "(*)", "unknown", child)
            elif rules.is_impure(name):
                yield SideEffect(f"a call to {name}()", name, "likely", child)
            elif not rules.is_pure(name) and name not in rules.macros:
                yield SideEffect(
                    f"a call to {name}(), not known to be pure,", name, "unknown", child
                )


def in_debug_only_code(node: Node, option: str, facts: FileFacts) -> bool:
    """True when `node` sits in `#ifdef OPTION...` / `#if IS_ENABLED(OPTION...)` (not its
    #else): code that is only built with the debug option, where the assert always runs.
    A guard naming a more specific option (CONFIG_DEBUG_VM_RB for CONFIG_DEBUG_VM) counts."""
    child, parent = node, node.parent
    depth = 0
    while parent is not None and depth < 200:
        depth += 1
        if parent.type in ("preproc_ifdef", "preproc_if", "preproc_elif"):
            in_alternative = child == parent.child_by_field_name("alternative")
            if not in_alternative and _guard_enables(parent, option, facts):
                return True
        child, parent = parent, parent.parent
    return False


def _guard_enables(directive: Node, option: str, facts: FileFacts) -> bool:
    if directive.type == "preproc_ifdef":
        name = directive.child_by_field_name("name")
        negated = facts.text(directive).lstrip().startswith("#ifndef")
        return not negated and name is not None and facts.text(name).startswith(option)
    condition = directive.child_by_field_name("condition")
    if condition is None:
        return False
    text = facts.text(condition).replace(" ", "")
    return bool(re.fullmatch(rf"(defined\(?|IS_ENABLED\()?{option}\w*\)?", text))
