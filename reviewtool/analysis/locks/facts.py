"""What a function tests, read before the dataflow: flag variables and their liveness (what
its calls do with locks is lockwork.py's)."""

from __future__ import annotations

import re
from collections.abc import Callable

from reviewtool.analysis.cfg import CFG, Node
from reviewtool.analysis.locks.masks import mask_flags, mask_key, mask_test, related_keys
from reviewtool.analysis.locks.state import lvalue_key, nonpositive_key, sign_key
from reviewtool.csyntax.ir import Expr


def _constant(expr: Expr) -> bool:
    """`0`, `NULL`, `-EINVAL`, `VM_FAULT_RETRY`: a value fixed at the return statement."""
    if expr.kind == "const":
        return True
    if expr.kind == "unary" and expr.name == "-" and expr.children:
        return _constant(expr.children[0]) or expr.children[0].kind == "name"
    return expr.kind == "name" and expr.name.isupper()


_ERROR_ATOM = re.compile(r"==-E[A-Z0-9]+$")  # `ret==-EALREADY`: a result equal to an error
_ERROR_POINTERS = frozenset({"ERR_PTR", "ERR_CAST"})
# `IS_ERR(p)`: true exactly when p holds a failure, which the analysis counts as false (an
# error pointer returned says what NULL says: nothing was taken); `PTR_ERR_OR_ZERO(p)` is
# nonzero exactly then too
ERROR_TESTS = frozenset({"IS_ERR", "IS_ERR_OR_NULL", "PTR_ERR_OR_ZERO"})


def error_value(expr: Expr | None) -> bool:
    """`-EINVAL`, `-1`, `ERR_PTR(-ENOMEM)`: a value the kernel's conventions make a failure."""
    if expr is None:
        return False
    if expr.kind == "const":
        return expr.value is not None and expr.value < 0
    if expr.kind == "unary" and expr.name == "-" and expr.children:
        return expr.children[0].kind in ("name", "const")
    return expr.kind == "call" and expr.name in _ERROR_POINTERS


# -- flags: variables tested in conditions ----------------------------------------------------


def _tested_names(expr: Expr | None, out: set[str]) -> None:
    if expr is None:
        return
    key = lvalue_key(expr)
    if key is not None:
        out.add(key)
    elif expr.kind == "unary" and expr.name == "!":
        _tested_names(expr.children[0] if expr.children else None, out)
    elif expr.kind == "binary" and expr.name in ("&&", "||", "==", "!=", "<", ">="):
        for child in expr.children:
            _tested_names(child, out)
    elif expr.kind == "assign" and expr.children or _see_through(expr):
        _tested_names(expr.children[0], out)


def _uses(node: Node, flags: frozenset[str], pure: frozenset[str] = frozenset()) -> set[str]:
    found: set[str] = set()
    masks: set[str] = set()  # (with their stale forms, masks.py: not themselves flags)
    if node.expr is None:
        return found
    subexpressions = _subexpressions(node.expr)  # one walk for every reading below
    if node.kind == "branch":
        _tested_names(node.expr, found)
        atoms: list[str] = []
        _atoms_in(node.expr, atoms, pure)
        found.update(atoms)
        for test in subexpressions:  # `x & A` reads every mask known of x
            if (masked := mask_test(test)) is not None and (key := mask_key(*masked)) in flags:
                masks.update(related_keys(key, flags))
            elif (
                test.kind == "binary"
                and test.name in ("<=", ">")
                and (tested := lvalue_key(test.children[0])) is not None
            ):
                found.add(nonpositive_key(tested))  # `ret <= 0`
    elif node.kind == "return":
        key = lvalue_key(node.expr)
        if key is not None:
            found.update((key, sign_key(key), nonpositive_key(key)))
        _tested_names(node.expr, found)
    for current in subexpressions:
        if current.kind == "cond" and current.children:  # a ternary's condition is a test
            _tested_names(current.children[0], found)
        # a copy `a = b` carries b's fact to a, as `a = PTR_ERR_OR_ZERO(b)` does its negation
        elif current.kind == "assign" and len(current.children) == 2:
            key = lvalue_key(_error_tested(current.children[1]))
            if key is not None:
                found.update((key, nonpositive_key(key)))
    # the sign of a result (`ret < 0`) is known only from a callee held iff it is >= 0, the
    # error it equals (`ret == -EALREADY`) only from an acquire's rule; never split on
    # here, they are live wherever they are tested, flag or not
    signs = {f for f in found if f.endswith("<0") or _ERROR_ATOM.search(f)}
    return (found & flags) | signs | masks if flags else found


