"""Lock-analysis values: abstract state, results, and how locks and lvalues are named."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from reviewtool.analysis.cfg import CFG
from reviewtool.csyntax.ir import Expr

MAX_HELD = 8  # distinct held locks tracked in one state
RETURNED = "\x00r\x00"  # in a summary template: the variable the call's result is assigned to
OLD_VALUE = "#"  # ends a released lock's ident once its variable got a new value (effects.py)


# -- abstract state ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class Held:
    ident: str  # class:expression
    expr: str  # the expression as written (display)
    fn: str  # the acquiring function (variant)
    line: int
    scope: int = 0  # cleanup.h scope it is released at, 0 for none
    entry: bool = False  # the caller's lock, released and re-taken here
    stale: bool = False  # its expression's variable was reassigned: no longer nameable
    escaped: str = ""  # passed to a call whose result reports on it: "*" tested, else the var
    count: int = 1
    partner: str = ""  # an irq/bh context component: the lock taken with it (context.py)
    orphan: int = 0  # ... the line that lock was released leaving the context disabled
    orphan_fn: str = ""  # ... and the function that did
    via: str = ""  # taken through a callee's unconfirmed contract: its key (contracts.py)


@dataclass(frozen=True, slots=True)
class State:
    held: tuple[Held, ...] = ()
    # (ident, was the caller's, line released, line it had been taken, 0 if not here)
    released: tuple[tuple[str, bool, int, int], ...] = ()
    facts: tuple[tuple[str, bool], ...] = ()  # variable -> truthiness
    aliases: tuple[tuple[str, str], ...] = ()  # variable -> variable it was copied from
    # the hash, computed once: the dataflow looks every state up in a set (0: not yet)
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __hash__(self) -> int:
        value = self._hash
        if not value:
            value = hash((self.held, self.released, self.facts, self.aliases)) or 1
            object.__setattr__(self, "_hash", value)
        return value

    def fact(self, name: str) -> bool | None:
        for key, value in self.facts:
            if key == name:
                return value
        return None

    def with_fact(self, name: str, value: bool | None) -> State:
        facts = tuple(f for f in self.facts if f[0] != name)
        if value is not None:
            facts = tuple(sorted((*facts, (name, value))))
        if facts == self.facts:
            return self
        return State(self.held, self.released, facts, self.aliases)

    def holding(self, ident: str) -> Held | None:
        return next((h for h in self.held if h.ident == ident), None)


@dataclass(frozen=True, slots=True)
class Event:
    """A finding-worthy event: code LK001..LK004, the lock, and the lines involved."""

    code: str
    ident: str
    expr: str
    line: int  # where it happens (exit line for LK001)
    other_line: int  # acquire line (LK001/LK002/LK004) or previous release (LK003)
    detail: str = ""  # the branch leading to the exit, or the mismatching function
    subject: str = ""  # identity for the finding key: class and expression, variables
    #                    abstracted (`spinlock:&$1->lock`) so renaming one keeps the key
    via: str = ""  # the lock came from a callee's unconfirmed contract (its key)
    contract: str = ""  # a leak this function's own unconfirmed contract may explain


@dataclass(frozen=True, slots=True)
class Effect:
    """One lock effect of a summarised function, in terms of its parameters."""

    op: str  # "acquire" or "release"
    cls: str
    template: str  # expression with `\x00N\x00` for parameter N, RETURNED for the result
    fn: str
    acquired_when: str = ""
    # returning with the lock is only a contract until a caller or a partner in the file
    # releases it (contracts.py); `origin` are the callee contracts it passes on
    unconfirmed: bool = False
    origin: frozenset[str] = frozenset()
    # op "variant": the pointer parameter (template) and the value stored through it on the
    # exits that traded the caller's lock for variant `fn`: "\x001\x00=0" (summary.py)
    through: str = ""


PURE = Effect("pure", "", "", "")  # the summary of a side-effect-free predicate


@dataclass(frozen=True, slots=True)
class Exit:
    line: int
    state: State
    truth: bool | None  # of the returned value, None when unknown or void
    returned: str | None  # the variable or field returned, if that is what is returned
    computed: bool = False  # returns a computed value (not a constant, not void)
    failure: bool = False  # returns an error: a negative constant, -EFOO, ERR_PTR(...)
    value: str = ""  # the returned expression as written (normalised)


@dataclass
class FunctionResult:
    name: str
    events: list[Event] = field(default_factory=list)
    steps: int = 0
    states: int = 0
    budget_exceeded: bool = False
    analysed: bool = False
    summary: tuple[Effect, ...] = ()
    exits: list[Exit] = field(default_factory=list)
    error: str = ""  # the analysis gave up on input it could not handle (nothing reported)
    incomplete: tuple[tuple[str, str], ...] = ()  # (subject, what was left out): LK005 says
    released_via: set[str] = field(default_factory=set)  # callee contracts released here
    takes_locks: bool = False  # takes some lock on some path (not a pure unlock helper)
    taken_classes: frozenset[str] = frozenset()  # the classes of the locks it takes
    refuted_via: set[str] = field(default_factory=set)  # callee contracts contradicted here
    releases_callers: set[tuple[str, str]] = field(default_factory=set)  # (class, template)
    drops_callers: frozenset[tuple[str, str]] = frozenset()  # ... released on some path
    unknown_calls_holding: set[str] = field(default_factory=set)  # undefined, lock held


# -- expressions ---------------------------------------------------------------------------

_IDENT = re.compile(r"[A-Za-z_]\w*")
_PATH = re.compile(r"[A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*|\[\w+\])*")


def lvalue_key(expr: Expr | None) -> str | None:
    """The key facts are kept under: a variable or a field path (`vmf->pte`)."""
    if expr is None:
        return None
    if expr.kind == "name":
        return expr.name
    if expr.kind == "other" and _PATH.fullmatch(expr.text):
        return expr.text
    if expr.kind == "unary" and expr.name == "*" and len(expr.children) == 1:
        inner = expr.children[0]
        if inner.kind == "name":
            return f"*{inner.name}"  # an out-parameter flag: `*ilock_shared = false;`
    return None


def sign_key(name: str) -> str:
    """The fact that `name` is negative: the atom a test `name < 0` (or `>= 0`) reads."""
    return f"{name}<0"


def nonpositive_key(name: str) -> str:
    """The fact that `name` is <= 0 (0 or an error): what `name <= 0` / `name > 0` read."""
    return f"{name}<=0"


def _strip(text: str) -> str:
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1]
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += (char == "(") - (char == ")")
        if depth < 0:
            return False
    return depth == 0


def base_variable(expr: str) -> str | None:
    """The variable a lock expression hangs off: `&foo->bar.lock` -> foo."""
    match = _IDENT.match(expr.lstrip("&*("))
    return match.group(0) if match else None


def _rebase(expr: str, old: str, new: str) -> str:
    prefix = len(expr) - len(expr.lstrip("&*("))
    head, rest = expr[:prefix], expr[prefix:]
    return head + new + rest[len(old) :] if rest.startswith(old) else expr


def _substitute(template: str, args: tuple[Expr, ...], assigned: str | None) -> str | None:
    if RETURNED in template:
        if assigned is None:
            return None
        # `*bucket = get_hash_bucket(...)` names `&(*bucket)->lock`, as `*bucket` passed does
        template = template.replace(
            RETURNED, assigned if _PATH.fullmatch(assigned) else f"({assigned})"
        )

    def arg(match: re.Match[str]) -> str:
        index = int(match.group(1))
        if index >= len(args):
            raise IndexError
        text = args[index].text
        return text if _PATH.fullmatch(text) else f"({text})"

    whole = re.fullmatch("\x00(\\d+)\x00", template)
    if whole is not None:
        index = int(whole.group(1))
        return args[index].text if index < len(args) else None
    try:
        text = re.sub("\x00(\\d+)\x00", arg, template)
    except IndexError:
        return None
    # (&x)->f is x.f; keep the common spelling so idents match.
    text = re.sub(r"\*\(&([\w.>-]+)\)|\*&([\w.>-]+)", lambda m: m.group(1) or m.group(2), text)
    text = _ADDRESS_MEMBER.sub(r"\1.", text)  # (&cpuctx->ctx)->lock is cpuctx->ctx.lock
    return _PARENTHESISED.sub(r"\1", text)  # `&(bucket)->lock` is `&bucket->lock`


# the address of a path, then a member of what it points to
_ADDRESS_MEMBER = re.compile(r"\(&(" + _PATH.pattern + r")\)->")
# a variable alone in parentheses before a member access (never a cast: what follows is `->`)
_PARENTHESISED = re.compile(r"(?<![\w)\]])\((\w+)\)(?=->|\.|\[|\)|$)")


_BASE_IDENT = re.compile(r"(?<![\w>.])[A-Za-z_]\w*")


def _template(
    expr: str,
    params: tuple[str, ...],
    declared: frozenset[str] | None = None,
    shared: frozenset[str] = frozenset(),
) -> str | None:
    """`expr` with each parameter it hangs off replaced by its placeholder; None when it
    hangs off a local variable the caller cannot name (`declared`: the function's locals);
    a lock hanging off a value every function names alike (`shared`: rules/locks.toml's
    `shared_values`, `current`) is the caller's as written."""
    if any(base in params for base in _BASE_IDENT.findall(expr)):
        return _BASE_IDENT.sub(
            lambda m: f"\x00{params.index(m.group(0))}\x00" if m.group(0) in params else m.group(0),
            expr,
        )
    base = base_variable(expr)
    if base is None:
        return expr  # no variable: a global lock expression
    if declared is not None and base not in declared and (declared or base in shared):
        # neither a parameter nor a local: a global (`&hwlat_data.lock`); where nothing is
        # declared, only a shared value is taken for one
        return expr
    if (
        base.isupper()
        or base.startswith(("__", "init_"))
        or "_" in base
        and base.endswith(("_lock", "_mutex", "_sem", "_rwsem", "_spinlock"))
    ):
        return expr  # a global lock
    return None


def contract_key(function: str, effect: Effect) -> str:
    """The identity of one function's contract to return holding a lock."""
    return f"{function}\x00{effect.cls}\x00{effect.template}"


def split_ident(ident: str) -> tuple[str, str]:
    """`mm: anon_vma rwsem:anon_vma` -> (class, expression): classes may hold ": "."""
    cls, _, expr = ident.rpartition(":")
    return cls, expr


def _lock_class(held: Held) -> str:
    return held.ident[: len(held.ident) - len(held.expr) - 1]


@lru_cache(maxsize=1 << 16)  # a clobber asks it of every alias, held lock and release
def _names(expr: str, name: str) -> bool:
    """Whether the lock or fact expression `expr` depends on the variable or field `name`."""
    if name.isidentifier():
        return name in _BASE_IDENT.findall(expr)
    bare = expr.lstrip("&*(")
    return bare == name or bare.startswith((f"{name}->", f"{name}.", f"{name}["))


def stable_subject(ident: str, expr: str, cfg: CFG) -> str:
    """`ident` with parameters written as their position and locals as `$`, so a finding
    keeps its key when a patch only renames a variable."""
    cls = ident[: len(ident) - len(expr) - 1]

    def abstract(match: re.Match[str]) -> str:
        name = match.group(0)
        if name in cfg.params:
            return f"${cfg.params.index(name) + 1}"
        return "$" if name in cfg.locals else name

    return f"{cls}:{_BASE_IDENT.sub(abstract, expr)}"


_MEMBER = re.compile(r"(?:->|\.)[\w.>-]*$")


def written_lock(cls: str, expr: str) -> str:
    """The lock as code writes it, without `&`: `rnp->lock` for the class `raw spinlock
    ->lock` taken on `rnp` (a wrapper that locks a member), `l->lock` for `spinlock` on
    `&l->lock`. An annotation (`__releases(rnp->lock)`) names locks this way."""
    bare = expr.replace(" ", "").lstrip("&")
    path = cls.rpartition(" ")[2] if " " in cls else ""
    member = _MEMBER.search(path)
    return bare + member.group(0) if member and not path.startswith("&") else bare


def forget_released(released: tuple, name: str, returned: bool) -> tuple:
    """The releases named through `name` once it gets a new value: forgotten, but for a
    variable the function returns, where its caller's stay, marked as of an old value
    (`rq#`, lines dropped: nothing names that object any more, no summary tells callers of
    it), so that a lock on the new value it returns reads as the caller's exchanged
    (leaks.py `_exchanged`)."""
    kept = set()
    for entry in released:
        if entry[0].endswith(OLD_VALUE) or not _names(entry[0].split(":", 1)[1], name):
            kept.add(entry)
        elif entry[1] and returned:
            kept.add((entry[0] + OLD_VALUE, True, 0, 0))
    return tuple(sorted(kept))
