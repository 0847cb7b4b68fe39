"""Kernel-doc blocks and the prototypes they document, read the way scripts/kernel-doc does.

kernel-doc (Linux 6.12, Perl) is a line-based state machine over the raw text, not a C parser:
its verdicts depend on its own regular expressions (a `/**` must start the line, the name line
decides whether a block is kernel-doc, the prototype is the text up to the first `{`, `;` or
`#define`). To agree with the tool reviewers run, this module follows the same machine and the
same expressions, on the original text of the file state. `rules/kerneldoc.toml` holds the
vocabulary (section names, prototype words stripped).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from reviewtool.errors import RuleDataError
from reviewtool.resources import Rules, default_rules

# ---- the expressions of scripts/kernel-doc ------------------------------------------------
_DOC_START = re.compile(r"^/\*\*\s*$")
_DOC_END = re.compile(r"\*/")
_DOC_COM = r"\s*\*\s*"
_DOC_DECL = re.compile(_DOC_COM + r"(\w+)")
_DOC_BLOCK = re.compile(_DOC_COM + r"DOC:\s*(.*)?")
_DOC_CONTENT = re.compile(r"\s*\* ?(.*)")
_DOC_INLINE_START = re.compile(r"^\s*/\*\*\s*$")
_DOC_INLINE_SECT = re.compile(r"\s*\*\s*(@\s*[\w][\w\.]*\s*):(.*)")
_DOC_INLINE_END = re.compile(r"^\s*\*/\s*$")
_DOC_INLINE_ONELINE = re.compile(r"^\s*/\*\*\s*(@[\w\s]+):\s*(.*)\s*\*/\s*$")
_TYPE_PARAM = re.compile(r"\@(\w*((\.\w+)|(->\w+))*(\.\.\.)?)")
_FN_TYPE = r"\w+\s*\*\s*"
_PARENTHESIS = r"\(\w*\)"
_DECL_END = r"[-:].*"
_NAME_ANY = re.compile(rf"^{_DOC_COM}([\w\s]+?)(?:{_PARENTHESIS})?\s*(?:{_DECL_END})?$")
_NAME_TYPE = re.compile(r"^(struct|union|enum|typedef)\b\s*(\S*)")
_NAME_FN = re.compile(rf"^{_DOC_COM}(?:{_FN_TYPE})?(\w+)\s*(?:{_PARENTHESIS})?\s*(?:{_DECL_END})?$")
_NAME_FN_LOOSE = re.compile(rf"^{_DOC_COM}(?:{_FN_TYPE})?(\w+.*)(?:{_PARENTHESIS})?\s*{_DECL_END}$")
_PROTO_NAME = r"[a-zA-Z0-9_~:]+"
_PROTO_END = r"\(([^\(]*|[^\{]*)\)"
_TYPE1 = r"[\w\s]+"
_TYPE2 = rf"{_TYPE1}\*+"
_PROTO_MACRO_OBJECT = re.compile(rf"^()({_PROTO_NAME})\s+")
_PROTO_FORMS = (
    re.compile(rf"^()({_PROTO_NAME})\s*{_PROTO_END}", re.S),
    re.compile(rf"^({_TYPE1})\s+({_PROTO_NAME})\s*{_PROTO_END}", re.S),
    re.compile(rf"^((?:{_TYPE2})+)\s*({_PROTO_NAME})\s*{_PROTO_END}", re.S),
)
_MAX_PROTOTYPE = 20000  # characters: a runaway prototype (no `{` or `;`) stops here
_MAX_PURPOSE = 2000  # characters of a short description kept
_MAX_LINE_JOIN = 400  # backslash-continued lines joined into one


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
        patterns = tuple(re.compile(p, re.X) for p in prototype.get("strip_patterns", []))
    except (KeyError, TypeError, re.error) as exc:
        raise RuleDataError(f"kerneldoc.toml: malformed or missing entry ({exc})") from None
    alternatives = "|".join([r"\@[.\w]+", r"\@\.\.\.", *sections])
    section_pattern = re.compile(_DOC_COM + rf"\s*({alternatives})\s*:([^:].*)?$", re.I)
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
)


@dataclass
class _Open:
    """The block being read."""

    start_line: int
    name_line: int = 0
    end_line: int = 0
    name_text: str = ""
    decl_type: str = ""
    identifier: str = ""
    purpose: str = ""
    section: str = ""
    contents: str = ""
    section_line: int = 0
    params: dict[str, int] = field(default_factory=dict)
    sections: dict[str, str] = field(default_factory=dict)  # name -> text, as kernel-doc
    prototype: str = ""
    braces: int = 0


_DEFAULT = "Description"
_RETURN = "Return"
_CONTEXT = "Context"


class _Reader:
    """scripts/kernel-doc's state machine: normal, name, body, proto, docblock, inline."""

    def __init__(self, vocabulary: KdocVocabulary) -> None:
        self.vocabulary = vocabulary
        self.state = "normal"
        self.body_state = "body"
        self.inline_state = ""
        self.block: _Open | None = None
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
            self.block = _Open(start_line=self.line_no)
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
        block.section = _DEFAULT
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
            self.blocks.append(_frozen(block, self.line_no, None))
            self.reset()

    def _on_body(self, line: str) -> None:
        block = self.block
        assert block is not None
        if self.body_state == "blank" and re.match(r"^\s*\*\s?\S", line):
            self._dump_section(force=True)
            block.section = _DEFAULT
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
            name = _DEFAULT
        elif lowered == "context":
            name = _CONTEXT
        elif lowered in ("return", "returns") or name == "@return":
            name = _RETURN
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
            if block.section == _CONTEXT:
                self._dump_section(force=True)
                block.section = _DEFAULT
                block.contents = ""
                block.section_line = self.line_no
                self.body_state = "body"
            else:
                self.body_state = "blank" if block.section != _DEFAULT else "body"
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
            if previous and name != _DEFAULT:
                self.warn(
                    "duplicate-section", block.identifier, name, f"duplicate section name '{name}'"
                )
            block.sections[name] = previous + block.contents
        block.section = _DEFAULT
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
        """kernel-doc's dump_function: parameters are checked while the prototype is parsed,
        so they are reported even when the name then turns out not to match."""
        block = self.block
        assert block is not None
        parsed = parse_function_prototype(prototype, self.vocabulary, self.line_no)
        self._finish_block(parsed)
        if not parsed.understood:
            self.warn(
                "bad-prototype",
                block.identifier,
                block.identifier,
                f"cannot understand function prototype: '{prototype.strip()}'",
            )
            return
        name = parsed.name
        self._undescribed(block, parsed)
        if block.identifier != name:
            # Attributed to the documented name (the comment is what is wrong); the key's
            # subject is the declaration actually found.
            self.warn(
                "name-mismatch",
                block.identifier,
                name,
                f"expecting prototype for {block.identifier}(). Prototype was for {name}() instead",
            )
            return
        self._excess(block, parsed)
        needs_return = parsed.kind == "function" and not _is_void(parsed.return_type)
        if needs_return and not block.sections.get(_RETURN):
            self.warn(
                "return-not-described",
                name,
                "return",
                f"No description found for return value of '{name}'",
            )

    def _dump_type(self, prototype: str) -> None:
        """kernel-doc's dump_struct / dump_enum / dump_typedef: name first, then members."""
        block = self.block
        assert block is not None
        parsed = parse_type_prototype(prototype, block.decl_type, self.line_no)
        self._finish_block(parsed)
        if parsed is None:
            return
        if block.identifier != parsed.name:
            shown = "typedef" if parsed.kind.startswith("typedef") else parsed.kind
            self.warn(
                "name-mismatch",
                block.identifier,
                parsed.name,
                f"expecting prototype for {shown} {block.identifier}. Prototype "
                f"was for {shown} {parsed.name} instead",
            )
            return
        self._undescribed(block, parsed)
        if parsed.kind in ("struct", "union", "enum"):
            self._excess(block, parsed)

    def _undescribed(self, block: _Open, parsed: Prototype) -> None:
        """kernel-doc's push_parameter warnings."""
        name = parsed.name
        member = parsed.kind in ("struct", "union", "enum")
        for param in parsed.params:
            skip = param in parsed.undescribed_ok or "." in param or param.startswith("#")
            if skip or param in block.params:
                continue
            if parsed.kind == "enum":
                message = f"Enum value '{param}' not described in enum '{name}'"
            else:
                message = f"Function parameter or struct member '{param}' not described in '{name}'"
            kind_name = "member-not-described" if member else "param-not-described"
            self.warn(kind_name, name, param, message)

    def _excess(self, block: _Open, parsed: Prototype) -> None:
        """kernel-doc's check_sections (and dump_enum's excess check)."""
        name = parsed.name
        kind = parsed.kind
        for described in block.params:
            if described in parsed.params or described in parsed.undescribed_ok:
                continue
            if kind == "enum":
                message = f"Excess enum value '{described}' description in '{name}'"
                self.warn("excess-member", name, described, message)
            elif kind in ("struct", "union"):
                message = f"Excess {kind} member '{described}' description in '{name}'"
                self.warn("excess-member", name, described, message)
            else:
                message = f"Excess function parameter '{described}' description in '{name}'"
                self.warn("excess-param", name, described, message)

    def _finish_block(self, prototype: Prototype | None) -> None:
        block = self.block
        if block is None:
            return
        self.blocks.append(_frozen(block, block.end_line, prototype))


