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
_NAME_FN_LOOSE = re.compile(
    rf"^{_DOC_COM}(?:{_FN_TYPE})?(\w+[^-:]*)(?:{_PARENTHESIS})?\s*{_DECL_END}$"
)
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
    # Struct/union: every identifier of the body, nested members included. The member list
    # is simplified (top level only), so an `@name` found anywhere here is not "excess".
    body_words: frozenset[str] = frozenset()


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
    sections: list[str] = field(default_factory=list)
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
                problem = self.problems[index]
                self.problems[index] = dataclasses.replace(problem, function=parsed.name)
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
        if not decl_type:
            self._finish_block(None)
            self.warn(
                "not-kernel-doc",
                None,
                normalise_line(line),
                "This comment starts with '/**', but isn't a kernel-doc comment. Refer "
                "Documentation/doc-guide/kernel-doc.rst",
            )
            self.pending = (len(self.problems) - 1, bool(_DOC_END.search(line)), "")
            self.reset()
            return
        block.decl_type = decl_type
        if not block.purpose:
            self.warn(
                "missing-short-description",
                identifier,
                identifier,
                f"missing initial short description on line: {line.strip()}",
            )

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
        # else: kernel-doc's "bad line", ignored

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
        elif name not in block.sections:
            block.sections.append(name)
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
        if not parsed.understood:
            self.warn(
                "bad-prototype",
                block.identifier,
                block.identifier,
                f"cannot understand function prototype: '{prototype.strip()}'",
            )
            return
        name = parsed.name
        if block.identifier != name:
            self.warn(
                "name-mismatch",
                name,
                block.identifier,
                f"expecting prototype for {block.identifier}(). Prototype was for {name}() instead",
            )
            return
        self._check_params(block, parsed, "function")
        needs_return = parsed.kind == "function" and not _is_void(parsed.return_type)
        if needs_return and _RETURN not in block.sections:
            self.warn(
                "return-not-described",
                name,
                "return",
                f"No description found for return value of '{name}'",
            )

    def _dump_type(self, prototype: str) -> None:
        block = self.block
        assert block is not None
        parsed = parse_type_prototype(prototype, block.decl_type, self.line_no)
        self._finish_block(parsed)
        if parsed is None or not parsed.understood:
            return
        if block.identifier != parsed.name:
            self.warn(
                "name-mismatch",
                parsed.name,
                block.identifier,
                f"expecting prototype for {block.decl_type} {block.identifier}. Prototype "
                f"was for {block.decl_type} {parsed.name} instead",
            )
            return
        self._check_params(block, parsed, parsed.kind)

    def _check_params(self, block: _Open, parsed: Prototype, kind: str) -> None:
        """kernel-doc's push_parameter and check_sections warnings."""
        name = parsed.name
        member = kind in ("struct", "union", "enum")
        for param in parsed.params:
            skip = param in parsed.undescribed_ok or "." in param or param.startswith("#")
            if skip or param in block.params:
                continue
            if kind == "enum":
                message = f"Enum value '{param}' not described in enum '{name}'"
            else:
                message = f"Function parameter or struct member '{param}' not described in '{name}'"
            kind_name = "member-not-described" if member else "param-not-described"
            self.warn(kind_name, name, param, message)
        for described in block.params:
            if described in parsed.params or described in parsed.body_words or "." in described:
                continue
            if kind == "enum":
                message = f"Excess enum value '{described}' description in '{name}'"
            elif member:
                message = f"Excess {kind} member '{described}' description in '{name}'"
            elif kind in ("function", "macro", "object-macro", "typedef"):
                message = f"Excess function parameter '{described}' description in '{name}'"
            else:
                continue
            self.warn("excess-member" if member else "excess-param", name, described, message)

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
        sections=tuple(block.sections),
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