def _error_tested(value: Expr) -> Expr:
    """What an assigned value carries the truth of: itself, or `p` of `PTR_ERR_OR_ZERO(p)`."""
    if value.kind == "call" and value.name in ERROR_TESTS and len(value.children) == 1:
        return value.children[0]
    return value


def _defs(node: Node) -> set[str]:
    found: set[str] = set()
    stack = [node.expr] if node.expr is not None else []
    while stack:
        current = stack.pop()
        if current.kind == "assign" and current.children:
            key = lvalue_key(current.children[0])
            if key is not None:
                found.add(key)
        stack.extend(current.children)
    return found


def live_facts(
    cfg: CFG, flags: frozenset[str], pure: frozenset[str] = frozenset()
) -> list[frozenset[str]]:
    """Per node, the fact keys some later test or return may read (backward liveness)."""
    count = len(cfg.nodes)
    uses = [_uses(n, flags, pure) for n in cfg.nodes]
    for node in cfg.exits():  # facts on parameters shape the summary callers get
        uses[node.id] |= flags & set(cfg.params)
        uses[node.id] |= flags & {f"*{p}" for p in cfg.params}  # out-parameter flags too
        returned = lvalue_key(node.expr) if node.kind == "return" else None
        if returned is not None:  # and what the returned value is known to equal
            uses[node.id] |= {f for f in flags if "==" in f and returned in f.split("==", 1)}
    defs = [_defs(n) for n in cfg.nodes]
    preds: list[list[int]] = [[] for _ in range(count)]
    for node in cfg.nodes:
        for target, _ in node.succ:
            preds[target].append(node.id)
    live_in: list[set[str]] = [set(u) for u in uses]
    work = list(range(count))
    rounds = 0
    while work and rounds < 50 * count + 1000:
        rounds += 1
        node_id = work.pop()
        out: set[str] = set()
        for target, _ in cfg.nodes[node_id].succ:
            out |= live_in[target]
        new = uses[node_id] | (out - defs[node_id])
        if new != live_in[node_id]:
            live_in[node_id] = new
            work.extend(preds[node_id])
    return [frozenset(x) for x in live_in]


def _atom(expr: Expr, pure: frozenset[str] = frozenset()) -> tuple[str, bool] | None:
    """A side-effect-free comparison as (canonical text, polarity): `a!=b` is ("a==b", False),
    so a later `a==b` test finds the same fact. A call of a configuration or static-key
    predicate (`IS_ENABLED(CONFIG_X)`, `static_branch_unlikely(&key)`) answers the same
    each time it is asked in one call of a function: it is an atom too, as is a call of a
    function `pure` names (one side-effect-free `return`: `gfpflags_allow_blocking()`)."""
    if (
        expr.kind == "call"
        and (expr.name in _PURE_PREDICATES or expr.name in pure)
        and not any(_has_effects(child) for child in expr.children)
    ):
        return expr.text, True
    if expr.kind != "binary" or expr.name in ("&&", "||") or len(expr.children) != 2:
        return None
    if _has_effects(expr):
        return None
    left, right = (c.text for c in expr.children)
    op = expr.name
    if op not in _NEGATED or op in ("==", "<", ">"):
        return f"{left}{op}{right}", True
    return f"{left}{_NEGATED[op]}{right}", False


_PURE_PREDICATES = frozenset(
    {
        "IS_ENABLED", "IS_BUILTIN", "IS_MODULE", "IS_REACHABLE",
        "static_branch_likely", "static_branch_unlikely", "static_key_enabled",
        "static_key_true", "static_key_false",
    }
)  # fmt: skip
_NEGATED = {"!=": "==", ">=": "<", "<=": ">", "==": "!=", "<": ">=", ">": "<="}
_TRANSPARENT = frozenset(
    {"likely", "unlikely", "WARN_ON", "WARN_ON_ONCE", "READ_ONCE", "data_race", "!!"}
)
WARN_FORMATS = frozenset({"WARN", "WARN_ONCE"})  # the condition, then a message to print


def _subexpressions(expr: Expr) -> list[Expr]:
    found = []
    stack = [expr]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(current.children)
    return found


def _ternary_conditions(expr: Expr) -> list[Expr]:
    found = []
    stack = [expr]
    while stack:
        current = stack.pop()
        if current.kind == "cond" and current.children:
            found.append(current.children[0])
        stack.extend(current.children)
    return found


