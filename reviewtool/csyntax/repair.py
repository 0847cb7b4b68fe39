"""Position-preserving rewrites of the kernel macro shapes tree-sitter-c misreads.

Each repair writes into a list of characters of the original length and never touches a
newline, so every line of the file (and every byte offset outside a repaired span) is the
same before and after. Matching runs on a view of the text with comments and literals
blanked, so nothing inside a comment or a string is rewritten. All repairs are pure
functions of (text, rule data).

- statement macros (`for_each_cpu(cpu, mask) { }`, `scoped_guard(rcu) { }`): the name
  becomes `while` plus a marker comment of the same total length (`while/*fe*/  (cpu, mask)`),
  so the parser sees a loop around the body; csyntax/ir/statements.py reads the marker back (fe:
  for-each, sg: scoped_guard, scg: scoped_cond_guard);
- do-while closers (`do { } while_each_thread(g, t);`): the name becomes `while`;
- definition macros (`SYSCALL_DEFINE2(kill, pid_t, pid, int, sig)`, `BPF_CALL_1(f, u64, x)`)
  become a function head: `long kill(pid_t  pid, int  sig)`;
- types passed to macros (`container_of(p, struct foo, m)`, `min_t(unsigned long, a, b)`):
  `struct`/`union`/`enum` are blanked (the tag stays an identifier), bare type words are
  joined into one identifier (`unsigned_long`);
- words replaced by others of the same length (`STATIC` -> `static`, from rule data);
- GNU case ranges (`case 1 ... 3:`) become `case 1  |  3:`; `offsetof(struct s, a[i])`, a
  designator tree-sitter-c rejects, becomes the macro call `OFFSETOF(       s, a[i])`;
- `#if` arms inside a function body: the first arm is kept, the others blanked.
"""

from __future__ import annotations

import re

from reviewtool.errors import RuleDataError
from reviewtool.resources import Rules, per_rules

LOOP_MARKERS = {"fe": "foreach", "sg": "scoped_guard", "scg": "scoped_cond_guard"}
MAX_PAREN_SCAN = 4096  # characters searched for a closing parenthesis

_COMMENT_OR_LITERAL = re.compile(
    r"//[^\n]*|/\*.*?(?:\*/|\Z)|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'", re.DOTALL
)
_NOT_CALLS = frozenset(
    {
        "if", "for", "while", "switch", "return", "sizeof", "typeof", "__typeof__",
        "__typeof", "_Alignof", "alignof", "__alignof__", "offsetof", "_Generic",
        "__builtin_offsetof", "__builtin_types_compatible_p", "asm", "__asm__",
    }
)  # fmt: skip
_TYPE_WORDS = "const|volatile|unsigned|signed|long|short|int|char|float|double|_Bool|bool"
# the `(` or `,` before a type argument is matched, not looked behind for: a pattern that
# starts with a character set is searched for fast, a lookbehind is tried at every position
_TYPE_ARGUMENT = re.compile(
    rf"[(,](\s*)((?:(?:struct|union|enum|{_TYPE_WORDS})[ \t]+)*"
    rf"(?:(?:struct|union|enum)[ \t]+[A-Za-z_]\w*|(?:{_TYPE_WORDS})))(?=[ \t]*[,)])"
)
_TAG = re.compile(r"\b(?:struct|union|enum|const|volatile)\b")


def code_view(text: str) -> str:
    """`text` with comments and string/char literals blanked (newlines kept)."""
    return _COMMENT_OR_LITERAL.sub(lambda m: _blank(m.group(0)), text)


def matching_paren(text: str, open_index: int) -> int:
    """Index of the `)` closing the `(` at open_index, or -1 (bounded). The search jumps
    from parenthesis to parenthesis (every call statement of a file asks it)."""
    depth = 0
    for match in _PARENTHESIS.finditer(text, open_index, open_index + MAX_PAREN_SCAN):
        if match.group() == "(":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return match.start()
    return -1


_PARENTHESIS = re.compile(r"[()]")


def word_start(text: str, index: int) -> bool:
    """No identifier character right before `index` (a leading `\\b` in a pattern makes
    Python's re try every position: checking by hand keeps searches on a literal prefix)."""
    return index == 0 or not (text[index - 1].isalnum() or text[index - 1] == "_")


