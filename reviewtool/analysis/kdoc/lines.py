"""Lines as scripts/kernel-doc reads them: split on `\\n` only, the newline kept (its regular
expressions see it: `@param:` alone has the description "\\n"), a line not starting with ` *`
and ending in a backslash joined with the next, tabs expanded with Perl's byte arithmetic."""

from __future__ import annotations

from collections.abc import Iterator

_WHITESPACE = " \t\n\r\f\v"  # Perl's \s on bytes


def logical_lines(text: str) -> Iterator[tuple[str, int]]:
    """(line with its newline, number of the last physical line it took)."""
    for line, index in joined_lines(text):
        yield expand_tabs(line), index


def joined_lines(text: str) -> Iterator[tuple[str, int]]:
    """`logical_lines` with their tabs not yet expanded (`expand_tabs`), for a reader that
    looks at most lines only for what tabs do not change."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])  # a last line without newline
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        while not line.startswith(" *"):
            body = line.rstrip(_WHITESPACE)
            if not body.endswith("\\"):
                break
            line = body[:-1]  # s/\\\s*$//
            if index < len(lines):
                line += lines[index]
                index += 1
        yield line, index


def expand_tabs(line: str) -> str:
    """`s/\\t+/' ' x (length($&) * 8 - length($`) % 8)/e` until no tab is left: columns are
    counted in bytes of the UTF-8 text, as Perl counts them."""
    if "\t" not in line:
        return line
    if line.isascii() and "\r" not in line:
        return line.expandtabs(8)  # the same arithmetic where a byte is a character
    out: list[str] = []
    width = 0  # bytes written so far
    run = 0
    for char in line:
        if char == "\t":
            run += 1
            continue
        if run:
            spaces = run * 8 - width % 8
            out.append(" " * spaces)
            width += spaces
            run = 0
        out.append(char)
        width += 1 if char < "\x80" else len(char.encode("utf-8", "surrogateescape"))
    if run:
        out.append(" " * (run * 8 - width % 8))
    return "".join(out)


def one_line(message: str) -> str:
    """kernel-doc appends the offending line (with its newline) to some messages: one line."""
    return " ".join(part.strip(_WHITESPACE) for part in message.split("\n") if part.strip())


def normalise_line(line: str) -> str:
    """A source line as a problem's subject: its comment star and spacing left out."""
    return " ".join(line.strip().lstrip("*").split())
