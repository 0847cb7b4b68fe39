"""What the reader does after a comment ends: kernel-doc's process_proto and
process_inline states. The declaration under the comment is accumulated (a function's up to
its `{` or `;`, a type's up to the `;` closing its braces), inline member comments inside it
are read as sections, and the finished declaration goes to `prototypes` / `types`, its
warnings to `verdicts`. `DeclarationStates` is the part of `reader._Reader` doing this."""

from __future__ import annotations

import re

from reviewtool.analysis.kdoc.lines import normalise_line
from reviewtool.analysis.kdoc.model import (
    DESCRIPTION,
    KdocBlock,
    KdocProblem,
    KdocVocabulary,
    OpenBlock,
    freeze,
)
from reviewtool.analysis.kdoc.prototypes import (
    finished_prototype,
    parse_function_prototype,
    syscall_munge,
    tracepoint_munge,
)
from reviewtool.analysis.kdoc.types import CutShort, parse_type_prototype
from reviewtool.analysis.kdoc.verdicts import function_verdicts, type_verdicts

A = re.ASCII
DOC_CONTENT = re.compile(r"\s*\* ?(.*)", A)
_DOC_INLINE_START = re.compile(r"^\s*/\*\*\s*$", A)
_DOC_INLINE_SECT = re.compile(r"\s*\*\s*(@\s*[\w][\w\.]*\s*):(.*)", A)
_DOC_INLINE_END = re.compile(r"^\s*\*/\s*$", A)
_DOC_INLINE_ONELINE = re.compile(r"^\s*/\*\*\s*(@[\w\s]+):\s*(.*)\s*\*/\s*$", A)
_DELIMITER = re.compile(r"[\{\};]")

# Characters read after a block (kernel-doc has no bound; hostile input needs one): the
# largest real declarations in 6.12 are ~13,000 (a struct in cfg80211.h) and ~3,200.
MAX_PROTOTYPE = 100_000


class DeclarationStates:
    """The proto and inline states. The reader's state lives on the reader; `warn`, `reset`
    and `_dump_section` are the reader's too."""

    vocabulary: KdocVocabulary
    state: str
    inline_state: str
    block: OpenBlock | None
    section: str
    contents: str
    blocks: list[KdocBlock]
    problems: list[KdocProblem]
    line_no: int

    def _proto(self, line: str) -> None:
        block = self.block
        assert block is not None
        if oneline := _DOC_INLINE_ONELINE.search(line):
            self.section, self.contents = oneline.group(1), oneline.group(2)
            if self.contents != "":
                block.section_line = self.line_no
                self._dump_section(self.section, self.contents + "\n")
                self.section, self.contents = DESCRIPTION, ""
        elif _DOC_INLINE_START.search(line):
            self.state, self.inline_state = "inline", "name"
        elif block.decl_type == "function":
            self._proto_function(line)
        else:
            self._proto_type(line)

    def _inline(self, line: str) -> None:
        block = self.block
        assert block is not None
        sect = _DOC_INLINE_SECT.search(line)
        if self.inline_state == "name" and sect:
            self.section, self.contents = sect.group(1), sect.group(2)
            block.section_line = self.line_no
            if self.contents != "":
                self.contents = self.contents.lstrip(" ") + "\n"
            self.inline_state = "text"
        elif _DOC_INLINE_END.search(line):
            if self.contents not in ("", "\n"):
                self._dump_section(self.section, self.contents)
                self.section, self.contents = DESCRIPTION, ""
            self.state, self.inline_state = "proto", ""
        elif content := DOC_CONTENT.search(line):
            if self.inline_state == "text":
                self.contents += content.group(1) + "\n"
                if re.match(r"^\s*$", self.contents, A):
                    self.contents = ""
            elif self.inline_state == "name":
                self.inline_state = "error"
                message = f"Incorrect use of kernel-doc format: {line}"
                self.warn("bad-line", block.identifier, normalise_line(line), message)

    def _proto_function(self, line: str) -> None:
        block = self.block
        assert block is not None
        line = re.sub(r"//.*$", "", line, flags=A | re.S)
        if not (line.startswith("#") and not re.match(r"^#\s*define", line, A)):
            block.prototype += re.match(r"[^\{]*", line).group(0)
        if len(block.prototype) > MAX_PROTOTYPE:
            self._cut_short(f"the declaration is longer than {MAX_PROTOTYPE} characters")
        elif "{" in line or ";" in line or re.search(r"#\s*define", line, A):
            prototype = finished_prototype(block.prototype)
            identifier = block.identifier
            if "SYSCALL_DEFINE" in prototype:
                prototype = syscall_munge(prototype)
            if re.search("TRACE_EVENT|DEFINE_EVENT|DEFINE_SINGLE_EVENT", prototype):
                prototype, identifier, known = tracepoint_munge(prototype, identifier)
                if not known:
                    message = f"Unrecognized tracepoint format: \n{prototype}\n"
                    self.warn("bad-prototype", identifier, identifier, message)
            try:
                parsed = parse_function_prototype(prototype, self.vocabulary, self.line_no)
            except CutShort as exc:
                self._cut_short(str(exc))
                return
            self.blocks.append(freeze(block, block.end_line, parsed))
            for warning in function_verdicts(block, parsed, identifier):
                self.warn(*warning)
            self.reset()

    def _proto_type(self, line: str) -> None:
        block = self.block
        assert block is not None
        text = re.sub(r"[\r\n]+", " ", line, flags=A)
        text = re.sub(r"^\s+", "", text, flags=A)
        text = re.sub(r"\s+$", "", text, flags=A)
        text = re.sub(r"//.*$", "", text, flags=A | re.S)
        if text.startswith("#"):
            text += ";"
        position = 0  # `/([^\{\};]*)([\{\};])(.*)/` piece by piece, without re-scanning
        for delimiter in _DELIMITER.finditer(text):
            if block.prototype:
                block.prototype += " "
            block.prototype += text[position : delimiter.end()]
            position = delimiter.end()
            block.braces += {"{": 1, "}": -1}.get(delimiter.group(), 0)
            if len(block.prototype) > MAX_PROTOTYPE:
                break
            if delimiter.group() == ";" and block.braces == 0:
                self._dump_type(block.prototype)
                return
        block.prototype += text[position:]
        if len(block.prototype) > MAX_PROTOTYPE:
            self._cut_short(f"the declaration is longer than {MAX_PROTOTYPE} characters")

    def _dump_type(self, prototype: str) -> None:
        block = self.block
        assert block is not None
        try:
            parsed = parse_type_prototype(prototype, block.decl_type, self.line_no)
        except CutShort as exc:
            self._cut_short(str(exc))
            return
        self.blocks.append(freeze(block, block.end_line, parsed))
        if parsed is None:
            what = {"struct": "struct or union", "union": "struct or union"}
            kind = what.get(block.decl_type, block.decl_type)
            self.warn("parse-error", block.identifier, block.identifier, f"Cannot parse {kind}!")
        else:
            for warning in type_verdicts(block, parsed, block.identifier):
                self.warn(*warning)
        self.reset()

    def _cut_short(self, why: str) -> None:
        """A bound of ours, not kernel-doc's: say that this block was not checked."""
        block = self.block
        assert block is not None
        self.blocks.append(freeze(block, block.end_line, None))
        message = f"kernel-doc comment of '{block.identifier}' not checked: {why}"
        self.warn("cut-short", block.identifier or None, block.identifier, message)
        self.reset()