def _frozen(block: _Open, end_line: int, prototype: Prototype | None) -> KdocBlock:
    return KdocBlock(
        start_line=block.start_line,
        name_line=block.name_line,
        end_line=end_line,
        name_text=block.name_text,
        decl_type=block.decl_type,
        identifier=block.identifier,
        purpose=block.purpose,
        params=tuple(block.params.items()),
        sections=tuple(name for name, text in block.sections.items() if text),
        prototype=prototype,
    )


def _is_void(return_type: str) -> bool:
    """kernel-doc ignores an empty return type (a macro) and `void` (not `void *`)."""
    return return_type == "" or re.search(r"void\s*\w*\s*$", return_type) is not None


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


# ---- prototypes -------------------------------------------------------------------------------


def parse_function_prototype(prototype: str, vocabulary: KdocVocabulary, line: int) -> Prototype:
    """kernel-doc's dump_function: strip attribute words, then match one of three forms."""
    text = prototype
    for word in vocabulary.strip_prefixes:
        text = re.sub(rf"^{re.escape(word)} +", "", text)
    for word in vocabulary.strip_anywhere:
        text = re.sub(rf"{re.escape(word)} +", "", text)
    for pattern in vocabulary.strip_patterns:
        text = pattern.sub("", text)
    define = re.match(r"^#\s*define\s+", text)
    if define:
        text = text[define.end() :]
    if define and _PROTO_MACRO_OBJECT.match(text):
        name = _PROTO_MACRO_OBJECT.match(text).group(2)
        return Prototype(name, "object-macro", "", (), frozenset(), prototype, line)
    for form in _PROTO_FORMS:
        match = form.match(text)
        if match:
            params, auto = parameter_list(match.group(3))
            kind = "macro" if define else "function"
            return Prototype(match.group(2), kind, match.group(1), params, auto, prototype, line)
    return Prototype("", "function", "", (), frozenset(), prototype, line, understood=False)


