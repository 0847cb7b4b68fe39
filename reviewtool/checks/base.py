"""The check contract: one rule a class, three scopes, and the contexts each scope receives."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from reviewtool.model import (
    FileState,
    Finding,
    Location,
    Patch,
    Series,
    Severity,
    Snapshot,
    finding_key,
)
from reviewtool.resources import Rules

if TYPE_CHECKING:
    from reviewtool.csyntax import FileFacts

T = TypeVar("T")


class Memo:
    """Results derived from one file state, shared by the checks that need them (LK001..LK004
    and AS003 share one lock analysis). Keyed by (content hash, analysis name). `functions`
    keeps per-function results across the states of one run (one rule set).

    Results that hold a parse (names starting with one of `PER_STATE`: they keep a syntax
    tree alive) are kept for the few states a step works on, least recently used first out;
    a series of a thousand states would otherwise hold a thousand trees."""

    PER_STATE = ("locks", "asserts.", "bisect-shapes:")
    RECENT = 48  # per-state results kept: a step reads the states before and after it

    def __init__(self, across_states: bool = False) -> None:
        from reviewtool.analysis.functions import FunctionCache

        self._values: dict[tuple[str, str], Any] = {}
        self._recent: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self.functions = FunctionCache()
        # True for a series: states share most of their text, so analyses that can keep
        # parts of a file by content (kernel-doc by region) do; scan reads each file once
        self.across_states = across_states

    def get(self, sha1: str, name: str, compute: Callable[[], T]) -> T:
        key = (sha1, name)
        if not name.startswith(self.PER_STATE):
            if key not in self._values:
                self._values[key] = compute()
            return self._values[key]
        if key in self._recent:
            self._recent.move_to_end(key)
            return self._recent[key]
        value = self._recent[key] = compute()
        if len(self._recent) > self.RECENT:
            self._recent.popitem(last=False)
        return value


@dataclass(frozen=True)
class FileContext:
    """One C file state. File checks are pure functions of it: the engine runs them once per
    distinct content and finds what each patch introduced by comparing keys across steps."""

    path: str
    state: FileState
    facts: FileFacts
    rules: Rules
    memo: Memo = field(compare=False)
    # Names of the functions whose findings the engine compares (None: all). A check with
    # `focus_aware` reports only findings in these functions; see reviewtool/focus.py.
    focus: frozenset[str] | None = None

    def derived(self, name: str, compute: Callable[[], T]) -> T:
        return self.memo.get(self.state.sha1, name, compute)

    def in_focus(self, function: str | None) -> bool:
        return self.focus is None or function in self.focus

    @property
    def focus_key(self) -> str:
        """A memo-key suffix for results that depend on the focus."""
        return "" if self.focus is None else f":focus{hash(self.focus)}"


@dataclass(frozen=True)
class PatchContext:
    """One patch with the tree before and after it."""

    series: Series
    patch: Patch
    step: int
    before: Snapshot
    after: Snapshot
    rules: Rules
    facts: Callable[[FileState], FileFacts]  # cached parse of any file state
    memo: Memo = field(compare=False)
    base_file: Callable[[str], FileState | None] = lambda path: None  # lazily read base files
    #   (headers a touched file includes); None without a base tree or when absent


@dataclass(frozen=True)
class SeriesContext:
    """The whole series after every step ran: `findings` are the engine's resolved findings
    (introduced_in/fixed_in set), `snapshots[k]` the tree after k patches. Checks that must
    know what later patches do (BS003..BS006) are series checks and read every step here."""

    series: Series
    snapshots: tuple[Snapshot, ...]
    findings: tuple[Finding, ...]
    rules: Rules
    facts: Callable[[FileState], FileFacts] | None = None  # cached parse of any file state
    memo: Memo = field(default_factory=Memo, compare=False)
    base_file: Callable[[str], FileState | None] = lambda path: None


class Check:
    """Base class of every rule. Subclasses set the class attributes, a docstring with the
    sections What it checks / Why it matters / Example / Better / Rule data, and `run`."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    scope: ClassVar[str]  # "file", "patch" or "series"
    # File checks: only for paths matching these suffixes.
    suffixes: ClassVar[tuple[str, ...]] = (".c", ".h")
    # File checks whose findings each belong to one function, and depend only on what
    # reviewtool/focus.py says: they honour FileContext.focus and the engine compares only
    # the functions a patch can have changed.
    focus_aware: ClassVar[bool] = False

    def run(self, ctx: Any) -> Iterator[Finding]:
        raise NotImplementedError

    def finding(
        self,
        message: str,
        *,
        patch: int = 0,
        path: str | None = None,
        line: int | None = None,
        function: str | None = None,
        subject: str = "",
        evidence: tuple[Location, ...] = (),
        severity: Severity | None = None,
    ) -> Finding:
        """A finding of this rule. `subject` is what distinguishes two findings of this rule in
        the same function (the lock expression, the parameter name); it goes into the key."""
        return Finding(
            code=self.code,
            name=self.name,
            severity=self.severity if severity is None else severity,
            message=message,
            location=Location(patch=patch, path=path, line=line, function=function),
            key=finding_key(self.code, path, function, subject),
            evidence=evidence,
        )

    @classmethod
    def doc(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")
