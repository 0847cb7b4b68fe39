"""The comment reader: scripts/kernel-doc's line-based state machine over the raw text,
with its own regular expressions. Here the comment itself (process_normal, _name, _body,
_docblock) and its section bookkeeping (dump_section); what follows the comment (_proto,
_inline) is in `declaration`. `analyse` is the entry point."""

from __future__ import annotations

import re
from collections.abc import Callable

from reviewtool.analysis.kdoc.declaration import DOC_CONTENT, DeclarationStates
from reviewtool.analysis.kdoc.follow import PendingName
from reviewtool.analysis.kdoc.lines import expand_tabs, joined_lines, normalise_line, one_line
from reviewtool.analysis.kdoc.model import (
    CONTEXT,
    DESCRIPTION,
    DOC_COM,
    RETURN,
    KdocBlock,
    KdocProblem,
    KdocResult,
    KdocVocabulary,
    OpenBlock,
    freeze,
    load_vocabulary,
)
from reviewtool.resources import Rules

A = re.ASCII
_DOC_START = re.compile(r"^/\*\*\s*$", A)
_DOC_END = re.compile(r"\*/", A)
_DOC_DECL = re.compile(DOC_COM + r"(\w+)", A)
_DOC_BLOCK = re.compile(DOC_COM + r"DOC:\s*(.*)?", A)
_SUSPICIOUS_END = re.compile(r"\s*\*\s*[a-zA-Z_0-9:\.]+\*/", A)
_TYPE_PARAM = re.compile(r"\@(\w*((\.\w+)|(->\w+))*(\.\.\.)?)", A)
_FN_TYPE = r"\w+\s*\*\s*"
_PARENTHESIS = r"\(\w*\)"
_DECL_END = r"[-:].*"
_NAME_ANY = re.compile(rf"^{DOC_COM}([\w\s]+?)(?:{_PARENTHESIS})?\s*(?:{_DECL_END})?$", A)
_NAME_TYPE = re.compile(r"^(struct|union|enum|typedef)\b\s*(\S*)", A)
_NAME_FN = re.compile(
    rf"^{DOC_COM}(?:{_FN_TYPE})?(\w+)\s*(?:{_PARENTHESIS})?\s*(?:{_DECL_END})?$", A
)
_NAME_FN_LOOSE = re.compile(
    rf"^{DOC_COM}(?:{_FN_TYPE})?(\w+.*)(?:{_PARENTHESIS})?\s*{_DECL_END}$", A
)
_MAX_PURPOSE = 2000  # characters of a short description kept (it is never part of a verdict)


