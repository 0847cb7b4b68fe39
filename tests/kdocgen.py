"""Synthetic kernel-doc: small C files of one to four documented declarations, drawn from a
grammar of the forms scripts/kernel-doc reads (name lines with and without `()`, `-` or `:`,
typed names, DOC: blocks, parameters described or not, in the wrong case, twice or in excess,
continued and empty descriptions, sections and their spellings, stray lines, inline member
docs, prototypes over several lines, macros, function pointers, variadics, structs, unions,
enums, typedefs; declarators spelled as create_parameterlist meets them: pointers glued to
the name, arrays, function types with and without the star, pointers to arrays, bit-fields
with and without blanks, several names in one member; attributes, one or two; blank lines
before a declaration; a file without a final newline). The fixture records what the real
`kernel-doc -none -Wall` of Linux 6.12 printed for each; tests/test_kdoc_synthetic.py replays
them against our reader.

Regenerate (needs perl and the kernel's script; the texts are ours, not kernel source):
    python -m tests.kdocgen /path/to/linux/scripts/kernel-doc [count] [seed]
"""

from __future__ import annotations

import gzip
import json
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

FIXTURE = Path(__file__).parent / "fixtures" / "kdoc" / "kernel-doc-synthetic.json.gz"

NAMES = ("chain_add", "chain_del", "foo_lock", "bar_init", "dev_get", "x")
PARAMS = ("dev", "flags", "len", "buf", "n", "ctx")
TYPES = ("int", "unsigned long", "struct device *", "char *", "void *", "const char *")
WORDS = ("the", "device", "to", "lock", "a", "buffer", "of", "value", "returns", "zero")


def _sentence(rng: random.Random, words: int = 4) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, words)))


def _name_line(rng: random.Random, kind: str, name: str) -> str:
    purpose = _sentence(rng)
    if kind == "function":
        form = rng.choice(
            (
                f"{name}() - {purpose}",
                f"{name} - {purpose}",
                f"{name}(): {purpose}",
                f"{name}()",
                f"{name}",
                f"{name}() -",
                f"{name}()  -  {purpose}",
                f"define {name} - {purpose}",
                f"int *{name}() - {purpose}",
                f"{name} bar - {purpose}",
            )
        )
    elif kind == "doc":
        form = f"DOC: {purpose}"
    elif kind == "plain":
        form = rng.choice((f"This is {purpose}", f"{purpose}.", ""))
    else:
        form = rng.choice(
            (f"{kind} {name} - {purpose}", f"{kind} {name}", f"{kind} - {purpose}", f"{name}")
        )
    return " * " + form if form else " *"


def _params_doc(rng: random.Random, params: list[str]) -> list[str]:
    lines: list[str] = []
    described = [p for p in params if rng.random() < 0.8]
    if rng.random() < 0.15:
        described.append(rng.choice(("extra", "Flags", "dev_old", "...")))
    if rng.random() < 0.1 and described:
        described.append(described[0])  # described twice
    for param in described:
        text = _sentence(rng) if rng.random() < 0.85 else ""
        if param != "..." and rng.random() < 0.05:
            param = param.upper()
        lines.append(f" * @{param}: {text}".rstrip() if text else f" * @{param}:")
        if rng.random() < 0.15:
            lines.append(f" *\t{_sentence(rng)}")  # continued on the next line
    return lines


def _sections(rng: random.Random, returns: bool) -> list[str]:
    lines: list[str] = []
    if rng.random() < 0.6:
        lines += [" *", f" * {_sentence(rng, 8)}"]
        if rng.random() < 0.3:
            lines.append(f" * {_sentence(rng, 8)}")
    if rng.random() < 0.25:
        lines += [" *", f" * Context: {_sentence(rng)}"]
    if rng.random() < 0.15:
        lines += [" *", rng.choice((" * Note:", " * Description:", " * Example:"))]
        lines.append(f" * {_sentence(rng)}")
    if returns and rng.random() < 0.75 or rng.random() < 0.1:
        spelling = rng.choice(("Return", "Returns", "RETURN", "@return", "Return value"))
        text = "" if rng.random() < 0.1 else f" {_sentence(rng)}"
        lines += [" *", f" * {spelling}:{text}"]
        if rng.random() < 0.2:
            lines.append(f" * {_sentence(rng)}")
    if rng.random() < 0.06:
        lines += [" *", f" * Context: {_sentence(rng)}", " *", f" * Context: {_sentence(rng)}"]
    if rng.random() < 0.05:
        lines.append(f"   {_sentence(rng)}")  # a line without its asterisk
    return lines