def parameter_list(args: str, splitter: str = ",") -> tuple[tuple[str, ...], frozenset[str]]:
    """kernel-doc's create_parameterlist + push_parameter: the names it checks, and those it
    describes by itself (variadic `...`, `void`, anonymous struct/union members)."""
    while re.search(r"\([^),]+,", args):
        args = re.sub(r"(\([^),]+),", r"\1#", args)
    names: list[str] = []
    auto: set[str] = set()
    for arg in args.split(splitter):
        arg = re.sub(r"/\*.*\*/", "", arg)
        arg = re.sub(r"\sPOS0?\s", " ", arg).strip()
        arg = re.sub(r"\s+", " ", arg, count=1)
        for param, typ in _split_arg(arg):
            name = _push_name(param, typ, auto)
            if name is not None:
                names.append(name)
    return tuple(names), frozenset(auto)


def _split_arg(arg: str) -> Iterator[tuple[str, str]]:
    if not arg:
        return
    if arg.startswith("#"):
        yield arg, ""
        return
    if re.search(r"\(.+\)\s*\(", arg):
        arg = arg.replace("#", ",")
        found = re.search(r"[^(]+\(\*?\s*([\w\[\].]*)\s*\)", arg)
        yield (found.group(1) if found else ""), "fnptr"
        return
    if re.search(r"\(.+\)\s*\[", arg):
        arg = arg.replace("#", ",")
        found = re.search(r"[^(]+\(\s*\*\s*([\w\[\].]*?)\s*(\s*\[\s*[\w]+\s*\]\s*)*\)", arg)
        yield (found.group(1) if found else ""), "array"
        return
    arg = re.sub(r"\s*:\s*", ":", arg)
    arg = re.sub(r"\s*\[", "[", arg)
    parts = re.split(r"\s*,\s*", arg)
    if "*" in parts[0]:
        parts[0] = re.sub(r"(\*+)\s*", r" \1", parts[0], count=1)
    array = re.match(r"^(.*\s+)(.*?\[.*\].*)$", parts[0])
    if array:
        parts.pop(0)
        first = [*array.group(1).split(), array.group(2)]
    else:
        first = parts.pop(0).split()
    parts.insert(0, first.pop() if first else "")
    typ = " ".join(first)
    for param in parts:
        pointer = re.match(r"^(\*+)\s*(.*)", param)
        bitfield = re.match(r"(.*?):(\d+)", param)
        if pointer:
            yield pointer.group(2), f"{typ} {pointer.group(1)}"
        elif bitfield:
            if typ:
                yield bitfield.group(1), f"{typ}:{bitfield.group(2)}"
        else:
            yield param, typ