def _write(chars: list[str], start: int, replacement: str) -> None:
    chars[start : start + len(replacement)] = list(replacement)


def _previous_char(code: str, index: int) -> tuple[str, int]:
    back = index - 1
    while back >= 0 and code[back] in " \t\r\n":
        back -= 1
    return (code[back], back) if back >= 0 else ("", -1)


def _in_directive(code: str, index: int) -> bool:
    line_start = code.rfind("\n", 0, index) + 1
    if code[line_start:index].lstrip().startswith("#"):
        return True
    previous_end = line_start - 1
    return previous_end > 0 and code[previous_end - 1] == "\\"


@per_rules
def _vocabulary(rules: Rules) -> dict:
    cfg = rules.table("cfg")
    table = rules.table("csyntax")
    scopes = cfg.get("scopes", {})
    iterators = cfg.get("iterators", {}).get("patterns", ())
    macros = table.get("statement_macros", {})
    definitions = table.get("definition_macros", {})
    words = dict(table.get("replace", {}))
    for word, other in words.items():
        if len(word) != len(other) or not other.isidentifier():
            raise RuleDataError(
                f"rules/csyntax.toml [replace] {word} = {other!r}: must be one word of the "
                "same length"
            )
    return {
        "iterators": re.compile("|".join(f"(?:{p})" for p in iterators) or "(?!)"),
        "tags": {n: "sg" for n in scopes.get("scoped_guard", ())}
        | {n: "scg" for n in scopes.get("scoped_cond_guard", ())},
        "do_while": re.compile("|".join(f"(?:{p})" for p in macros.get("do_while", ())) or "(?!)"),
        "definitions": re.compile(
            "("
            + ("|".join(f"(?:{p})" for p in definitions.get("typed_pairs", ())) or "(?!)")
            + r")[ \t]*\("
        ),
        "classified": {},
        "return_type": str(definitions.get("return_type", "long")),
        "words": words,
        "word_pattern": re.compile(
            "(?:" + "|".join(re.escape(w) for w in sorted(words)) + r")\b" if words else "(?!)"
        ),
    }


def _skip_space(code: str, index: int) -> int:
    while index < len(code) and code[index] in " \t\r\n":
        index += 1
    return index


def repair_macros(chars: list[str], text: str, rules: Rules) -> None:
    """Every repair of this module, written into `chars` (same length as `text`)."""
    vocab = _vocabulary(rules)
    code = _conditional_arms(chars, code_view(text))
    depths = _BraceDepth(code)
    protected = _definition_macros(chars, code, vocab)
    _statement_macros(chars, code, vocab, depths)
    _type_arguments(chars, code, protected)
    for match in vocab["word_pattern"].finditer(code):
        if word_start(code, match.start()):
            _write(chars, match.start(), vocab["words"][match.group(0)])
    for match in _ELLIPSIS.finditer(code):
        line_start = code.rfind("\n", 0, match.start()) + 1
        if _CASE.search(code, line_start, match.start()):
            _write(chars, match.start(1), " | ")
    for match in _OFFSETOF.finditer(code):
        if not word_start(code, match.start()):
            continue
        close = matching_paren(code, match.end() - 1)
        if close > 0 and re.search(r"[\[.>]|typeof", code[match.end() : close]):
            _write(chars, match.start(), "OFFSETOF")  # a designator tree-sitter-c rejects
            tag = re.match(r"\s*(?:struct|union)\b", code[match.end() : close])
            if tag is not None:
                _write(chars, match.end(), " " * tag.end())


_OFFSETOF = re.compile(r"offsetof[ \t]*\(")


