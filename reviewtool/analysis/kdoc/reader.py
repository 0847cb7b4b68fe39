"""The comment reader: scripts/kernel-doc's line-based state machine (normal, name, body,
proto, docblock, inline) over the raw text, with its own regular expressions; `analyse` is the
entry point. The prototype after a block goes to `prototypes`, the verdicts to `verdicts`."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator

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
    Prototype,
    freeze,
    load_vocabulary,
)
from reviewtool.analysis.kdoc.prototypes import parse_function_prototype, parse_type_prototype
from reviewtool.analysis.kdoc.verdicts import function_verdicts, type_verdicts
from reviewtool.resources import Rules

# ---- the expressions of scripts/kernel-doc ------------------------------------------------
_DOC_START = re.compile(r"^/\*\*\s*$")
_DOC_END = re.compile(r"\*/")
_DOC_DECL = re.compile(DOC_COM + r"(\w+)")
_DOC_BLOCK = re.compile(DOC_COM + r"DOC:\s*(.*)?")
_DOC_CONTENT = re.compile(r"\s*\* ?(.*)")
_DOC_INLINE_START = re.compile(r"^\s*/\*\*\s*$")
_DOC_INLINE_SECT = re.compile(r"\s*\*\s*(@\s*[\w][\w\.]*\s*):(.*)")
_DOC_INLINE_END = re.compile(r"^\s*\*/\s*$")
_DOC_INLINE_ONELINE = re.compile(r"^\s*/\*\*\s*(@[\w\s]+):\s*(.*)\s*\*/\s*$")
_TYPE_PARAM = re.compile(r"\@(\w*((\.\w+)|(->\w+))*(\.\.\.)?)")
_FN_TYPE = r"\w+\s*\*\s*"
_PARENTHESIS = r"\(\w*\)"
_DECL_END = r"[-:].*"
_NAME_ANY = re.compile(rf"^{DOC_COM}([\w\s]+?)(?:{_PARENTHESIS})?\s*(?:{_DECL_END})?$")
_NAME_TYPE = re.compile(r"^(struct|union|enum|typedef)\b\s*(\S*)")
_NAME_FN = re.compile(rf"^{DOC_COM}(?:{_FN_TYPE})?(\w+)\s*(?:{_PARENTHESIS})?\s*(?:{_DECL_END})?$")
_NAME_FN_LOOSE = re.compile(rf"^{DOC_COM}(?:{_FN_TYPE})?(\w+.*)(?:{_PARENTHESIS})?\s*{_DECL_END}$")
_MAX_PROTOTYPE = 20000  # characters: a runaway prototype (no `{` or `;`) stops here
_MAX_PURPOSE = 2000  # characters of a short description kept
_MAX_LINE_JOIN = 400  # backslash-continued lines joined into one


class _Reader:
    """scripts/kernel-doc's state machine: normal, name, body, proto, docblock, inline."""

    def __init__(self, vocabulary: KdocVocabulary) -> None:
        self.vocabulary = vocabulary
        self.state = "normal"
        self.body_state = "body"
        self.inline_state = ""
        self.block: OpenBlock | None = None
        self.blocks: list[KdocBlock] = []
        self.problems: list[KdocProblem] = []
        self.line_no = 0
        # A `/**` comment that is not kernel-doc: kernel-doc forgets it, but a reviewer wants
        # to know which declaration it sits on. (problem index, seen `*/`, prototype text)
        self.pending: tuple[int, bool, str] | None = None

    # -- driver --
    def feed(self, line: str, line_no: int) -> None:
        self.line_no = line_no
        handler = getattr(self, f"_on_{self.state}")
        handler(line)

    def reset(self) -> None:
        self.state = "normal"
        self.block = None

    def warn(self, kind: str, function: str | None, subject: str, message: str) -> None:
        block_line = self.block.start_line if self.block else 0
        self.problems.append(
            KdocProblem(kind, self.line_no, function, subject, message, block_line)
        )

    # -- states --
    def _on_normal(self, line: str) -> None:
        if _DOC_START.match(line):
            self.pending = None
            self.state = "name"
            self.block = OpenBlock(start_line=self.line_no)
        elif self.pending is not None:
            self._follow_pending(line)

    def _follow_pending(self, line: str) -> None:
        """Read past the comment to the declaration it documents and name it."""
        assert self.pending is not None
        index, closed, text = self.pending
        if not closed:
            self.pending = (index, bool(_DOC_END.search(line)), text)
            return
        if not line.strip() and not text:
            return
        text += re.match(r"[^{]*", re.sub(r"//.*$", "", line)).group(0) + " "
        if "{" in line or ";" in line or re.search(r"#\s*define", line) or len(text) > 2000:
            prototype = re.sub(r"/\*.*?\*/", "", text, flags=re.S).strip()
            parsed = parse_function_prototype(prototype, self.vocabulary, self.line_no)
            if parsed.understood and parsed.name:
                for at in range(index, len(self.problems)):
                    if self.problems[at].function is None:
                        self.problems[at] = dataclasses.replace(
                            self.problems[at], function=parsed.name
                        )
            self.pending = None
        else:
            self.pending = (index, closed, text)

    def _on_name(self, line: str) -> None:
        block = self.block
        assert block is not None
        block.name_line = self.line_no
        block.name_text = line
        if _DOC_BLOCK.search(line):
            block.decl_type = "doc"
            self.state = "docblock"
            return
        decl = _DOC_DECL.search(line)
        if not decl:
            self._finish_block(None)
            self.warn(
                "not-kernel-doc",
                None,
                normalise_line(line),
                f"Cannot understand {line.strip()} on line {self.line_no} - I thought it was "
                "a doc line",
            )
            self.pending = (len(self.problems) - 1, bool(_DOC_END.search(line)), "")
            self.reset()
            return
        identifier, decl_type = _name_line(line, decl.group(1))
        block.identifier = identifier
        block.section = DESCRIPTION
        block.section_line = self.line_no + 1
        purpose = re.search(r"[-:](.*)", line)
        block.purpose = " ".join(purpose.group(1).split()) if purpose else ""
        self.body_state = "maybe" if purpose else "body"
        self.state = "body"
        first_problem = len(self.problems)
        if not decl_type:
            self._finish_block(None)
            self.warn(
                "not-kernel-doc",
                None,
                normalise_line(line),
                "This comment starts with '/**', but isn't a kernel-doc comment. Refer "
                "Documentation/doc-guide/kernel-doc.rst",
            )
        else:
            block.decl_type = decl_type
        if not block.purpose:
            # kernel-doc says this of a comment that is not kernel-doc too.
            self.warn(
                "missing-short-description",
                (identifier or None) if decl_type else None,
                (identifier or normalise_line(line)) if decl_type else normalise_line(line),
                f"missing initial short description on line: {line.strip()}",
            )
        if decl_type and not identifier and decl_type != "enum":
            self._finish_block(None)
            self.warn(
                "not-kernel-doc",
                None,
                normalise_line(line),
                f"wrong kernel-doc identifier on line: {line.strip()}",
            )
            decl_type = ""
        if not decl_type:
            self.pending = (first_problem, bool(_DOC_END.search(line)), "")
            self.reset()

    def _on_docblock(self, line: str) -> None:
        if _DOC_END.search(line):
            block = self.block
            assert block is not None
            self.blocks.append(freeze(block, self.line_no, None))
            self.reset()

    def _on_body(self, line: str) -> None:
        block = self.block
        assert block is not None
        if self.body_state == "blank" and re.match(r"^\s*\*\s?\S", line):
            self._dump_section(force=True)
            block.section = DESCRIPTION
            block.section_line = self.line_no
            block.contents = ""
        section = self.vocabulary.section_pattern.search(line)
        if section:
            self._start_section(section.group(1), section.group(2) or "")
        elif _DOC_END.search(line):
            self._dump_section()
            block.end_line = self.line_no
            block.prototype = ""
            block.braces = 0
            self.state = "proto"
        elif content := _DOC_CONTENT.search(line):
            self._content(content.group(1))
        else:
            self.warn(
                "bad-line",
                block.identifier,
                normalise_line(line),
                f"bad line: {line.rstrip()}".rstrip(),
            )

    def _start_section(self, name: str, text: str) -> None:
        block = self.block
        assert block is not None
        lowered = name.lower()
        if lowered == "description":
            name = DESCRIPTION
        elif lowered == "context":
            name = CONTEXT
        elif lowered in ("return", "returns") or name == "@return":
            name = RETURN
        self._dump_section()
        block.section = name
        block.contents = text.lstrip(" ")
        if block.contents:
            block.contents += "\n"
        block.section_line = self.line_no
        self.body_state = "body"

    def _content(self, text: str) -> None:
        block = self.block
        assert block is not None
        if text == "":
            if block.section == CONTEXT:
                self._dump_section(force=True)
                block.section = DESCRIPTION
                block.contents = ""
                block.section_line = self.line_no
                self.body_state = "body"
            else:
                self.body_state = "blank" if block.section != DESCRIPTION else "body"
                block.contents += "\n"
        elif self.body_state == "maybe":
            if len(block.purpose) < _MAX_PURPOSE:  # bounded: a purpose is one sentence
                block.purpose = " ".join(f"{block.purpose} {text}".split())
        else:
            block.contents += text + "\n"

    def _dump_section(self, force: bool = False) -> None:
        """kernel-doc's dump_section: only a section with content counts as described (its
        callers skip empty ones, except after a blank line, which `force`s it)."""
        block = self.block
        assert block is not None
        if not force and block.contents in ("", "\n"):
            return
        name = block.section
        param = _TYPE_PARAM.search(name) if name.startswith("@") else None
        if name == "@...":
            block.params["..."] = block.section_line
        elif param is not None:
            block.params[param.group(1)] = block.section_line
        else:
            previous = block.sections.get(name, "")
            if previous and name != DESCRIPTION:
                self.warn(
                    "duplicate-section", block.identifier, name, f"duplicate section name '{name}'"
                )
            block.sections[name] = previous + block.contents
        block.section = DESCRIPTION
        block.contents = ""

    def _on_proto(self, line: str) -> None:
        block = self.block
        assert block is not None
        oneline = _DOC_INLINE_ONELINE.match(line)
        if oneline:
            name = oneline.group(1).strip()
            if oneline.group(2).strip():
                block.params[name.lstrip("@").strip()] = self.line_no
            return
        if _DOC_INLINE_START.match(line):
            self.state = "inline"
            self.inline_state = "name"
            return
        if block.decl_type == "function":
            self._proto_function(line)
        else:
            self._proto_type(line)

    def _on_inline(self, line: str) -> None:
        block = self.block
        assert block is not None
        sect = _DOC_INLINE_SECT.search(line)
        if self.inline_state == "name" and sect:
            name = sect.group(1).strip().lstrip("@").strip()
            block.params[name] = self.line_no
            self.inline_state = "text"
        elif _DOC_INLINE_END.match(line):
            self.state = "proto"
            self.inline_state = ""
        elif _DOC_CONTENT.search(line) and self.inline_state == "name":
            self.inline_state = "error"
            self.warn(
                "bad-line",
                block.identifier,
                normalise_line(line),
                f"Incorrect use of kernel-doc format: {line.rstrip()}",
            )

    def _proto_function(self, line: str) -> None:
        block = self.block
        assert block is not None
        line = re.sub(r"//.*$", "", line)
        if line.startswith("#") and not re.match(r"^#\s*define", line):
            pass
        else:
            block.prototype += re.match(r"[^{]*", line).group(0) + "\n"
        if "{" in line or re.search(r"#\s*define", line) or ";" in line:
            prototype = re.sub(r"/\*.*?\*/", "", block.prototype, flags=re.S)
            prototype = re.sub(r"[\r\n]+", " ", prototype).lstrip()
            prototype = re.sub(r"^(\S+\s+)\(\s*\*(\S+)\)", r"\1\2", prototype)
            self._dump_function(prototype)
            self.reset()
        elif len(block.prototype) > _MAX_PROTOTYPE:
            self.reset()

    def _proto_type(self, line: str) -> None:
        block = self.block
        assert block is not None
        text = re.sub(r"[\r\n]+", " ", line).strip()
        text = re.sub(r"//.*$", "", text)
        if text.startswith("#"):
            text += ";"
        while True:
            piece = re.match(r"([^{};]*)([{};])(.*)", text)
            if piece is None:
                block.prototype += text
                break
            if block.prototype:
                block.prototype += " "
            block.prototype += piece.group(1) + piece.group(2)
            delimiter = piece.group(2)
            block.braces += {"{": 1, "}": -1}.get(delimiter, 0)
            if delimiter == ";" and block.braces == 0:
                self._dump_type(block.prototype)
                self.reset()
                return
            text = piece.group(3)
        if len(block.prototype) > _MAX_PROTOTYPE:
            self.reset()

    # -- verdicts --
    def _dump_function(self, prototype: str) -> None:
        block = self.block
        assert block is not None
        parsed = parse_function_prototype(prototype, self.vocabulary, self.line_no)
        self._finish_block(parsed)
        for warning in function_verdicts(block, parsed, prototype):
            self.warn(*warning)

    def _dump_type(self, prototype: str) -> None:
        block = self.block
        assert block is not None
        parsed = parse_type_prototype(prototype, block.decl_type, self.line_no)
        self._finish_block(parsed)
        for warning in type_verdicts(block, parsed):
            self.warn(*warning)

    def _finish_block(self, prototype: Prototype | None) -> None:
        block = self.block
        if block is None:
            return
        self.blocks.append(freeze(block, block.end_line, prototype))