def _declarator(rng: random.Random, name: str, member: bool) -> str:
    """A type and `name` in one of the spellings create_parameterlist takes apart."""
    typ = rng.choice(TYPES)
    if rng.random() < 0.6:
        return f"{typ} {name}"
    forms = [
        f"{typ.rstrip(' *')}*{name}",  # the pointer glued to the name
        f"{typ.rstrip(' *')} * {name}",
        f"{typ} {name}[16]",
        f"{typ} {name}[MAX_{name.upper()}]",
        f"{typ} {name} [4]",
        f"{typ} {name}  [MAX]",  # blanks before the bracket
        f"int (*{name})(void *)",
        f"int ({name})(int)",  # a function type without the star
        f"int (* {name})(struct device *, int)",
        f"int (*{name})[8]",  # a pointer to an array
        f"char (*{name}[MAX_{name.upper()}])[8]",
        f"const char *const {name}",
    ]
    if member:
        forms += [
            f"unsigned int {name}:3",
            f"unsigned int {name} : 12",
            f"unsigned int {name}: 1",
            f"u8 {name}:1, :7",  # an unnamed bit-field after it
        ]
    return rng.choice(forms)


def _function(rng: random.Random, name: str, params: list[str]) -> tuple[list[str], bool]:
    """The prototype lines and whether it returns a value."""
    returns = rng.choice(("int", "void", "static int", "static inline bool", "struct dev *"))
    if rng.random() < 0.15:  # kernel-doc strips each attribute form once
        attributes = ("__must_check ", "__printf(2, 3) ", "__attribute__((cold)) ", "__init ")
        returns = "".join(rng.choices(attributes, k=rng.randint(1, 2))) + returns
    args = [_declarator(rng, p, member=False) for p in params]
    if rng.random() < 0.1 and args:
        args[-1] = f"int (*{params[-1]})(void *)"
    if rng.random() < 0.1:
        args.append("...")
    if not args:
        args = ["void"]
    if rng.random() < 0.1:
        macro = ", ".join(params)
        return [f"#define {name}({macro}) \\", f"\tdo_{name}({macro})"], True
    if rng.random() < 0.3 and len(args) > 1:
        head = f"{returns} {name}({args[0]},"
        rest = [f"\t\t{a}," for a in args[1:-1]] + [f"\t\t{args[-1]})"]
        lines = [head, *rest]
    else:
        lines = [f"{returns} {name}({', '.join(args)})"]
    lines += ["{", "\treturn 0;" if "void" not in returns else "\tfoo();", "}"]
    return lines, "void" not in returns.split()


def _aggregate(rng: random.Random, kind: str, name: str, members: list[str]) -> list[str]:
    if kind == "enum":
        values = [f"\t{m.upper()}," for m in members]
        return [f"enum {name} {{", *values, "};"]
    if kind == "typedef":
        return [f"typedef int (*{name})(struct device *dev, int flags);"]
    body: list[str] = []
    pending = ""
    for member in members:
        if rng.random() < 0.15:
            body.append(f"\t/** @{member}: {_sentence(rng)} */")
        elif rng.random() < 0.08:
            body += ["\t/**", f"\t * @{member}: {_sentence(rng)}", "\t */"]
        if rng.random() < 0.1 and not pending:
            pending = f"int {member}"  # continued by the next member: `int a, *b;`
            continue
        declared = _declarator(rng, member, member=True)
        if pending:
            declared = f"{pending}, {rng.choice(('', '*'))}{member}"
            pending = ""
        body.append(f"\t{declared};")
    if pending:
        body.append(f"\t{pending};")
    if rng.random() < 0.2:
        body += ["\t/* private: */", "\tint hidden;"]
    if rng.random() < 0.15:
        body += ["\tstruct {", "\t\tint inner;", "\t} nested;"]
    return [f"{kind} {name} {{", *body, "};"]


