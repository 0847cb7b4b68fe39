"""Assert sites per function (from rules/asserts.toml) and the inventory of what a patch changed."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from types import ModuleType
from typing import TYPE_CHECKING, Any

from tree_sitter import Node

from reviewtool.csyntax import FileFacts, Function, walk
from reviewtool.errors import RuleDataError
from reviewtool.resources import Rules, default_rules

if TYPE_CHECKING:
    from reviewtool.analysis.cfg import CFG

KINDS = ("warn", "crash", "lock", "build", "state")
MODES = ("held", "write", "read", "not-held")
VALUES = ("always", "debug")
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
_MAX_SITES = 20000  # bound the work on a hostile file


@dataclass(frozen=True, slots=True)
class AssertMacro:
    """What one assert macro does, as rules/asserts.toml describes it."""

    name: str
    kind: str
    cond: int | None = None
    debug: str | None = None  # config without which the arguments are never evaluated
    value: str | None = None  # "always", "debug" or None (a statement)
    lock: str | None = None  # template: "{0}->mmap_lock"
    mode: str | None = None
    only_with: str | None = None  # config without which nothing is checked (args evaluated)

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kind, the lock mode for lock asserts, and "debug-only" when production builds
        check nothing: ("warn", "debug-only"), ("lock", "write"), ("crash",)."""
        kinds = [self.kind]
        if self.mode:
            kinds.append(self.mode)
        if self.debug or self.only_with:
            kinds.append("debug-only")
        return tuple(kinds)


@dataclass(frozen=True)
class AssertRules:
    macros: dict[str, AssertMacro]
    pure_names: frozenset[str] = frozenset()
    pure_patterns: tuple[str, ...] = ()
    impure_patterns: tuple[str, ...] = ()
    lock_classes: dict[str, str] = field(default_factory=dict)  # class -> lock template

    def is_impure(self, name: str) -> bool:
        """True when `name` matches an impure pattern (test-and-set, inc/dec, lock ...)."""
        return any(fnmatchcase(name, pattern) for pattern in self.impure_patterns)

    def is_pure(self, name: str) -> bool:
        """True when a call to `name` is known to have no side effect."""
        if self.is_impure(name):
            return False
        return name in self.pure_names or any(
            fnmatchcase(name, pattern) for pattern in self.pure_patterns
        )


_LOADED: dict[int, tuple[Rules, AssertRules]] = {}


def load_rules(rules: Rules | AssertRules | None = None) -> AssertRules:
    """The assert vocabulary of `rules` (packaged rules when None), validated once."""
    if isinstance(rules, AssertRules):
        return rules
    rules = rules or default_rules()
    cached = _LOADED.get(id(rules))
    if cached is not None and cached[0] is rules:
        return cached[1]
    loaded = _parse_rules(rules.table("asserts"))
    _LOADED[id(rules)] = (rules, loaded)
    return loaded


def _parse_rules(table: dict[str, Any]) -> AssertRules:
    macros = {name: _parse_macro(name, spec) for name, spec in table.get("macro", {}).items()}
    pure = table.get("pure", {})
    classes = table.get("lock_classes", {})
    if not isinstance(classes, dict) or not all(isinstance(v, str) for v in classes.values()):
        raise RuleDataError("asserts.toml: [lock_classes] maps class names to strings")
    return AssertRules(
        macros=macros,
        pure_names=frozenset(_strings(pure, "names")),
        pure_patterns=tuple(_strings(pure, "patterns")),
        impure_patterns=tuple(_strings(pure, "impure")),
        lock_classes=dict(classes),
    )


def _strings(table: dict[str, Any], key: str) -> list[str]:
    values = table.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise RuleDataError(f"asserts.toml: [pure] {key} must be a list of strings")
    return values


def _parse_macro(name: str, spec: Any) -> AssertMacro:
    where = f"asserts.toml: [macro.{name}]"
    if not isinstance(spec, dict):
        raise RuleDataError(f"{where} must be a table")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise RuleDataError(f"{where} kind must be one of {', '.join(KINDS)}")
    cond = spec.get("cond")
    if cond is not None and (not isinstance(cond, int) or cond < 0):
        raise RuleDataError(f"{where} cond must be a non-negative integer")
    if spec.get("mode") not in (None, *MODES):
        raise RuleDataError(f"{where} mode must be one of {', '.join(MODES)}")
    if spec.get("value") not in (None, *VALUES):
        raise RuleDataError(f"{where} value must be one of {', '.join(VALUES)}")
    if kind == "lock" and not isinstance(spec.get("lock"), str):
        raise RuleDataError(f'{where} a lock assert needs lock = "template"')
    return AssertMacro(
        name=name,
        kind=kind,
        cond=cond,
        debug=spec.get("debug"),
        value=spec.get("value"),
        lock=spec.get("lock"),
        mode=spec.get("mode"),
        only_with=spec.get("only_with"),
    )


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
        for node in walk(fn.node):
            if node.type != "call_expression":
                continue
            name = call_name(node, facts)
            macro = vocabulary.macros.get(name) if name else None
            if macro is None:
                continue
            sites.append(_site(facts, fn.name, macro, node))
            if len(sites) >= _MAX_SITES:
                return sites
    return sites


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