def normalise_line(line: str) -> str:
    return " ".join(line.strip().lstrip("*").split())


def _name_line(line: str, first_word: str) -> tuple[str, str]:
    """(identifier, decl_type) from a name line; decl_type "" when it is not kernel-doc."""
    identifier = first_word
    whole = _NAME_ANY.match(line)
    if whole:
        identifier = whole.group(1)
    typed = _NAME_TYPE.match(identifier)
    if typed:
        return typed.group(2).rstrip(), typed.group(1)
    function = _NAME_FN.match(line) or _NAME_FN_LOOSE.match(line)
    if function:
        identifier = re.sub(r"^define\s+", "", function.group(1))
        return identifier.rstrip(), "function"
    return identifier.rstrip(), ""


# ---- entry point --------------------------------------------------------------------------


def logical_lines(text: str) -> Iterator[tuple[str, int]]:
    """(line, last physical line number): backslash continuations joined as kernel-doc does
    (a line not starting with ` *` and ending in `\\` swallows the next)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline ending the last line does not start another
    index = 0
    while index < len(lines):
        line = lines[index]
        joined = 0
        while (
            not line.startswith(" *")
            and re.search(r"\\\s*$", line)
            and index + 1 < len(lines)
            and joined < _MAX_LINE_JOIN
        ):
            line = re.sub(r"\\\s*$", "", line) + lines[index + 1]
            index += 1
            joined += 1
        index += 1
        yield line, index


def analyse(
    text: str,
    rules: Rules | None = None,
    known: Callable[[int], bool] | None = None,
) -> KdocResult:
    """Every `/**` block of a file and kernel-doc's warnings about them. `known(line)` is
    False for lines a hunks-only file state does not have: the reader starts afresh there."""
    reader = _Reader(load_vocabulary(rules))
    for line, line_no in logical_lines(text):
        if known is not None and not known(line_no):
            reader.reset()
            continue
        reader.feed(line.expandtabs(8), line_no)
    return KdocResult(tuple(reader.blocks), tuple(reader.problems))