def block(rng: random.Random) -> list[str]:
    kind = rng.choice(("function",) * 5 + ("struct", "union", "enum", "typedef", "doc", "plain"))
    name = rng.choice(NAMES)
    params = rng.sample(PARAMS, rng.randint(0, 3))
    documented = name if rng.random() < 0.9 else name + "_locked"
    opener = rng.choice(("/**",) * 12 + ("/** ", "/**\t", "/**  ", "  /**", "/*"))
    lines = [opener, _name_line(rng, kind, documented)]
    if rng.random() < 0.1:
        lines.append(f" * {_sentence(rng)}")  # the short description goes on
    if kind == "function":
        prototype, returns = _function(rng, name, params)
    elif kind in ("doc", "plain"):
        prototype, returns = [f"static int {name};"], False
    else:
        prototype, returns = _aggregate(rng, kind, name, params), False
    if kind != "doc" or rng.random() < 0.3:  # @names in a DOC: block stay for the next one
        lines += _params_doc(rng, params)
    lines += _sections(rng, returns)
    lines.append(rng.choice((" */",) * 10 + ("*/", " **/")))
    if rng.random() < 0.1:  # blank lines, or an indented first line, before the declaration
        if rng.random() < 0.5:
            lines += [""] * rng.randint(1, 2)
        else:
            prototype = ["  " + prototype[0], *prototype[1:]]
    return lines + prototype + [""]


def make_text(seed: int) -> str:
    rng = random.Random(seed)
    lines = ["// SPDX-License-Identifier: GPL-2.0", "#include <linux/device.h>", ""]
    for _ in range(rng.randint(1, 4)):
        lines += block(rng)
    if rng.random() < 0.1:  # the file ends without a newline after its last declaration
        return "\n".join(lines[:-1])
    return "\n".join(lines) + "\n"


def kernel_doc(script: str, text: str) -> list[list]:
    """The real script's warnings on `text`: [[line, message], ...] in its order (a message
    the script continues on further lines keeps them, after a newline)."""
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "synthetic.c"
        path.write_text(text, encoding="utf-8")
        result = subprocess.run(
            ["perl", script, "-none", "-Wall", "synthetic.c"],
            cwd=work,
            capture_output=True,
            text=True,
            errors="replace",
            check=False,
        )
    warnings: list[list] = []
    for line in result.stderr.splitlines():
        start = re.match(r"^synthetic\.c:(\d+): warning: (.*)$", line)
        if start:
            warnings.append([int(start.group(1)), start.group(2)])
        elif warnings:  # the script prints some offending lines under the message
            warnings[-1][1] += "\n" + line
    return warnings


def regenerate(script: str, count: int = 400, seed: int = 612) -> None:
    cases = []
    for number in range(count):
        text = make_text(seed * 100_000 + number)
        cases.append({"text": text, "warnings": kernel_doc(script, text)})
    data = {
        "generator": "python -m tests.kdocgen, scripts/kernel-doc of Linux 6.12.118 "
        f"(-none -Wall), "
        f"seed {seed}",
        "cases": cases,
    }
    FIXTURE.write_bytes(gzip.compress(json.dumps(data, indent=0).encode("utf-8"), 9, mtime=0))
    warned = sum(len(case["warnings"]) for case in cases)
    print(f"{len(cases)} files, {warned} warnings written to {FIXTURE}")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if not arguments:
        sys.exit(__doc__)
    regenerate(arguments[0], *(int(a) for a in arguments[1:3]))