def _see_through(expr: Expr) -> bool:
    """`!x` and `likely(x)` / `unlikely(x)`: the interesting part is the operand."""
    if not expr.children:
        return False
    return (expr.kind == "unary" and expr.name == "!") or (
        expr.kind == "call"
        and (expr.name in _TRANSPARENT or expr.name in ERROR_TESTS or expr.name in WARN_FORMATS)
    )


def _has_effects(expr: Expr) -> bool:
    stack = [expr]
    while stack:
        current = stack.pop()
        if current.kind in ("call", "assign"):
            return True
        stack.extend(current.children)
    return False


def _atoms_in(expr: Expr | None, out: list[str], pure: frozenset[str] = frozenset()) -> None:
    if expr is None:
        return
    atom = _atom(expr, pure)
    if atom is not None:
        out.append(atom[0])
        return
    for child in expr.children:
        _atoms_in(child, out, pure)


def _error_assigned(expr: Expr) -> set[str]:
    """`p` of `ret = PTR_ERR_OR_ZERO(p)`: tested through what it is assigned to."""
    found = set()
    if expr.kind == "assign" and len(expr.children) == 2:
        value = expr.children[1]
        if value is not _error_tested(value) and (key := lvalue_key(value.children[0])):
            found.add(key)
    return found


def _never(name: str) -> bool:
    return False


def flag_variables(
    cfg: CFG, pure: frozenset[str] = frozenset(), signing: Callable[[str], bool] = _never
) -> frozenset[str]:
    """What conditions test that is worth remembering: variables and fields tested, and
    comparisons tested more than once (`if (mm != &init_mm)` twice); `signing(name)`:
    whether the callee's summary acts by whether its result is <= 0."""
    names: set[str] = set()
    atoms: list[str] = []
    for node in cfg.nodes:
        if node.kind == "return" and (returned := lvalue_key(node.expr)) is not None:
            names.add(returned)  # its truth at the exit tells callers what happened
        if node.kind == "branch":
            _tested_names(node.expr, names)
            _atoms_in(node.expr, atoms, pure)
        elif node.expr is not None:
            names.update(_error_assigned(node.expr))
            for cond in _ternary_conditions(node.expr):
                _tested_names(cond, names)
                _atoms_in(cond, atoms, pure)
    repeated = {a for a in atoms if atoms.count(a) > 1}
    returned = {lvalue_key(n.expr) for n in cfg.nodes if n.kind == "return"} - {None}
    # `if (base == timer->base) return base;`: tells callers what the result is
    equal = {a for a in atoms if "==" in a and set(a.split("==", 1)) & returned}
    conditions = [n.expr for n in cfg.nodes if n.kind == "branch" and n.expr is not None]
    masks = mask_flags(e for c in conditions for e in _subexpressions(c))
    signed = {nonpositive_key(name) for name in _signed(cfg, returned, conditions, signing)}
    return frozenset(names | repeated | equal | masks | signed)


def _signed(
    cfg: CFG,
    returned: set[str | None],
    conditions: list[Expr],
    signing: Callable[[str], bool],
) -> set[str]:
    """The values whether each is <= 0 is worth knowing: a value tested against 0 with
    `<=` / `>` that is returned or copied into a value returned (`if (ret <= 0) goto out;
    count = ret; ... return count; out: return ret;`), with the value it is copied into,
    and the result of a callee `signing` says acts by it, tested so."""
    tested = {
        key
        for c in conditions
        for e in _subexpressions(c)
        if e.kind == "binary" and e.name in ("<=", ">") and (key := lvalue_key(e.children[0]))
    }
    if not tested:
        return set()
    copies: dict[str, str] = {}
    called: set[str] = set()
    for node in cfg.nodes:
        for expr in _subexpressions(node.expr) if node.expr is not None else ():
            if expr.kind != "assign" or expr.name != "=" or len(expr.children) != 2:
                continue
            target, value = (lvalue_key(c) for c in expr.children)
            if target is not None and value is not None:
                copies[value] = target
            elif (
                target in tested
                and expr.children[1].kind == "call"
                and (signing(expr.children[1].name))
            ):
                called.add(target)
    out = {r for r in returned if r is not None}
    found = {v for v in tested if v in out or copies.get(v) in out}
    return found | {copies[v] for v in found if v in copies} | called