class _Reader(DeclarationStates):
    """scripts/kernel-doc's globals for one file: the state, the block being read (with
    %parameterdescs, %sections, $sectcheck), $section, $contents and $prototype."""

    def __init__(self, vocabulary: KdocVocabulary) -> None:
        self.vocabulary = vocabulary
        self.state = "normal"  # normal, name, body, maybe, blank, proto, docblock, inline
        self.inline_state = ""  # name, text, error
        self.block: OpenBlock | None = None
        self.section = DESCRIPTION
        self.contents = ""
        self.blocks: list[KdocBlock] = []
        self.problems: list[KdocProblem] = []
        self.line_no = 0
        self.leftover_sectcheck: list[str] = []  # a DOC: block does not reset $sectcheck
        self.pending = PendingName(vocabulary)

    def feed(self, line: str, line_no: int) -> None:
        self.line_no = line_no
        if self.state == "normal":
            self._normal(line)
        elif self.state == "name":
            self._name(line)
        elif self.state in ("body", "maybe", "blank"):
            self._body(line)
        elif self.state == "inline":
            self._inline(line)
        elif self.state == "proto":
            self._proto(line)
        elif self.state == "docblock":
            self._docblock(line)

    def reset(self) -> None:
        """reset_state (and starting afresh after lines a hunks-only state does not have)."""
        self.state = "normal"
        self.inline_state = ""
        self.block = None
        self.leftover_sectcheck = []

    def warn(self, kind: str, function: str | None, subject: str, message: str) -> None:
        block_line = self.block.start_line if self.block else 0
        problem = KdocProblem(kind, self.line_no, function, subject, one_line(message), block_line)
        self.problems.append(problem)

    # ---- states
    def _normal(self, line: str) -> None:
        if _DOC_START.search(line):
            self.pending.clear()
            self.state = "name"
            self.block = OpenBlock(start_line=self.line_no, sectcheck=self.leftover_sectcheck)
        elif self.pending.active:
            self.pending.follow(line, self.line_no, self.problems)

    def _name(self, line: str) -> None:
        block = self.block
        assert block is not None
        block.name_line, block.name_text = self.line_no, line.rstrip("\n")
        if doc := _DOC_BLOCK.search(line):
            block.decl_type = "doc"
            self.state, self.contents = "docblock", ""
            self.section = doc.group(1) or "Introduction"
            return
        decl = _DOC_DECL.search(line)
        if not decl:
            message = (
                f"Cannot understand {line} on line {self.line_no} - I thought it was a doc line"
            )
            self._not_kernel_doc(line, [("not-kernel-doc", message)])
            return
        identifier, decl_type = _name_line(line, decl.group(1))
        block.identifier, block.decl_type = identifier, decl_type
        self.state, self.contents, self.section = "body", "", DESCRIPTION
        block.section_line = self.line_no + 1
        purpose = re.search(r"[-:](.*)", line, A)
        if purpose:
            block.purpose = " ".join(purpose.group(1).split())
            self.state = "maybe"
        problems: list[tuple[str, str]] = []
        if not decl_type:
            problems.append(
                (
                    "not-kernel-doc",
                    "This comment starts with '/**', but isn't a kernel-doc comment. Refer "
                    f"Documentation/doc-guide/kernel-doc.rst\n{line}",
                )
            )
        if not block.purpose:
            problems.append(
                ("missing-short-description", f"missing initial short description on line:\n{line}")
            )
        if identifier == "" and decl_type != "enum":
            problems.append(("not-kernel-doc", f"wrong kernel-doc identifier on line:\n{line}"))
        if not decl_type or (identifier == "" and decl_type != "enum"):
            self._not_kernel_doc(line, problems)
            return
        for kind, message in problems:
            self.warn(kind, identifier or None, identifier or normalise_line(line), message)

    def _not_kernel_doc(self, line: str, problems: list[tuple[str, str]]) -> None:
        """kernel-doc forgets the comment; a reviewer wants to know which declaration it
        sits on: the problems get that name once the declaration is read."""
        assert self.block is not None
        self.block.decl_type = ""
        self.blocks.append(freeze(self.block, 0, None))
        first = len(self.problems)
        for kind, message in problems:
            self.warn(kind, None, normalise_line(line), message)
        self.pending.start(first, bool(_DOC_END.search(line)))
        self.state = "normal"
        self.block = None

    def _docblock(self, line: str) -> None:
        if _DOC_END.search(line):
            block = self.block
            assert block is not None
            self._dump_section(self.section, self.contents)  # dump_doc_section
            self.blocks.append(freeze(block, self.line_no, None))
            self.leftover_sectcheck = block.sectcheck
            self.state, self.block, self.contents = "normal", None, ""

    def _body(self, line: str) -> None:
        block = self.block
        assert block is not None
        if self.state == "blank" and re.search(r"^\s*\*\s?\S", line, A):
            self._dump_section(self.section, self.contents)
            self.section, self.contents = DESCRIPTION, ""
            block.section_line = self.line_no
        if section := self.vocabulary.section_pattern.search(line):
            self._new_section(section.group(1), section.group(2) or "")
        elif _DOC_END.search(line):
            if self.contents not in ("", "\n"):
                self._dump_section(self.section, self.contents)
                self.section, self.contents = DESCRIPTION, ""
            if _SUSPICIOUS_END.search(line):
                self.warn(
                    "bad-line",
                    block.identifier,
                    normalise_line(line),
                    f"suspicious ending line: {line}",
                )
            block.end_line = self.line_no
            block.prototype, block.braces, self.state = "", 0, "proto"
        elif content := DOC_CONTENT.search(line):
            self._content(content.group(1))
        else:
            self.warn("bad-line", block.identifier, normalise_line(line), f"bad line: {line}")

    def _new_section(self, name: str, text: str) -> None:
        lowered = name.lower()
        if lowered == "description":
            name = DESCRIPTION
        elif lowered == "context":
            name = CONTEXT
        elif lowered in ("return", "returns") or name == "@return":
            name = RETURN
        if self.contents not in ("", "\n"):
            self._dump_section(self.section, self.contents)
        self.state = "body"
        self.contents = text.lstrip(" ")
        if self.contents:
            self.contents += "\n"
        self.section = name
        assert self.block is not None
        self.block.section_line = self.line_no

    def _content(self, text: str) -> None:
        block = self.block
        assert block is not None
        if text == "":
            if self.section == CONTEXT:
                self._dump_section(self.section, self.contents)
                self.section, self.contents, self.state = DESCRIPTION, "", "body"
                block.section_line = self.line_no
            else:
                self.state = "blank" if self.section != DESCRIPTION else "body"
                self.contents += "\n"
        elif self.state == "maybe":
            if len(block.purpose) < _MAX_PURPOSE:
                block.purpose = " ".join(f"{block.purpose} {text}".split())
        else:
            self.contents += text + "\n"

    def _dump_section(self, name: str, contents: str) -> None:
        """dump_section: `@name` descriptions go to %parameterdescs and $sectcheck, the
        others to %sections (a repeated one is reported, Description excepted)."""
        block = self.block
        assert block is not None
        param = _TYPE_PARAM.search(name)
        if param is not None:
            key = param.group(1)
            block.descs[key] = contents
            block.desc_lines.setdefault(key, block.section_line)
            block.sectcheck.append(key)
        elif block.sections.get(name):
            if name != DESCRIPTION:
                self.warn(
                    "duplicate-section", block.identifier, name, f"duplicate section name '{name}'"
                )
            block.sections[name] += contents
        else:
            block.sections[name] = contents


