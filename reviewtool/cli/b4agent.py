"""`reviewtool b4-agent`: b4 review's agent files for a series checked out by `b4 review`
(identity, series note, one NNNN.txt per patch with findings); review files already there
are replaced only with --force."""

from __future__ import annotations

import re
from pathlib import Path

import click

from reviewtool.cli.common import (
    EXIT_CLEAN,
    common_cache,
    common_force,
    common_ignore,
    common_rules,
    common_select,
    guarded,
    rule_set,
    safe_target,
    settings,
    write_atomically,
)
from reviewtool.errors import ReviewtoolError

_AGENT_FILE = re.compile(r"^(?:\d{4}|identity|series)\.txt$")


def agent_dir(out_dir: Path | None, force: bool) -> tuple[Path, list[str]]:
    """Where b4 review's agent files go (default: the b4 review checkout's
    .git/b4-review/<HEAD-sha>/) and the review files already there, refused without --force:
    asked before any work is done."""
    from reviewtool import b4checkout

    if out_dir is None:
        checkout = b4checkout.find(Path.cwd())
        if checkout is None:
            raise ReviewtoolError(
                "--format b4-review writes a directory: pass -o DIR (in a b4 review checkout "
                "it defaults to .git/b4-review/<HEAD-sha>/)"
            )
        out_dir = b4checkout.agent_dir(checkout)
    if out_dir.exists() and not out_dir.is_dir():
        raise ReviewtoolError(f"-o {out_dir}: not a directory")
    present = sorted(p.name for p in out_dir.iterdir()) if out_dir.is_dir() else []
    present = [name for name in present if _AGENT_FILE.match(name)]
    if present and not force:
        raise ReviewtoolError(
            f"{out_dir} already holds review files ({', '.join(present)}); "
            "use --force to replace them"
        )
    return out_dir, present


def write_agent_files(
    report, rules, out_dir: Path, present: list[str], skip: frozenset[int] = frozenset()
) -> None:
    """Write the agent files; the review files `present` before that we did not write go:
    b4 would file them under our identity."""
    from reviewtool import render
    from reviewtool.model import Address
    from reviewtool.render.b4review import agent_files

    options = render.options_from_rules(
        rules, report.checks, reviewer=Address("reviewtool", "reviewtool@reviewtool.invalid")
    )
    files = agent_files(report, options, skip)
    targets = {name: safe_target(out_dir, name) for name in files}
    for name, text in files.items():
        write_atomically(targets[name], text, force=True)
    for name in present:
        if name not in files:
            (out_dir / name).unlink()
            click.echo(f"removed {out_dir / name} (not ours to leave under our identity)", err=True)
    click.echo(f"wrote {', '.join(files)} to {out_dir}", err=True)


@click.command("b4-agent")
@click.argument("prompt", nargs=-1)
@click.option(
    "-o",
    "--output-dir",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write here instead of .git/b4-review/<HEAD-sha>/.",
)
@common_select
@common_ignore
@common_rules
@common_cache
@common_force
@guarded
def b4_agent_command(prompt, out_dir, select, ignore, rule_dirs, force) -> int:
    """b4 review's agent (git config b4.review-agent-command "reviewtool b4-agent"): review
    the checked-out b4 review branch against its base and write .git/b4-review/<HEAD-sha>/ for
    b4 to take in. PROMPT, which b4 appends, is not read."""
    from reviewtool import b4checkout, pipeline
    from reviewtool.formats import summary_line

    checkout = b4checkout.find(Path.cwd())
    if checkout is None:
        raise ReviewtoolError("HEAD is not a b4 review branch (b4/review/...) with b4's tracking")
    target, present = agent_dir(out_dir or b4checkout.agent_dir(checkout), force)
    config = settings(None, select, ignore, None, rule_dirs, checkout.top)
    rules = rule_set(config.rules)
    report = pipeline.check(
        [checkout.patch_range],
        base=checkout.base,
        repo=checkout.top,
        rules=rules,
        select=config.select,
        ignore=config.ignore,
    )
    count = len(report.series.patches) if report.series else 0
    if count != checkout.patches:
        click.echo(
            f"reviewtool: warning: b4's tracking lists {checkout.patches} patches, the branch "
            f"has {count}: b4 numbers review files by position",
            err=True,
        )
    write_agent_files(report, rules, target, present, checkout.skipped)
    click.echo(summary_line(report))
    return EXIT_CLEAN
