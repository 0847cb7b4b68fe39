"""`reviewtool reply`: review drafts written to a directory and/or one mbox, never outside
the directory given."""

from __future__ import annotations

from pathlib import Path

import click

from reviewtool.cli.common import (
    EXIT_CLEAN,
    common_cache,
    common_force,
    common_ignore,
    common_memory,
    common_rules,
    common_select,
    guarded,
    memory_stdin,
    rule_set,
    safe_target,
    settings,
    write_atomically,
)
from reviewtool.errors import ReviewtoolError


def _git_config_value(repo: Path | None, name: str) -> str | None:
    from reviewtool.hook import git_config

    return git_config(repo or Path.cwd(), name)


def _reviewer(from_value: str | None, repo: Path | None):
    """--from, else git config user.name / user.email; exit 2 without either."""
    from email.utils import parseaddr

    from reviewtool.errors import ConfigError
    from reviewtool.model import Address

    if from_value:
        name, address = parseaddr(from_value)
        if "@" not in address:
            raise ConfigError(f"--from {from_value!r}: not an address")
        return Address(name, address)
    address = _git_config_value(repo, "user.email")
    if not address:
        raise ConfigError("who is reviewing? pass --from 'Name <addr>' or set git user.email")
    return Address(_git_config_value(repo, "user.name") or "", address)


@click.command("reply")
@click.argument("series", nargs=-1, required=True)
@click.option("--tree", type=click.Path(path_type=Path), help="Base tree directory.")
@click.option("--base", help="Base revision in the git repository (see -C).")
@click.option(
    "-C",
    "repo",
    type=click.Path(path_type=Path, file_okay=False),
    help="Git repository for --base, base-commit: and revision ranges.",
)
@click.option("--series-version", "version", type=int, help="Pick this version (default newest).")
@click.option(
    "-o",
    "--output-dir",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Directory for the drafts (NNNN-re-<slug>.eml).",
)
@click.option(
    "--mbox", type=click.Path(path_type=Path, dir_okay=False), help="All drafts as one mbox."
)
@click.option("--from", "from_value", help="Reviewer 'Name <addr>' (default: git user.name/email).")
@click.option(
    "--attribution",
    type=click.Choice(["default", "mutt"]),
    default=None,
    help="Attribution style (default: git config reviewtool.attribution, else Gmail's).",
)
@click.option("--context", type=click.IntRange(0, 50), default=6, show_default=True)
@click.option(
    "--include-raised",
    is_flag=True,
    help="Also comment on findings a reply in the thread already raised.",
)
@click.option(
    "--acknowledge-fixed",
    is_flag=True,
    help="Thank the author in the cover reply for what the previous version had and this "
    "one fixed.",
)
@common_select
@common_ignore
@common_rules
@common_cache
@common_force
@common_memory
@guarded
def reply_command(
    series,
    tree,
    base,
    repo,
    version,
    out_dir,
    mbox,
    from_value,
    attribution,
    context,
    select,
    ignore,
    rule_dirs,
    force,
    include_raised=False,
    acknowledge_fixed=False,
    since=(),
    history=8,
) -> int:
    """Write review drafts: one reply per patch with findings, and one to the cover letter."""
    from datetime import UTC, datetime

    from reviewtool import pipeline, render

    if out_dir is None and mbox is None:
        raise ReviewtoolError("say where the drafts go: -o DIR and/or --mbox FILE")
    if tree is not None and base is not None:
        raise ReviewtoolError("--tree and --base are exclusive")
    reviewer = _reviewer(from_value, repo)
    style = attribution or _git_config_value(repo, "reviewtool.attribution") or "default"
    if style not in render.ATTRIBUTIONS:
        raise ReviewtoolError(f"reviewtool.attribution {style!r}: one of default, mutt")
    config = settings(None, select, ignore, None, rule_dirs, repo)
    rules = rule_set(config.rules)
    stdin = memory_stdin(series, since)
    report = pipeline.check(
        list(series),
        tree=tree,
        base=base,
        repo=repo,
        version=version,
        rules=rules,
        select=config.select,
        ignore=config.ignore,
        stdin=stdin,
        since=since,
        history=history,
    )
    options = render.options_from_rules(
        rules,
        report.checks,
        reviewer=reviewer,
        attribution=style,
        context=context,
        include_raised=include_raised,
        acknowledge_fixed=acknowledge_fixed,
    )
    drafts = render.drafts(report, options)
    if out_dir is not None:
        targets = [(safe_target(out_dir, d.filename), d) for d in drafts]
        clashes = [str(path) for path, _ in targets if path.exists()]
        if clashes and not force:
            raise ReviewtoolError(f"{clashes[0]} exists; use --force to overwrite")
        for path, draft in targets:
            write_atomically(path, draft.as_text(), force=force)
            click.echo(f"wrote {path}", err=True)
    if mbox is not None:
        write_atomically(mbox, render.mbox_text(drafts, datetime.now(UTC)), force=force)
        click.echo(f"wrote {len(drafts)} drafts to {mbox}", err=True)
    if not drafts:
        click.echo(f"nothing to reply: {_why_no_drafts(report, include_raised)}", err=True)
    return EXIT_CLEAN


def _why_no_drafts(report, include_raised: bool) -> str:
    """Every finding was about the input (other versions, gaps...) or already raised."""
    held = len(report.findings)
    if not held:
        return "no findings"
    raised = 0 if include_raised else sum(1 for f in report.findings if f.raised_by)
    why = f"{held} finding{'s' if held != 1 else ''}"
    if raised:
        return f"{why}, {raised} already raised in the thread (--include-raised drafts them)"
    return f"{why}, about the input only"