def _push_name(param: str, typ: str, auto: set[str]) -> str | None:
    param = re.sub(r"[\[)].*", "", param)
    if typ == "" and param.endswith("..."):
        param = param[:-3] if re.search(r"\w\.\.\.$", param) else "..."
        auto.add(param)
    elif typ == "" and param in ("", "void"):
        param = "void"
        auto.add(param)
    elif typ == "" and param in ("struct", "union"):
        auto.add(f"{{unnamed_{param}}}")
        return f"{{unnamed_{param}}}"
    elif "__cacheline_group" in param:
        return None
    return param


_ATTRIBUTE = r"__attribute__\s*\(\([a-z0-9,_\*\s\(\)]*\)\)"
_QUALIFIERS = (
    rf"(?:{_ATTRIBUTE}|__packed|__aligned|____cacheline_aligned_in_smp|____cacheline_aligned)"
)
_DEFINITION_BODY = rf"\{{(.*)\}}\s*{_QUALIFIERS}*"
_NESTED = re.compile(r"(struct|union)([^{};]+)\{([^{}]*)\}([^{};]*);")
_MEMBER_MACROS = (
    (
        r"__ETHTOOL_DECLARE_LINK_MODE_MASK\s*\(([^\)]+)\)",
        r"DECLARE_BITMAP(\1, __ETHTOOL_LINK_MODE_MASK_NBITS)",
    ),
    (r"DECLARE_PHY_INTERFACE_MASK\s*\(([^\)]+)\)", r"DECLARE_BITMAP(\1, PHY_INTERFACE_MODE_MAX)"),
    (r"DECLARE_BITMAP\s*\(([^,)]+),\s*([^,)]+)\)", r"unsigned long \1[BITS_TO_LONGS(\2)]"),
    (r"DECLARE_HASHTABLE\s*\(([^,)]+),\s*([^,)]+)\)", r"unsigned long \1[1 << ((\2) - 1)]"),
    (r"DECLARE_KFIFO\s*\(([^,)]+),\s*([^,)]+),\s*([^,)]+)\)", r"\2 *\1"),
    (r"DECLARE_KFIFO_PTR\s*\(([^,)]+),\s*([^,)]+)\)", r"\2 *\1"),
    (r"(?:__)?DECLARE_FLEX_ARRAY\s*\(([^,)]+),\s*([^,)]+)\)", r"\1 \2[]"),
    (r"DEFINE_DMA_UNMAP_ADDR\s*\(([^,)]+)\)", r"dma_addr_t \1"),
    (r"DEFINE_DMA_UNMAP_LEN\s*\(([^,)]+)\)", r"__u32 \1"),
)
_MAX_NESTING_ROUNDS = 500