# ---- inventory ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AssertChange:
    """One assert added, removed or changed by a patch."""

    change: str  # "added", "removed", "changed"
    function: str
    macro: str
    kinds: tuple[str, ...]
    text: str  # the statement as written (post-image; pre-image for "removed")
    line: int  # post-image for added/changed, pre-image for removed
    path: str
    lock: str | None = None
    previous_text: str | None = None  # "changed": the statement before the patch
    previous_line: int | None = None

    @property
    def first_line(self) -> str:
        return self.text.strip().splitlines()[0] if self.text.strip() else ""

    @property
    def one_line(self) -> str:
        """The statement with its line breaks and indentation collapsed (for text output)."""
        return " ".join(self.text.split())

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "change": self.change,
            "path": self.path,
            "function": self.function,
            "line": self.line,
            "macro": self.macro,
            "kinds": list(self.kinds),
            "text": self.text,
            "first_line": self.first_line,
            "one_line": self.one_line,
        }
        if self.lock is not None:
            data["lock"] = self.lock
        if self.change == "changed":
            data["previous_text"] = self.previous_text
            data["previous_line"] = self.previous_line
        return data


CHANGE_SIMILARITY = 0.5  # token similarity above which a removed+added pair is one change


def inventory(
    before: FileFacts | None, after: FileFacts | None, rules: Rules | AssertRules | None = None
) -> list[AssertChange]:
    """Asserts a patch added, removed or changed in one file. Matched by (function,
    normalised text) first, never by line; leftovers in the same function that look alike
    (same macro or same lock, similar tokens) are reported as one "changed" entry."""
    vocabulary = load_rules(rules)
    old = find_asserts(before, vocabulary) if before is not None else []
    new = find_asserts(after, vocabulary) if after is not None else []
    path = (after or before).path if (after or before) is not None else ""
    removed, added = _unmatched(old, new)
    changes: list[AssertChange] = []
    for pre, post in _pair_changed(removed, added):
        changes.append(_change("changed", post, path, previous=pre))
        removed.remove(pre)
        added.remove(post)
    changes.extend(_change("removed", site, path) for site in removed)
    changes.extend(_change("added", site, path) for site in added)
    order = {"removed": 0, "changed": 1, "added": 2}
    changes.sort(key=lambda change: (change.line, order[change.change]))
    return changes


def _unmatched(
    old: list[AssertSite], new: list[AssertSite]
) -> tuple[list[AssertSite], list[AssertSite]]:
    pending: dict[tuple[str, str], list[AssertSite]] = {}
    for site in old:
        pending.setdefault((site.function, site.normalised), []).append(site)
    added: list[AssertSite] = []
    for site in new:
        bucket = pending.get((site.function, site.normalised))
        if bucket:
            bucket.pop(0)
        else:
            added.append(site)
    removed = [site for bucket in pending.values() for site in bucket]
    removed.sort(key=lambda site: site.line)
    return removed, added


def _tokens(site: AssertSite) -> list[str]:
    return re.findall(r"\w+|->|&&|\|\||[!=<>]=?|\S", " ".join(site.args))


def _pair_changed(
    removed: list[AssertSite], added: list[AssertSite]
) -> list[tuple[AssertSite, AssertSite]]:
    candidates: list[tuple[float, int, int]] = []
    for i, pre in enumerate(removed):
        for j, post in enumerate(added):
            if pre.function != post.function:
                continue
            same_lock = pre.lock is not None and pre.lock == post.lock
            if pre.macro.name != post.macro.name and not same_lock:
                continue
            ratio = 1.0 if same_lock else _similarity(pre, post)
            if ratio >= CHANGE_SIMILARITY:
                candidates.append((ratio, i, j))
    pairs: list[tuple[AssertSite, AssertSite]] = []
    used_pre: set[int] = set()
    used_post: set[int] = set()
    for _, i, j in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if i not in used_pre and j not in used_post:
            used_pre.add(i)
            used_post.add(j)
            pairs.append((removed[i], added[j]))
    return pairs


def _similarity(pre: AssertSite, post: AssertSite) -> float:
    return difflib.SequenceMatcher(None, _tokens(pre), _tokens(post), autojunk=False).ratio()


def _change(
    change: str, site: AssertSite, path: str, previous: AssertSite | None = None
) -> AssertChange:
    return AssertChange(
        change=change,
        function=site.function,
        macro=site.macro.name,
        kinds=site.macro.kinds,
        text=site.text,
        line=site.line,
        path=path,
        lock=site.lock,
        previous_text=previous.text if previous else None,
        previous_line=previous.line if previous else None,
    )


