"""CV: what the analyses could not look at, said as NOTEs (never silence)."""

from __future__ import annotations

from collections.abc import Iterator

from reviewtool.checks.base import Check, FileContext
from reviewtool.csyntax import PARSE_SECONDS
from reviewtool.model import Finding, Severity


class FileNotParsed(Check):
    """What it checks:
        A C file whose tree-sitter parse was cancelled at its deadline (tree-sitter-c can
        spin forever on some malformed bytes): the checks that read the syntax tree (LK, AS,
        BS002-BS006) saw no function of that file state. kernel-doc checks (KD) read the
        raw text and still ran.

    Why it matters:
        Silence would read as "nothing found"; the file was not looked at.

    Example:
        A patch that leaves `b/*d(&N(=m;}` in a file.

    Better:
        Look at the file by hand; a file that parses in milliseconds elsewhere points at
        damaged bytes in the patch.

    Rule data:
        None.
    """

    code = "CV001"
    name = "file-not-parsed"
    severity = Severity.NOTE
    scope = "file"

    def run(self, ctx: FileContext) -> Iterator[Finding]:
        if ctx.facts.parse_failed:
            yield self.finding(
                f"the C parse of {ctx.path} did not finish in {PARSE_SECONDS:g} s: lock, assert "
                "and symbol checks did not look at this file",
                path=ctx.path,
                line=1,
            )


CHECKS: list[Check] = [FileNotParsed()]