def parse_type_prototype(prototype: str, decl_type: str, line: int) -> Prototype | None:
    """A struct, union, enum or typedef as kernel-doc's dump_* read it; None when it cannot
    be parsed (kernel-doc then prints an error, not a warning)."""
    if decl_type in ("struct", "union"):
        return _parse_struct(prototype, line)
    if decl_type == "enum":
        return _parse_enum(prototype, line)
    if decl_type == "typedef":
        return _parse_typedef(prototype, line)
    return None


def _parse_struct(text: str, line: int) -> Prototype | None:
    found = re.search(rf"(struct|union)\s+(\w+)\s*{_DEFINITION_BODY}", text, re.S | re.I)
    if found:
        kind, name, members = found.group(1), found.group(2), found.group(3)
    else:
        found = re.search(
            rf"typedef\s+(struct|union)\s*{_DEFINITION_BODY}\s*(\w+)\s*;", text, re.S | re.I
        )
        if not found:
            return None
        kind, members, name = found.group(1), found.group(2), found.group(3)
    if not members:
        return None
    members = _munge_members(members)
    members = _flatten_nested(members)
    members = re.sub(r"\{[^{}]*\}", "", members)  # other nested bodies, like enums
    params, auto = parameter_list(members, ";")
    return Prototype(name, kind, "", params, auto, text, line)


def _munge_members(members: str) -> str:
    """Private members, comments, attributes and member macros, as dump_struct removes them."""
    members = re.sub(r"/\*\s*private:.*?/\*\s*public:.*?\*/", "", members, flags=re.S | re.I)
    members = re.sub(r"/\*\s*private:.*", "", members, flags=re.S | re.I)
    members = re.sub(r"/\*.*?\*/", "", members, flags=re.S)
    members = re.sub(rf"\s*{_ATTRIBUTE}", " ", members, flags=re.I)
    for pattern in (
        r"\s*__aligned\s*\([^;]*\)",
        r"\s*__counted_by\s*\([^;]*\)",
        r"\s*__counted_by_(le|be)\s*\([^;]*\)",
        r"\s*__packed\s*",
        r"\s*CRYPTO_MINALIGN_ATTR",
        r"\s*____cacheline_aligned_in_smp",
        r"\s*____cacheline_aligned",
    ):
        members = re.sub(pattern, " ", members)
    members = re.sub(r"\bstruct_group\s*\(([^,]*,)", "STRUCT_GROUP(", members)
    members = re.sub(r"\bstruct_group_attr\s*\(([^,]*,){2}", "STRUCT_GROUP(", members)
    members = re.sub(
        r"\bstruct_group_tagged\s*\(([^,]*),([^,]*),", r"struct \1 \2; STRUCT_GROUP(", members
    )
    members = re.sub(r"\b__struct_group\s*\(([^,]*,){3}", "STRUCT_GROUP(", members)
    members = _unwrap_struct_groups(members)
    for pattern, replacement in _MEMBER_MACROS:
        members = re.sub(pattern, replacement, members)
    return members


def _unwrap_struct_groups(members: str) -> str:
    """`STRUCT_GROUP(a; b;) ;` -> `a; b;` (kernel-doc uses a recursive regex for this)."""
    for _ in range(_MAX_NESTING_ROUNDS):
        start = members.find("STRUCT_GROUP(")
        if start < 0:
            break
        open_at = start + len("STRUCT_GROUP")
        depth, close = 0, -1
        for index in range(open_at, len(members)):
            depth += {"(": 1, ")": -1}.get(members[index], 0)
            if depth == 0:
                close = index
                break
        semicolon = members.find(";", close) if close >= 0 else -1
        if semicolon < 0:
            break
        members = members[:start] + members[open_at + 1 : close] + members[semicolon + 1 :]
    return members


def _flatten_nested(members: str) -> str:
    """Innermost nested struct/union bodies become members: anonymous ones by their own
    names, named ones as `name.member` (which kernel-doc does not require)."""
    for _ in range(_MAX_NESTING_ROUNDS):
        nested = _NESTED.search(members)
        if nested is None:
            break
        members = members[: nested.start()] + _nested_members(nested) + members[nested.end() :]
    return members


