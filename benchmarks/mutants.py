"""Mutants for benchmarks/mutation.py: small AST edits of one module (a comparison flipped, a
boundary moved, a condition negated, a constant changed, a statement dropped, a regex
quantifier removed), each named by a stable id."""

from __future__ import annotations

import ast
import copy
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    module: str  # path relative to the checkout
    index: int  # position of the node in ast.walk order
    operator: str
    function: str  # qualified name of the enclosing function ("<module>" at top level)
    before: str  # source of the node before
    after: str  # what it becomes (for the report)
    occurrence: int = 0  # same (function, operator, before, after) seen earlier in the module
    line: int = 0

    @property
    def id(self) -> str:
        text = f"{self.before} -> {self.after}"
        return f"{self.module}:{self.function}:{self.operator}:{text}#{self.occurrence}"


_COMPARE_SWAPS: dict[type, type] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_BINOP_SWAPS: dict[type, type] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.FloorDiv,
    ast.FloorDiv: ast.Mult,
}
_QUANTIFIER = re.compile(r"(?<![\\(])(\{\d*,?\d*\}|\+|\*|\?)(?![?+])")
_RE_FUNCTIONS = {"compile", "match", "search", "fullmatch", "sub", "subn", "split", "findall"}


def _short(node: ast.AST, limit: int = 60) -> str:
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _annotations(tree: ast.AST) -> set[int]:
    """ids of nodes inside annotations, docstrings and TYPE_CHECKING blocks: never mutated."""
    skip: set[int] = set()

    def mark(node: ast.AST | None) -> None:
        if node is not None:
            skip.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            mark(node.returns)
            for arg in [*node.args.args, *node.args.kwonlyargs, *node.args.posonlyargs]:
                mark(arg.annotation)
        elif isinstance(node, ast.AnnAssign):
            mark(node.annotation)
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            mark(node)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                mark(body[0])
    return skip