# ---- lock states at lock asserts (AS003) ---------------------------------------------------


@dataclass(frozen=True)
class LockView:
    """What the lock analysis knows at one lock assert: one entry per abstract state reaching
    it, each the locks held (name, acquiring function, line, taken by the caller) and the
    locks this function released before it (name, line)."""

    held: tuple[tuple[tuple[str, str, int, bool], ...], ...]
    released: tuple[tuple[tuple[str, int], ...], ...]
    previous_lines: frozenset[int]  # lines of the statements right before the assert


def lock_name(cls: str, expr: str, vocabulary: AssertRules) -> str:
    """The lock a (class, expression) of the lock analysis stands for, spelt as asserts name
    it: ("mm: mmap_lock", "mm") -> "mm->mmap_lock"; ("spinlock", "&x->lock") -> "x->lock"."""
    template = vocabulary.lock_classes.get(cls)
    stripped = strip_address(expr)
    if template is None:
        return stripped
    try:
        return normalise(template.format(stripped))
    except (IndexError, KeyError, ValueError):
        return stripped


def _split_ident(ident: str) -> tuple[str, str]:
    cls, _, expr = ident.rpartition(":")
    return cls, expr


def lock_views(
    facts: FileFacts,
    sites: list[AssertSite],
    file_locks: Any,
    rules: Rules | None = None,
) -> dict[tuple[str, int], LockView]:
    """The lock states reaching each lock-assert site, keyed by (function, line).

    Computed with the lock analysis' public pieces: the function's CFG is built again with
    the assert's statement turned into an exit, and `analyse_function` (with the same-file
    summaries of `file_locks`) reports the states at that exit. Functions the analysis
    skipped (no lock work, over budget) have no entry."""
    from reviewtool.analysis import cfg as cfg_module
    from reviewtool.analysis import locks
    from reviewtool.csyntax.ir import lower_function

    rules = rules or default_rules()
    vocabulary = load_rules(rules)
    table = locks.lock_table(rules)
    results = _results_by_function(file_locks)
    summaries = {name: r.summary for name, r in results.items() if r.summary}
    by_function: dict[str, list[AssertSite]] = {}
    for site in sites:
        by_function.setdefault(site.function, []).append(site)
    views: dict[tuple[str, int], LockView] = {}
    for fn in facts.functions:
        analysed = results.get((fn.name, fn.start_line)) or results.get(fn.name)
        if fn.name not in by_function or analysed is None:
            continue
        if not analysed.analysed or analysed.budget_exceeded:
            continue
        try:
            lowered = lower_function(facts.source, fn, rules)
        except RecursionError:
            continue
        for site in by_function[fn.name]:
            graph = cfg_module.build_cfg(lowered, rules)
            view = _view_at(graph, site, fn, table, summaries, vocabulary, locks)
            if view is not None:
                views[(fn.name, site.line)] = view
    return views


def _results_by_function(file_locks: Any) -> dict[Any, Any]:
    """FileLocks.functions keyed by name and, when the lock analysis keys by (name, line),
    by that pair too (two #ifdef variants of one function)."""
    results: dict[Any, Any] = {}
    for key, result in file_locks.functions.items():
        results[key] = result
        if isinstance(key, tuple) and key:
            results.setdefault(key[0], result)
    return results


def _view_at(
    graph: CFG,
    site: AssertSite,
    fn: Function,
    table: Any,
    summaries: dict[str, Any],
    vocabulary: AssertRules,
    locks: ModuleType,
) -> LockView | None:
    targets = [
        node
        for node in graph.nodes
        if node.kind == "stmt" and node.line == site.line and _calls(node.expr, site.macro.name)
    ]
    if not targets:
        return None
    ids = {node.id for node in targets}
    previous = frozenset(
        node.line for node in graph.nodes if any(target in ids for target, _ in node.succ)
    )
    for node in targets:
        node.kind, node.succ = "end", []
    result = locks.analyse_function(graph, table, summaries, fn.annotations)
    if not result.analysed or result.budget_exceeded:
        return None
    states = [exit_.state for exit_ in result.exits if exit_.line == site.line]
    if not states:
        return None
    held = tuple(
        tuple(
            (lock_name(_split_ident(h.ident)[0], h.expr, vocabulary), h.fn, h.line, h.entry)
            for h in state.held
        )
        for state in states
    )
    released = tuple(
        tuple(
            (lock_name(*_split_ident(entry[0]), vocabulary), entry[2])
            for entry in state.released  # (ident, the caller's, line released, ...)
        )
        for state in states
    )
    return LockView(held, released, previous)


def _calls(expr: Any, name: str) -> bool:
    """True when the IR expression is, or contains, a call to `name`."""
    stack = [expr] if expr is not None else []
    while stack:
        current = stack.pop()
        if current.kind == "call" and current.name == name:
            return True
        stack.extend(current.children)
    return False
