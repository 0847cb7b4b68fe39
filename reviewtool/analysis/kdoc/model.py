"""The values of the kernel-doc reader: its vocabulary (rules/kerneldoc.toml), the blocks and
prototypes it reads, the problems it reports, and the block being read."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from reviewtool.errors import RuleDataError
from reviewtool.resources import Rules, default_rules

DOC_COM = r"\s*\*\s*"  # scripts/kernel-doc's $doc_com: the ` * ` of a comment line
DESCRIPTION = "Description"
RETURN = "Return"
CONTEXT = "Context"


@dataclass(frozen=True)
class KdocVocabulary:
    """rules/kerneldoc.toml: section names and the words kernel-doc strips from prototypes."""

    sections: tuple[str, ...]
    strip_prefixes: tuple[str, ...]
    strip_anywhere: tuple[str, ...]
    strip_patterns: tuple[re.Pattern[str], ...]
    section_pattern: re.Pattern[str] = field(repr=False)


def load_vocabulary(rules: Rules | None = None) -> KdocVocabulary:
    table = (rules or default_rules()).table("kerneldoc")
    return _vocabulary(id(table), table)


_VOCABULARIES: dict[int, tuple[dict[str, Any], KdocVocabulary]] = {}


def _vocabulary(key: int, table: dict[str, Any]) -> KdocVocabulary:
    cached = _VOCABULARIES.get(key)
    if cached is not None and cached[0] is table:
        return cached[1]
    try:
        sections = tuple(table["sections"]["names"])
        prototype = table["prototype"]
        prefixes = tuple(prototype["strip_prefixes"])
        anywhere = tuple(prototype["strip_anywhere"])
        patterns = tuple(re.compile(p, re.X | re.A) for p in prototype.get("strip_patterns", []))
    except (KeyError, TypeError, re.error) as exc:
        raise RuleDataError(f"kerneldoc.toml: malformed or missing entry ({exc})") from None
    alternatives = "|".join([r"\@[.\w]+", r"\@\.\.\.", *sections])
    section_pattern = re.compile(DOC_COM + rf"\s*({alternatives})\s*:([^:].*)?$", re.I | re.ASCII)
    vocabulary = KdocVocabulary(sections, prefixes, anywhere, patterns, section_pattern)
    _VOCABULARIES[key] = (table, vocabulary)
    return vocabulary


# ---- results --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Prototype:
    """What kernel-doc made of the code after a block."""

    name: str  # declaration name ("" when not understood)
    kind: str  # "function", "macro", "object-macro", "struct", "union", "enum", "typedef"
    return_type: str
    params: tuple[str, ...]  # parameter / member names in kernel-doc's spelling
    undescribed_ok: frozenset[str]  # names kernel-doc describes itself ("...", "void")
    text: str
    line: int  # the line where kernel-doc finished reading it (where it reports)
    understood: bool = True
    actual: tuple[str, ...] = ()  # kernel-doc's $struct_actual: raw names, spaces removed


@dataclass(frozen=True, slots=True)
class KdocBlock:
    start_line: int  # the `/**` line
    name_line: int
    end_line: int  # the `*/` line (0 while unterminated)
    name_text: str  # the name line as written
    decl_type: str  # "function", "struct", "union", "enum", "typedef", "doc", "" (not kdoc)
    identifier: str
    purpose: str
    params: tuple[tuple[str, int], ...]  # described @params (name, line) in order
    sections: tuple[str, ...]  # non-empty sections: "Return", "Context", "Note" ...
    prototype: Prototype | None = None

    @property
    def is_kernel_doc(self) -> bool:
        return self.decl_type != ""


@dataclass(frozen=True, slots=True)
class KdocProblem:
    """One warning as kernel-doc -Wall words it."""

    kind: str  # see KINDS
    line: int  # where kernel-doc reports it
    function: str | None  # the declaration it belongs to
    subject: str  # the parameter, or the documented name: what the key is built from
    message: str
    block_line: int = 0  # the block's `/**` line


KINDS = (
    "param-not-described",
    "excess-param",
    "name-mismatch",
    "return-not-described",
    "not-kernel-doc",
    "missing-short-description",
    "bad-prototype",
    "bad-line",
    "duplicate-section",
    "member-not-described",
    "excess-member",
    "parse-error",  # kernel-doc's "Cannot parse struct or union!" (an error, not a warning)
    "cut-short",  # ours: a bound on hostile input stopped the reader; nothing was checked
)


@dataclass
class OpenBlock:
    """The block being read."""

    start_line: int
    name_line: int = 0
    end_line: int = 0
    name_text: str = ""
    decl_type: str = ""
    identifier: str = ""
    purpose: str = ""
    section_line: int = 0
    descs: dict[str, str] = field(default_factory=dict)  # %parameterdescs from the comment
    desc_lines: dict[str, int] = field(default_factory=dict)  # where each was described
    sectcheck: list[str] = field(default_factory=list)  # every @name described, repeats too
    sections: dict[str, str] = field(default_factory=dict)  # name -> text, as kernel-doc
    prototype: str = ""
    braces: int = 0


def freeze(block: OpenBlock, end_line: int, prototype: Prototype | None) -> KdocBlock:
    return KdocBlock(
        start_line=block.start_line,
        name_line=block.name_line,
        end_line=end_line,
        name_text=block.name_text,
        decl_type=block.decl_type,
        identifier=block.identifier,
        purpose=block.purpose,
        params=tuple((name, block.desc_lines.get(name, 0)) for name in block.descs),
        sections=tuple(name for name, text in block.sections.items() if text),
        prototype=prototype,
    )


@dataclass(frozen=True, slots=True)
class KdocResult:
    blocks: tuple[KdocBlock, ...]
    problems: tuple[KdocProblem, ...]