def _nested_members(nested: re.Match[str]) -> str:
    maintype, content, ids = nested.group(1), nested.group(3), nested.group(4)
    out = ""
    for raw_id in ids.split(","):
        out += f"{maintype} {raw_id}; "
        ident = re.sub(r"[:\[].*", "", raw_id)
        ident = re.sub(r"^\s*\**(\S+)\s*", r"\1", ident)
        prefix = "" if not ident.strip() else f"{ident}."
        for arg in content.split(";"):
            if not arg.strip():
                continue
            pointer = re.match(r"^([^(]+\(\*?\s*)([\w.]*)(\s*\).*)", arg)
            if pointer:
                if pointer.group(2):
                    out += f"{pointer.group(1)}{prefix}{pointer.group(2)}{pointer.group(3)}; "
                continue
            arg = re.sub(r":\s*\d+\s*", "", arg.strip())
            arg = re.sub(r"\[.*\]", "", arg)
            arg = re.sub(r"\s*,\s*", ",", arg)
            typed = re.match(r"(.*)\s+([\S+,]+)", arg)
            if typed is None:
                out += f"{arg}; "
                continue
            for name in typed.group(2).split(","):
                name = re.sub(r"^\s*\**(\S+)\s*", r"\1", name)
                if name.strip():
                    out += f"{typed.group(1)} {prefix}{name}; "
    return out


def _parse_enum(text: str, line: int) -> Prototype | None:
    text = re.sub(r"/\*\s*private:.*?/\*\s*public:.*?\*/", "", text, flags=re.S | re.I)
    text = re.sub(r"/\*\s*private:.*}", "}", text, flags=re.S | re.I)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"#\s*((define|ifdef|if)\s+|endif)[^;]*;", "", text, flags=re.S)
    found = re.search(r"typedef\s+enum\s*\{(.*)\}\s*(\w*)\s*;", text, re.S)
    if found:
        members, name = found.group(1), found.group(2)
    else:
        found = re.search(r"enum\s+(\w*)\s*\{(.*)\}", text, re.S)
        if not found:
            return None
        name, members = found.group(1), found.group(2)
    if not members:
        return None
    members = re.sub(r"\([^;]*?[)]", "", members.rstrip())
    values = members.split(",")
    while values and values[-1] == "":
        values.pop()  # Perl's split drops trailing empty fields
    names = tuple(re.sub(r"^\s*(\w+).*", r"\1", value, flags=re.S) for value in values)
    return Prototype(name, "enum", "", names, frozenset(), text, line)


_TYPEDEF_TYPE = r"((?:\s+[\w*]+\b){1,8})\s*"
_TYPEDEF_IDENT = r"\*?\s*(\w\S+)\s*"
_TYPEDEF_ARGS = r"\s*\((.*)\);"
_TYPEDEF_FORMS = (
    re.compile(rf"typedef{_TYPEDEF_TYPE}\({_TYPEDEF_IDENT}\){_TYPEDEF_ARGS}", re.S),
    re.compile(rf"typedef{_TYPEDEF_TYPE}{_TYPEDEF_IDENT}{_TYPEDEF_ARGS}", re.S),
)


def _parse_typedef(text: str, line: int) -> Prototype | None:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    for form in _TYPEDEF_FORMS:
        found = form.search(text)
        if found:
            params, auto = parameter_list(found.group(3))
            return Prototype(
                found.group(2), "typedef", found.group(1).strip(), params, auto, text, line
            )
    for _ in range(_MAX_NESTING_ROUNDS):
        trimmed = re.sub(r"\(*.\)\s*;$", ";", text)
        trimmed = re.sub(r"\[*.\]\s*;$", ";", trimmed)
        if trimmed == text:
            break
        text = trimmed
    found = re.search(r"typedef.*\s+(\w+)\s*;", text, re.S)
    if found:
        return Prototype(found.group(1), "typedef-plain", "", (), frozenset(), text, line)
    return None


# ---- entry point --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KdocResult:
    blocks: tuple[KdocBlock, ...]
    problems: tuple[KdocProblem, ...]


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
