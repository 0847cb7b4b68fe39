"""`reviewtool hook install|uninstall|run`: the git send-email `sendemail-validate` hook."""

from __future__ import annotations

import os
from pathlib import Path

import click

from reviewtool.cli.common import EXIT_CLEAN, guarded, rule_set, settings


@click.group("hook")
def hook_group() -> None:
    """The git send-email `sendemail-validate` hook (chains any existing hook)."""


@hook_group.command("install")
@click.option("--repo", type=click.Path(path_type=Path, file_okay=False), default=".")
@guarded
def hook_install(repo: Path) -> int:
    """Install the hook; an existing one is kept and runs after ours."""
    from reviewtool import hook

    click.echo(hook.install(repo))
    return EXIT_CLEAN


@hook_group.command("uninstall")
@click.option("--repo", type=click.Path(path_type=Path, file_okay=False), default=".")
@guarded
def hook_uninstall(repo: Path) -> int:
    """Remove the hook and restore what was there before."""
    from reviewtool import hook

    click.echo(hook.uninstall(repo))
    return EXIT_CLEAN


@hook_group.command("run")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--repo", type=click.Path(path_type=Path, file_okay=False), default=".")
@guarded
def hook_run(files: tuple[Path, ...], repo: Path) -> int:
    """What the wrapper runs for each file git send-email validates."""
    from reviewtool import hook, pipeline
    from reviewtool.formats import RenderOptions, render_text

    config = settings(None, (), (), None, (), repo)  # .reviewtool.toml select/ignore/rules
    rules = rule_set(config.rules)

    def check(sources: list[str]):
        return pipeline.check(
            sources, repo=repo, rules=rules, select=config.select, ignore=config.ignore
        )

    verdict = hook.run(
        list(files),
        os.environ,
        repo,
        check,
        lambda report: render_text(report, RenderOptions()),
        lambda report: report.findings,
    )
    if verdict.exit_code:
        click.echo(verdict.report_text, err=True, nl=False)
        click.echo("reviewtool: rejected (git config reviewtool.failOn sets the level)", err=True)
    return verdict.exit_code