def _regex_strings(tree: ast.AST) -> set[int]:
    """ids of string constants passed to re.* as the pattern."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
            and node.func.attr in _RE_FUNCTIONS
            and node.args
        ):
            pattern = node.args[0]
            for part in ast.walk(pattern):
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    found.add(id(part))
    return found


def _functions(tree: ast.AST) -> dict[int, str]:
    """id(node) -> qualified name of the innermost function or class around it."""
    owner: dict[int, str] = {}

    def visit(node: ast.AST, name: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = name
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                inner = child.name if name == "<module>" else f"{name}.{child.name}"
            owner[id(child)] = inner
            visit(child, inner)

    visit(tree, "<module>")
    return owner


def _is_str(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


Edit = Callable[[ast.AST], None]


def _edits(node: ast.AST, parent: ast.AST | None, regex: bool) -> Iterator[tuple[str, str, Edit]]:
    """(operator, what the node becomes, the edit) for every mutation of `node`."""
    if isinstance(node, ast.Compare):
        for k, op in enumerate(node.ops):
            swap = _COMPARE_SWAPS.get(type(op))
            if swap is not None:

                def edit(n: ast.AST, k: int = k, swap: type = swap) -> None:
                    n.ops[k] = swap()  # type: ignore[attr-defined]

                probe = copy.deepcopy(node)
                edit(probe)
                yield "compare", _short(probe), edit
    elif isinstance(node, ast.BoolOp):
        other = ast.Or if isinstance(node.op, ast.And) else ast.And

        def edit(n: ast.AST, other: type = other) -> None:
            n.op = other()  # type: ignore[attr-defined]

        yield "boolean", "and" if other is ast.And else "or", edit
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield "drop-not", _short(node.operand), _replace_with(node.operand)
    elif isinstance(node, (ast.If, ast.While, ast.IfExp)) and not isinstance(
        node.test, (ast.Compare, ast.UnaryOp)
    ):

        def edit(n: ast.AST) -> None:
            n.test = ast.UnaryOp(ast.Not(), n.test)  # type: ignore[attr-defined]

        yield "negate", f"not ({_short(node.test)})", edit
    elif isinstance(node, ast.BinOp) and type(node.op) in _BINOP_SWAPS:
        if not (_is_str(node.left) or _is_str(node.right)):
            swap = _BINOP_SWAPS[type(node.op)]

            def edit(n: ast.AST, swap: type = swap) -> None:
                n.op = swap()  # type: ignore[attr-defined]

            probe = copy.deepcopy(node)
            edit(probe)
            yield "arithmetic", _short(probe), edit
    elif isinstance(node, ast.AugAssign) and type(node.op) in (ast.Add, ast.Sub):
        swap = ast.Sub if isinstance(node.op, ast.Add) else ast.Add

        def edit(n: ast.AST, swap: type = swap) -> None:
            n.op = swap()  # type: ignore[attr-defined]

        yield "arithmetic", "-=" if swap is ast.Sub else "+=", edit
    elif isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            yield "constant", str(not value), _set_value(not value)
        elif isinstance(value, int):
            yield "constant", str(value + 1), _set_value(value + 1)
        elif isinstance(value, str) and regex:
            for match in list(_QUANTIFIER.finditer(value))[:8]:
                mutated = value[: match.start()] + value[match.end() :]
                shown = f"drop {match.group(0)!r} at {match.start()}"
                yield "regex", shown, _set_value(mutated)
    elif isinstance(node, ast.Break):
        yield "loop", "continue", _swap_statement(ast.Continue())
    elif isinstance(node, ast.Continue):
        yield "loop", "break", _swap_statement(ast.Break())
    if _droppable(node):
        yield "drop-statement", "pass", _swap_statement(ast.Pass())


def _droppable(node: ast.AST) -> bool:
    """A statement whose removal still runs: a call for its effect, an augmented assignment,
    a store into an attribute or an item (a plain `x = ...` only raises NameError later)."""
    if isinstance(node, ast.Expr):
        return isinstance(node.value, ast.Call)
    if isinstance(node, ast.AugAssign):
        return True
    if isinstance(node, ast.Assign):
        return all(isinstance(t, (ast.Attribute, ast.Subscript)) for t in node.targets)
    return False


def _replace_with(replacement: ast.AST) -> Edit:
    def edit(node: ast.AST) -> None:
        node.__class__ = replacement.__class__
        node.__dict__.clear()
        node.__dict__.update(copy.deepcopy(replacement).__dict__)

    return edit


def _set_value(value: object) -> Edit:
    def edit(node: ast.AST) -> None:
        node.value = value  # type: ignore[attr-defined]

    return edit


def _swap_statement(statement: ast.stmt) -> Edit:
    def edit(node: ast.AST) -> None:
        node.__class__ = statement.__class__
        location = {k: getattr(node, k) for k in ("lineno", "col_offset") if hasattr(node, k)}
        node.__dict__.clear()
        node.__dict__.update(location)

    return edit


def mutants_of(module: str, source: str) -> list[tuple[Mutant, Edit]]:
    tree = ast.parse(source)
    skip = _annotations(tree)
    regex = _regex_strings(tree)
    owner = _functions(tree)
    parents = {id(c): p for p in ast.walk(tree) for c in ast.iter_child_nodes(p)}
    seen: Counter[tuple[str, str, str, str]] = Counter()
    found: list[tuple[Mutant, Edit]] = []
    for index, node in enumerate(ast.walk(tree)):
        if id(node) in skip:
            continue
        function = owner.get(id(node), "<module>")
        parent = parents.get(id(node))
        if function == "<module>" and id(node) not in regex:
            continue  # module constants are configuration (bounds, tables), not logic
        for operator, after, edit in _edits(node, parent, id(node) in regex):
            shown = node.test if operator == "negate" else node  # type: ignore[attr-defined]
            before = _short(shown, 40 if operator == "regex" else 60)
            key = (function, operator, before, after)
            mutant = Mutant(
                module,
                index,
                operator,
                function,
                before,
                after,
                seen[key],
                getattr(node, "lineno", 0),
            )
            seen[key] += 1
            found.append((mutant, edit))
    return found


def mutated_source(source: str, mutant: Mutant, edit: Edit) -> str:
    tree = ast.parse(source)
    node = list(ast.walk(tree))[mutant.index]
    edit(node)
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"
