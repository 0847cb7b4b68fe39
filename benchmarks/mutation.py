"""Mutation testing of the areas whose tests must notice a change of behaviour: the subject
parser, the applier, the lock flow and summaries, the kernel-doc reader.

Each mutant is one small AST edit of one module (a comparison flipped, a boundary moved, a
condition negated, a constant changed, a statement dropped, a regex quantifier removed). It
is written into a private copy of the checkout and that area's own test files run against it
(`pytest -x`): a failing run kills it; a passing one lets it survive. Survivors judged
equivalent (no input can tell them from the original) are listed in EQUIVALENT with the
reason, and survivors accepted for another reason in ACCEPTED; both are keyed by a mutant id
that names the module, function, operator and source text, not line numbers, so the lists
survive unrelated edits.

    python benchmarks/mutation.py [--area subject|applier|locks|kdoc]... [--max-mutants N]
                                  [--seed S] [--timeout SECONDS] [--jobs N] [--list] [-v]

Prints killed / survived / equivalent per module and area, and every unexplained survivor.
Modules are selected by path patterns, so a module that moves inside its package is still
found (a pattern matching nothing is reported, not ignored).
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Area:
    modules: tuple[str, ...]  # glob patterns relative to the checkout
    tests: tuple[str, ...]  # test files, fastest and most telling first


AREAS: dict[str, Area] = {
    "subject": Area(
        ("reviewtool/subject.py", "reviewtool/subject/*.py"),  # a package one day: still found
        ("tests/test_ingest_subject.py",),
    ),
    "applier": Area(
        ("reviewtool/tree/applier.py", "reviewtool/tree/applier/*.py"),
        ("tests/test_tree_vs_git.py", "tests/test_tree.py", "tests/test_tree_diagnose.py"),
    ),
    "locks": Area(
        (
            "reviewtool/analysis/locks/flow*.py",
            "reviewtool/analysis/locks/summar*.py",
        ),
        (
            "tests/test_locks_fixtures.py",
            "tests/test_locks_messages.py",
            "tests/test_locks_budget.py",
        ),
    ),
    "kdoc": Area(
        ("reviewtool/analysis/kdoc/read*.py", "reviewtool/analysis/kdoc/verdict*.py"),
        ("tests/test_kdoc_synthetic.py", "tests/test_kdoc_fixtures.py", "tests/test_kdoc.py"),
    ),
}

_SUBJECT = "reviewtool/subject.py"
_NORMALISED = (
    "_normalise folds every run of ASCII blanks into one space first; the two differ only on "
    "two Unicode spaces in a row (U+00A0 U+00A0) between the words"
)
_NO_OP_PASS = "the text did not change, so every further pass of the bounded loop does nothing"

# Survivors no test can kill because no input tells them from the original: id -> why.
EQUIVALENT: dict[str, str] = {
    rf"{_SUBJECT}:_Tags.take_group:regex:'[\\s,]+' -> drop '+' at 5#0": (
        "the empty words a single separator leaves between ', ' are skipped (`if word`)"
    ),
    f"{_SUBJECT}:_peel_bare:arithmetic:words += 1 -> -=#0": (
        "`words` is only compared with 0, after it was counted at least once: -1 is as nonzero as 1"
    ),
    f"{_SUBJECT}:_peel_bare:constant:1 -> 2#0": "as above: only `words == 0` is asked",
    f"{_SUBJECT}:_peel_bare:loop:break -> continue#0": (
        "retrying the same rejected word changes nothing (take() is idempotent on it)"
    ),
    f"{_SUBJECT}:_peel_groups:constant:False -> True#0": (
        "`seen` only decides whether parse_subject makes another pass; a pass over text with "
        "no leading group or reply marker does nothing"
    ),
    f"{_SUBJECT}:_peel_groups:constant:True -> False#0": (
        "after _peel_groups no group leads the text; only a reply marker (more_reply) can "
        "expose another, and it keeps the loop going by itself"
    ),
    f"{_SUBJECT}:_peel_groups:loop:break -> continue#0": _NO_OP_PASS,
    f"{_SUBJECT}:_peel_groups:loop:break -> continue#1": _NO_OP_PASS,
    f"{_SUBJECT}:_strip_replies:loop:break -> continue#0": _NO_OP_PASS,
    f"{_SUBJECT}:parse_subject:loop:break -> continue#0": _NO_OP_PASS,
    f"{_SUBJECT}:parse_subject:boolean:not seen and (not more_reply) -> or#0": (
        "after a pass that met no reply marker nothing is left to peel: stopping now or one "
        "pass later gives the same text"
    ),
    f"{_SUBJECT}:parse_subject:drop-not:not seen -> seen#0": "as above",
    f"{_SUBJECT}:parse_subject:compare:tags.version > 0 -> tags.version >= 0#0": (
        "version 0 is falsy before the comparison: it becomes 1 either way"
    ),
    f"{_SUBJECT}:parse_subject:constant:0 -> 1#0": "versions 0 and 1 both end as 1",
    f"{_SUBJECT}:_peel_groups:compare:end < 0 -> end <= 0#0": (
        "the text starts with '[', so a ']' is never at index 0"
    ),
    f"{_SUBJECT}:_peel_groups:constant:0 -> 1#0": "as above: `end < 1` is `end < 0`",
}

# Survivors that are not equivalent but accepted: id -> why (a bound nobody reaches, ...).
ACCEPTED: dict[str, str] = {
    rf"{_SUBJECT}:<module>:regex:'\\b(\\d{{1,6}})\\s+of\\s+(\\d{{1,6}})\\b' -> drop '+' at 13#0": (
        _NORMALISED
    ),
    rf"{_SUBJECT}:<module>:regex:'\\b(\\d{{1,6}})\\s+of\\s+(\\d{{1,6}})\\b' -> drop '+' at 18#0": (
        _NORMALISED
    ),
    rf"{_SUBJECT}:<module>:regex:'^(\\S+?)(:?)(?:\\s+|$)' -> drop '+' at 16#0": _NORMALISED,
    f"{_SUBJECT}:parse_subject:constant:4 -> 5#0": (
        "the bound on stacked group/reply forms; a fifth stacked form is never seen"
    ),
    f"{_SUBJECT}:_peel_bare:constant:8 -> 9#0": (
        "the bound on unbracketed prefix words; no subject has eight tag words in a row"
    ),
    f"{_SUBJECT}:parse_subject:drop-not:not more_reply -> more_reply#0": (
        "differs only past 16 stacked reply markers (the bound of _strip_replies)"
    ),
}


# --------------------------------------------------------------------------- mutants


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


# --------------------------------------------------------------------------- running


@dataclass
class Workspace:
    """A private copy of the checkout; mutants are written into it, never into the real one."""

    root: Path
    originals: dict[str, str] = field(default_factory=dict)

    @classmethod
    def make(cls, parent: Path) -> Workspace:
        root = Path(tempfile.mkdtemp(prefix="reviewtool-mutation-", dir=parent))
        ignore = shutil.ignore_patterns(
            ".git", "__pycache__", ".ruff_cache", ".hypothesis", ".pytest_cache", "*.egg-info"
        )
        for item in ROOT.iterdir():
            if item.name in (".git", ".ruff_cache", ".hypothesis", ".pytest_cache", "build"):
                continue
            target = root / item.name
            if item.is_dir():
                shutil.copytree(item, target, ignore=ignore, symlinks=True)
            else:
                shutil.copy2(item, target)
        return cls(root)

    def write(self, module: str, text: str) -> None:
        path = self.root / module
        self.originals.setdefault(module, path.read_text(encoding="utf-8"))
        path.write_text(text, encoding="utf-8")
        # a mutant of the same size written in the same second would reuse a stale .pyc
        for cached in (path.parent / "__pycache__").glob(f"{path.stem}.*.pyc"):
            cached.unlink()

    def restore(self, module: str) -> None:
        if module in self.originals:
            self.write(module, self.originals[module])

    def run_tests(self, tests: tuple[str, ...], timeout: float) -> tuple[str, float]:
        """'passed', 'failed' or 'timeout', and the seconds the run took."""
        env = {
            **os.environ,
            "PYTHONHASHSEED": "0",
            "REVIEWTOOL_CORPUS": os.environ.get("REVIEWTOOL_CORPUS", ""),
        }
        env.pop("CI", None)  # a test that skips for a missing tool is not a kill
        argv = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
        start = time.monotonic()
        try:
            result = subprocess.run(
                argv, cwd=self.root, env=env, capture_output=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            return "timeout", time.monotonic() - start
        spent = time.monotonic() - start
        if result.returncode == 0:
            return "passed", spent
        if result.returncode in (1, 2):
            return "failed", spent
        tail = result.stdout.decode(errors="replace")[-400:]
        raise RuntimeError(f"pytest exited {result.returncode}: {tail}")

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class Outcome:
    mutant: Mutant
    status: str  # killed, survived, timeout (counted as killed)


def select(area: str, spec: Area) -> list[tuple[Mutant, Edit, str]]:
    """Every mutant of the area's modules (sorted by id), with the module's source."""
    modules: list[str] = []
    for pattern in spec.modules:
        modules += sorted(str(p.relative_to(ROOT)) for p in ROOT.glob(pattern))
    if not modules:
        raise SystemExit(f"mutation: area {area}: no module matches {spec.modules}")
    found: list[tuple[Mutant, Edit, str]] = []
    for module in dict.fromkeys(modules):
        source = (ROOT / module).read_text(encoding="utf-8")
        found += [(m, e, source) for m, e in mutants_of(module, source)]
    return sorted(found, key=lambda item: item[0].id)


def run_area(
    area: str,
    spec: Area,
    chosen: list[tuple[Mutant, Edit, str]],
    workspaces: list[Workspace],
    timeout: float | None,
    verbose: bool,
) -> list[Outcome]:
    for test in spec.tests:
        if not (ROOT / test).is_file():
            raise SystemExit(f"mutation: area {area}: test file {test} is missing")
    status, baseline = workspaces[0].run_tests(spec.tests, timeout=600)
    if status != "passed":
        raise SystemExit(f"mutation: area {area}: the tests fail without any mutant")
    limit = timeout or max(60.0, 5 * baseline)  # wall time: the machine may be shared
    if verbose:
        print(f"  {area}: baseline run {baseline:.1f} s, timeout {limit:.0f} s", flush=True)

    def one(position: int) -> Outcome:
        mutant, edit, source = chosen[position]
        workspace = workspaces[position % len(workspaces)]
        workspace.write(mutant.module, mutated_source(source, mutant, edit))
        try:
            status, _ = workspace.run_tests(spec.tests, timeout=limit)
        finally:
            workspace.restore(mutant.module)
        outcome = {"failed": "killed", "passed": "survived", "timeout": "timeout"}[status]
        if verbose:
            print(f"    {outcome:8} {mutant.id}", flush=True)
        return Outcome(mutant, outcome)

    if len(workspaces) == 1:
        return [one(position) for position in range(len(chosen))]
    outcomes: list[Outcome] = []
    # each worker owns one workspace: positions k, k+jobs, ... go to workspace k
    jobs = len(workspaces)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        lanes = [
            pool.submit(lambda lane: [one(p) for p in range(lane, len(chosen), jobs)], lane)
            for lane in range(jobs)
        ]
        for lane in lanes:
            outcomes += lane.result()
    return sorted(outcomes, key=lambda o: o.mutant.id)


# --------------------------------------------------------------------------- report


def summarise(area: str, outcomes: list[Outcome]) -> tuple[float, list[Outcome]]:
    """Print the area's table; the kill rate over non-equivalent mutants and the survivors
    nobody explained."""
    rows: dict[str, Counter] = {}
    unexplained: list[Outcome] = []
    for outcome in outcomes:
        row = rows.setdefault(outcome.mutant.module, Counter())
        row["mutants"] += 1
        mutant_id = outcome.mutant.id
        if outcome.status in ("killed", "timeout"):
            row["killed"] += 1
            row["timeout"] += outcome.status == "timeout"
        elif mutant_id in EQUIVALENT:
            row["equivalent"] += 1
        else:
            row["survived"] += 1
            row["accepted"] += mutant_id in ACCEPTED
            if mutant_id not in ACCEPTED:
                unexplained.append(outcome)
    total = Counter()
    for module, row in sorted(rows.items()):
        total.update(row)
        print(_row(module, row))
    print(_row(f"{area} (all)", total))
    judged = total["mutants"] - total["equivalent"]
    rate = total["killed"] / judged if judged else 1.0
    return rate, unexplained


def _row(label: str, row: Counter) -> str:
    judged = row["mutants"] - row["equivalent"]
    rate = row["killed"] / judged if judged else 1.0
    return (
        f"  {label:44} {row['mutants']:5} mutants  {row['killed']:5} killed "
        f"({row['timeout']} by timeout)  {row['survived']:4} survived "
        f"({row['accepted']} accepted)  {row['equivalent']:4} equivalent  {rate:6.1%}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--area", action="append", choices=sorted(AREAS))
    parser.add_argument("--max-mutants", type=int, help="seeded sample of this many per area")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--timeout", type=float, help="per mutant (default 10x the baseline)")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--only", help="run the mutants whose id contains this text")
    parser.add_argument(
        "--again", type=Path, help="run only the mutants a previous output lists as survived"
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    areas = args.area or list(AREAS)
    plans: dict[str, list[tuple[Mutant, Edit, str]]] = {}
    for area in areas:
        chosen = select(area, AREAS[area])
        if args.only:
            chosen = [item for item in chosen if args.only in item[0].id]
        if args.again:
            text = args.again.read_text(encoding="utf-8")
            ids = set(re.findall(r"^\s+survived: (.+) \(line \d+\)$", text, re.M))
            chosen = [item for item in chosen if item[0].id in ids]
        if args.max_mutants and len(chosen) > args.max_mutants:
            chosen = sorted(
                random.Random(args.seed).sample(chosen, args.max_mutants),
                key=lambda item: item[0].id,
            )
        plans[area] = chosen
    if args.list:
        for area, chosen in plans.items():
            for mutant, _, _ in chosen:
                print(f"{area}\t{mutant.line}\t{mutant.id}")
        return 0
    planned = {mutant.id for chosen in plans.values() for mutant, _, _ in chosen}
    stale = [mutant_id for mutant_id in [*EQUIVALENT, *ACCEPTED] if mutant_id not in planned]
    scratch = Path(tempfile.mkdtemp(prefix="reviewtool-mutation-"))
    workspaces = [Workspace.make(scratch) for _ in range(max(1, args.jobs))]
    failed = False
    try:
        started = time.monotonic()
        for area, chosen in plans.items():
            print(f"{area}: {len(chosen)} mutants of {', '.join(AREAS[area].modules)}", flush=True)
            outcomes = run_area(area, AREAS[area], chosen, workspaces, args.timeout, args.verbose)
            rate, unexplained = summarise(area, outcomes)
            for outcome in unexplained:
                print(f"    survived: {outcome.mutant.id} (line {outcome.mutant.line})")
            failed |= rate < 0.9
        print(f"{time.monotonic() - started:.0f} s wall")
        if stale and not args.max_mutants and not args.only and not args.area:
            for mutant_id in stale:
                print(f"  listed but no longer a mutant: {mutant_id}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
