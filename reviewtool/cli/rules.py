"""`reviewtool rules`: list every check, or print one check's documentation."""

from __future__ import annotations

import re

import click

from reviewtool.cli.common import EXIT_CLEAN, guarded
from reviewtool.errors import ReviewtoolError

FAMILY_ORDER = ("IN", "LK", "AS", "KD", "BS")  # the order the README presents them


def _listing_order(check) -> tuple[int, str]:
    family = check.code[:2]
    rank = FAMILY_ORDER.index(family) if family in FAMILY_ORDER else len(FAMILY_ORDER)
    return rank, check.code


def _what_it_checks(doc: str, width: int = 72) -> str:
    """The first sentence of a doc's "What it checks:" section, cut to one listing line."""
    text = " ".join(doc.split())
    if text.startswith("What it checks:"):
        text = text[len("What it checks:") :].strip()
    text = text.split("Why it matters:", 1)[0].strip()
    sentence = re.split(r"(?<=[.;:])\s", text, maxsplit=1)[0].rstrip(".;:")
    sentence = sentence[:1].upper() + sentence[1:]
    return sentence if len(sentence) <= width else sentence[: width - 1].rstrip() + "…"


@click.command("rules")
@click.argument("code", required=False)
@guarded
def rules_command(code: str | None) -> int:
    """List every check, or print one check's documentation."""
    from reviewtool import checks

    if code is None:
        for check in sorted(checks.ALL, key=_listing_order):
            summary = _what_it_checks(check.doc())
            click.echo(f"{check.code}  {check.name:<28} {check.severity.label:<7} {summary}")
        return EXIT_CLEAN
    found = checks.by_code().get(code.upper())
    if found is None:
        raise ReviewtoolError(f"no check {code!r}; 'reviewtool rules' lists them")
    click.echo(f"{found.code} {found.name} ({found.severity.label}, {found.scope} scope)\n")
    click.echo(found.doc())
    return EXIT_CLEAN