class _BraceDepth:
    """Brace depth at increasing positions of the code view, counted incrementally."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.position = 0
        self.depth = 0

    def at(self, index: int) -> int:
        if index < self.position:  # asked out of order: count again from the start
            self.position = self.depth = 0
        chunk = self.code[self.position : index]
        self.depth = max(0, self.depth + chunk.count("{") - chunk.count("}"))
        self.position = index
        return self.depth


_DIRECTIVE = re.compile(r"^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b(.*)$", re.MULTILINE)
_ELLIPSIS = re.compile(r"[ \t](\.\.\.)[ \t]")  # patterns start with a literal: fast search
_CASE = re.compile(r"\bcase\b[^:;{}]*$")


def _blank(text: str) -> str:
    return "\n".join(" " * len(part) for part in text.split("\n"))


def _conditional_arms(chars: list[str], code: str) -> str:
    """`#if`/`#else`/`#endif` inside a function body: the first arm is kept (the second when
    the first is `#if 0`), the other arms and the directives blanked, as csyntax/ir/ reads
    a conditional it can parse. tree-sitter-c cannot parse a directive that splits a
    statement (`} else\n#endif\n{`) or follows a label. Top-level conditionals stay.
    Returns the code view with the same spans blanked."""
    spans: list[tuple[int, int]] = []
    depth = position = 0
    stack: list[list[bool]] = []  # per open #if: [in a body, an arm was kept, this arm kept]
    for match in _DIRECTIVE.finditer(code):
        if match.start() < position:
            continue  # a continuation line of the previous directive
        if any(frame[0] and not frame[2] for frame in stack):
            spans.append((position, match.start()))
            in_blanked_arm = True
        else:
            segment = code[position : match.start()]
            depth = max(0, depth + segment.count("{") - segment.count("}"))
            in_blanked_arm = False
        end = match.end()
        while code[end - 1 : end] == "\\" and end < len(code):
            next_end = code.find("\n", end + 1)
            end = len(code) if next_end < 0 else next_end
        position = end
        word, rest = match.group(1), match.group(2).strip()
        if word.startswith("if"):
            keep = not (word == "if" and rest == "0")
            stack.append([depth > 0 or in_blanked_arm, keep, keep])
        elif not stack:
            continue
        elif word in ("elif", "else"):
            frame = stack[-1]
            frame[2] = not frame[1]
            frame[1] = frame[1] or frame[2]
        if stack[-1][0]:
            spans.append((match.start(), end))
        if word == "endif":
            stack.pop()
    if not spans:
        return code
    pieces = []
    position = 0
    for start, end in spans:
        for index in range(start, end):
            if chars[index] != "\n":
                chars[index] = " "
        pieces.append(code[position:start])
        pieces.append(_blank(code[start:end]))
        position = end
    pieces.append(code[position:])
    return "".join(pieces)


def _classify(vocab: dict, name: str) -> tuple[str | None, bool]:
    """(loop marker tag or None, whether it closes a do-while), memoised per name."""
    known = vocab["classified"].get(name)
    if known is None:
        tag = vocab["tags"].get(name) or ("fe" if vocab["iterators"].search(name) else None)
        known = vocab["classified"][name] = (tag, vocab["do_while"].search(name) is not None)
    return known


def _statement_macros(chars: list[str], code: str, vocab: dict, depths: _BraceDepth) -> None:
    """Loop-like and scope macros; and in a function body, any other `name(args) {`, which
    cannot be a call (a call and a block need a `;` between them)."""
    for start, end, name in _statement_calls(code):
        if name in _NOT_CALLS or _in_directive(code, start):
            continue
        tag, closer = _classify(vocab, name)
        if (
            tag is None
            and not closer
            and (depths.at(start) == 0 or not _block_may_follow(code, end))
        ):
            continue
        close = matching_paren(code, end - 1)
        if close < 0:
            continue
        after = _skip_space(code, close + 1)
        if after >= len(code):
            continue
        if closer and code[after] == ";" and _previous_char(code, start)[0] == "}":
            # `} while_each_thread(g, t);`, `} while_each_subsys_mask();`
            empty = not code[end:close].strip()
            span = close + 1 - start if empty else len(name)
            _write(chars, start, ("while(0)" if empty else "while").ljust(span))
            continue
        if tag is None and code[after] != "{":
            continue
        if not (code[after] in "{(*" or code[after].isalpha() or code[after] == "_"):
            continue  # `name(...);` or an expression: not a statement head
        tag = tag or "fe"
        replacement = f"while/*{tag}*/"
        if len(replacement) > len(name):
            replacement = "while" if len(name) >= 5 else ""
        if replacement:
            _write(chars, start, replacement.ljust(len(name)))


# `name(` where a statement starts: after `;`, a brace, `)` or `:` (a label), or after `else`
# (not the end of a longer word); two patterns, the first searched for by its leading
# character set (one holding the `else` alternative would be tried at every position, as was
# a lookbehind on every `name(` of the file, then filtered in Python)
_AFTER_PUNCTUATION = re.compile(r"[;{}):][ \t\r\n]*+([A-Za-z_]\w*+)[ \t]*+\(")
_AFTER_ELSE = re.compile(r"(?<![^\W_])else[ \t\r\n]++([A-Za-z_]\w*+)[ \t]*+\(")


def _statement_calls(code: str) -> list[tuple[int, int, str]]:
    """(start of the name, end after its `(`, name) of each `name(` beginning a statement, in
    order (the two patterns' matches never overlap: what precedes a name is one or the
    other)."""
    found = [(m.start(1), m.end(), m.group(1)) for m in _AFTER_PUNCTUATION.finditer(code)]
    if "else" in code:
        found += [(m.start(1), m.end(), m.group(1)) for m in _AFTER_ELSE.finditer(code)]
        found.sort()
    return found


def _block_may_follow(code: str, start: int) -> bool:
    """Whether the `(` before `start` may close with a `{` next (`name(args) {`), answered
    without matching it where that is certain: no `{` follows at all, or the first one
    does with every `(` before it closed and no `)` right before it (the first time the
    depth came back to zero was the closing parenthesis, and a `{` right after it would be
    this first one)."""
    end = start + 2 * MAX_PAREN_SCAN
    brace = code.find("{", start, end)
    if brace < 0:
        return end < len(code)  # none within the bound: only past it, where one may be
    before = code[start - 1 : brace]
    if before.count("(") != before.count(")"):
        return True  # the brace may be inside the arguments
    return _previous_char(code, brace)[0] == ")"


def _top_level_commas(code: str, open_index: int, close: int) -> list[int]:
    commas = []
    depth = 0
    for index in range(open_index + 1, close):
        char = code[index]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            commas.append(index)
    return commas


def _definition_macros(chars: list[str], code: str, vocab: dict) -> list[tuple[int, int]]:
    """`SYSCALL_DEFINE2(kill, pid_t, pid, int, sig)` -> `long kill(pid_t  pid, int  sig)`:
    the macro and the name become the head, the comma after each type a space. Returns the
    spans rewritten (the type-argument repair leaves them alone)."""
    spans: list[tuple[int, int]] = []
    for match in vocab["definitions"].finditer(code):
        if match.start() > 0 and code[match.start() - 1] not in "\n \t":
            continue  # part of a longer name
        if _in_directive(code, match.start()):
            continue
        open_index = match.end() - 1
        close = matching_paren(code, open_index)
        body = _skip_space(code, close + 1) if close >= 0 else len(code)
        if code[body : body + 1] != "{":
            continue  # a prototype or a use, not a definition
        commas = _top_level_commas(code, open_index, close)
        head_end = commas[0] if commas else close
        function = code[open_index + 1 : head_end].strip()
        if not function.isidentifier() or "\n" in code[match.start() : head_end]:
            continue
        head = f"{vocab['return_type']} {function}("
        width = head_end + 1 - match.start()
        if len(head) + (0 if commas else 1) > width:
            continue
        _write(chars, match.start(), (head + ("" if commas else ")")).ljust(width))
        for position, comma in enumerate(commas[1:]):
            if position % 2 == 0:
                chars[comma] = " "  # between a type and its parameter name
        spans.append((match.start(), close))
    return spans


def _type_arguments(chars: list[str], code: str, protected: list[tuple[int, int]]) -> None:
    """`container_of(p, struct foo, m)` -> `container_of(p,        foo, m)`;
    `min_t(unsigned long, a, b)` -> `min_t(unsigned_long, a, b)`."""
    for match in _TYPE_ARGUMENT.finditer(code):
        start = match.start(2)
        if any(lo <= start <= hi for lo, hi in protected):
            continue
        open_index = code.rfind("(", 0, start)
        if code[start - len(match.group(1)) - 1] == "(":
            callee = re.search(r"([A-Za-z_]\w*)\s*$", code[max(0, open_index - 64) : open_index])
            if callee is None or callee.group(1) in _NOT_CALLS:
                continue  # a cast, a sizeof or a parenthesised expression
        words = match.group(2)
        if re.search(r"\b(?:struct|union|enum)\b", words):
            rewritten = _TAG.sub(lambda m: " " * len(m.group(0)), words)
        else:
            rewritten = re.sub(r"[ \t]", "_", words)
        _write(chars, start, rewritten)