def parameter_list(args: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """kernel-doc's create_parameterlist + push_parameter: the names it checks, and those it
    describes by itself (variadic `...`, `void`)."""
    while re.search(r"(\([^),]+),", args):
        args = re.sub(r"(\([^),]+),", r"\1#", args, count=1)
    names: list[str] = []
    auto: set[str] = set()
    for arg in args.split(","):
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


def parse_type_prototype(prototype: str, decl_type: str, line: int) -> Prototype | None:
    """The name and members of a struct/union/enum/typedef, as kernel-doc's dump_* read them
    (simplified: top-level members of a struct, enumerators of an enum)."""
    text = prototype
    if decl_type in ("struct", "union"):
        head = re.match(r"\s*(struct|union)\s+(\w+)\s*\{(.*)\}", text, re.S)
        if head is None:
            return None
        body = _public_members(head.group(3))
        members = _struct_members(body)
        words = frozenset(re.findall(r"\w+", body))
        return Prototype(
            head.group(2), head.group(1), "", members, frozenset(), prototype, line, True, words
        )
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    if decl_type == "enum":
        head = re.match(r"\s*enum\s+(\w+)\s*\{(.*)\}", text, re.S) or re.match(
            r"\s*typedef\s+enum\s*\{(.*)\}\s*(\w+)", text, re.S
        )
        if head is None:
            return None
        if text.lstrip().startswith("typedef"):
            name, body = head.group(2), head.group(1)
        else:
            name, body = head.group(1), head.group(2)
        values = []
        for item in body.split(","):
            item = re.sub(r"^\s*#.*$", "", item, flags=re.M).strip()
            word = re.match(r"(\w+)", item)
            if word:
                values.append(word.group(1))
        return Prototype(name, "enum", "", tuple(values), frozenset(), prototype, line)
    if decl_type == "typedef":
        fnptr = re.match(r"\s*typedef\s+[\w\s*]+\(\s*\*\s*(\w+)\s*\)\s*\((.*)\)\s*;", text, re.S)
        if fnptr:
            params, auto = parameter_list(fnptr.group(2))
            return Prototype(fnptr.group(1), "typedef", "", params, auto, prototype, line)
        plain = re.match(r"\s*typedef\s+.*?(\w+)\s*;\s*$", text, re.S)
        if plain:
            return Prototype(plain.group(1), "typedef-plain", "", (), frozenset(), prototype, line)
    return None


def _public_members(body: str) -> str:
    """The body without comments and without members after `/* private: */` (up to a
    `/* public: */`): those are not documented by design."""
    body = re.sub(r"/\*\s*private:.*?/\*\s*public:.*?\*/", "", body, flags=re.S | re.I)
    body = re.sub(r"/\*\s*private:.*", "", body, flags=re.S | re.I)
    return re.sub(r"/\*.*?\*/", "", body, flags=re.S)


def _struct_members(body: str) -> tuple[str, ...]:
    """Top-level member names; nested struct/union bodies are skipped (their members are
    documented as `@outer.inner`, which kernel-doc does not require)."""
    flat: list[str] = []
    depth = 0
    current = ""
    for char in body:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0:
            current += char
            if char == ";":
                flat.append(current)
                current = ""
    names: list[str] = []
    for declaration in flat:
        declaration = declaration.strip().rstrip(";").strip()
        if not declaration or declaration.startswith("#"):
            continue
        declaration = re.sub(r"__attribute__\s*\(\(.*?\)\)", "", declaration)
        declaration = re.sub(r"\b(struct|union)\s*$", "", declaration).strip()
        if re.search(r"\(\s*\*\s*(\w+)\s*\)", declaration):
            names.append(re.search(r"\(\s*\*\s*(\w+)\s*\)", declaration).group(1))
            continue
        for part in declaration.split(","):
            word = re.findall(r"(\w+)\s*(?:\[[^\]]*\])*\s*(?::\s*\d+)?\s*$", part.strip())
            if word and word[-1] not in ("struct", "union"):
                names.append(word[-1])
    return tuple(names)


# ---- entry point --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KdocResult:
    blocks: tuple[KdocBlock, ...]
    problems: tuple[KdocProblem, ...]


def logical_lines(text: str) -> Iterator[tuple[str, int]]:
    """(line, last physical line number): backslash continuations joined as kernel-doc does
    (a line not starting with ` *` and ending in `\\` swallows the next)."""
    lines = text.split("\n")
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