def _name_line(line: str, first_word: str) -> tuple[str, str]:
    """(identifier, decl_type) from a name line; decl_type "" when it is not kernel-doc."""
    identifier = first_word
    if whole := _NAME_ANY.search(line):
        identifier = whole.group(1)
    if typed := _NAME_TYPE.search(identifier):
        return re.sub(r"\s+$", "", typed.group(2), flags=A), typed.group(1)
    if function := _NAME_FN.search(line) or _NAME_FN_LOOSE.search(line):
        identifier = re.sub(r"^define\s+", "", function.group(1), count=1, flags=A)
        return re.sub(r"\s+$", "", identifier, flags=A), "function"
    return re.sub(r"\s+$", "", identifier, flags=A), ""


def analyse(
    text: str,
    rules: Rules | None = None,
    known: Callable[[int], bool] | None = None,
) -> KdocResult:
    """Every `/**` block of a file and kernel-doc's warnings about them. `known(line)` is
    False for lines a hunks-only file state does not have: the reader starts afresh there."""
    reader = _Reader(load_vocabulary(rules))
    for line, line_no in joined_lines(text):
        if known is not None and not known(line_no):
            reader.reset()
            reader.pending.clear()
            continue
        if reader.state == "normal" and not reader.pending.active and line[:3] != "/**":
            continue  # the normal state looks for `/**` alone (_DOC_START), nothing else
        reader.feed(expand_tabs(line), line_no)
    return KdocResult(tuple(reader.blocks), tuple(reader.problems))
