"""The command line: the only place that echoes, writes user files or exits."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from reviewtool import __version__
from reviewtool.config import Config
from reviewtool.config import load as load_config
from reviewtool.errors import ReviewtoolError
from reviewtool.model import Severity

EXIT_CLEAN, EXIT_FINDINGS, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


def _codes(values: tuple[str, ...]) -> tuple[str, ...]:
    """`--select LK,AS001 --select KD` → ("LK", "AS001", "KD")."""
    return tuple(
        code.strip().upper() for value in values for code in value.split(",") if code.strip()
    )


def guarded(command: Callable[..., int | None]) -> Callable[..., None]:
    """Turns our errors into one line on stderr and a documented exit code."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            code = command(*args, **kwargs)
        except ReviewtoolError as exc:
            click.echo(f"reviewtool: error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except BrokenPipeError:
            sys.exit(EXIT_CLEAN)
        except Exception as exc:  # a bug of ours: say so in one line, exit 3
            if os.environ.get("REVIEWTOOL_DEBUG"):
                raise
            click.echo(
                f"reviewtool: internal error: {type(exc).__name__}: {exc} "
                "(set REVIEWTOOL_DEBUG=1 for a traceback and please report it)",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)
        sys.exit(code or EXIT_CLEAN)

    return wrapper


def write_atomically(path: Path, text: str, *, force: bool) -> None:
    """Write via a temporary file in the same directory and rename; never clobber without force."""
    if path.exists() and not force:
        raise ReviewtoolError(f"{path} exists; use --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _rules(rule_dirs: tuple[Path, ...]):
    from reviewtool.resources import Rules, default_rules

    return Rules(rule_dirs) if rule_dirs else default_rules()


def settings(fmt, select, ignore, fail_on, rule_dirs, repo) -> Config:
    """Command-line values over the repo's .reviewtool.toml over the user's config.toml."""
    config = load_config(
        repo,
        format=fmt,
        select=_codes(select),
        ignore=_codes(ignore),
        fail_on=fail_on,
        rules=tuple(rule_dirs),
    )
    if config.format not in _format_names():
        names = ", ".join(_format_names())
        raise ReviewtoolError(f"unknown format {config.format!r} (one of {names})")
    return config


def _exit_for(findings, fail_on: str) -> int:
    threshold = Severity.parse(fail_on)
    return EXIT_FINDINGS if any(f.severity >= threshold for f in findings) else EXIT_CLEAN


def _use_color(choice: str, output: Path | None) -> bool:
    if choice == "always":
        return True
    if choice == "never" or output is not None or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def _emit(
    report, fmt: str, output: Path | None, force: bool, color: str, show_asserts: bool
) -> None:
    from reviewtool.formats import RENDERERS, RenderOptions

    renderer = RENDERERS.get(fmt)
    if renderer is None:
        raise ReviewtoolError(f"unknown format {fmt!r} (one of {', '.join(RENDERERS)})")
    text = renderer(
        report, RenderOptions(color=_use_color(color, output), show_asserts=show_asserts)
    )
    if output is not None:
        write_atomically(output, text, force=force)
    else:
        click.echo(text, nl=False)


def _format_names() -> list[str]:
    from reviewtool.formats import RENDERERS

    return list(RENDERERS)


common_rules = click.option(
    "--rules",
    "rule_dirs",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Directory whose rule files shadow the packaged rules/ (repeatable).",
)
common_select = click.option(
    "--select", multiple=True, help="Only these codes or code prefixes (LK,AS001); repeatable."
)
common_ignore = click.option("--ignore", multiple=True, help="Skip these codes or prefixes.")
common_fail_on = click.option(
    "--fail-on",
    type=click.Choice(["note", "warning", "error"]),
    default=None,
    help="Exit 1 when a finding is at least this severe [default: error].",
)
common_output = click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write here (atomically).",
)
common_force = click.option("--force", is_flag=True, help="Overwrite an existing output file.")
common_color = click.option(
    "--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reviewtool")
def main() -> None:
    """Review Linux-kernel-style patch series: locking, asserts, kernel-doc, bisectability.

    Exit codes: 0 clean, 1 findings at or above --fail-on, 2 bad input, usage or rule data,
    3 internal error.
    """


@main.command("check")
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
@click.option("--format", "fmt", default=None, help="text (default), json, sarif, b4, b4-json.")
@click.option("--show-asserts", is_flag=True, help="List asserts each patch adds or removes.")
@common_select
@common_ignore
@common_fail_on
@common_rules
@common_output
@common_force
@common_color
@guarded
def check_command(
    series,
    tree,
    base,
    repo,
    version,
    fmt,
    show_asserts,
    select,
    ignore,
    fail_on,
    rule_dirs,
    output,
    force,
    color,
) -> int:
    """Check a patch series: mbox(.gz), maildir, format-patch dir or file, '-', or A..B."""
    from reviewtool import pipeline

    if tree is not None and base is not None:
        raise ReviewtoolError("--tree and --base are exclusive")
    config = settings(fmt, select, ignore, fail_on, rule_dirs, repo)
    stdin = sys.stdin.buffer if "-" in series else None
    report = pipeline.check(
        list(series),
        tree=tree,
        base=base,
        repo=repo,
        version=version,
        rules=_rules(config.rules),
        select=config.select,
        ignore=config.ignore,
        stdin=stdin,
    )
    _emit(report, config.format, output, force, color, show_asserts)
    return _exit_for(report.findings, config.fail_on)


@main.command("scan")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", default=None, help="text (default), json, sarif.")
@common_select
@common_ignore
@common_fail_on
@common_rules
@common_output
@common_force
@common_color
@guarded
def scan_command(paths, fmt, select, ignore, fail_on, rule_dirs, output, force, color) -> int:
    """Whole-file analysis of C files or directories (not diff-aware)."""
    from reviewtool import pipeline

    config = settings(fmt, select, ignore, fail_on, rule_dirs, None)
    report = pipeline.scan(
        list(paths), rules=_rules(config.rules), select=config.select, ignore=config.ignore
    )
    _emit(report, config.format, output, force, color, False)
    return _exit_for(report.findings, config.fail_on)


@main.command("rules")
@click.argument("code", required=False)
@guarded
def rules_command(code: str | None) -> int:
    """List every check, or print one check's documentation."""
    from reviewtool import checks

    if code is None:
        for check in checks.ALL:
            first = check.doc().splitlines()[0] if check.doc() else ""
            click.echo(f"{check.code}  {check.name:<28} {check.severity.label:<7} {first}")
        return EXIT_CLEAN
    found = checks.by_code().get(code.upper())
    if found is None:
        raise ReviewtoolError(f"no check {code!r}; 'reviewtool rules' lists them")
    click.echo(f"{found.code} {found.name} ({found.severity.label}, {found.scope} scope)\n")
    click.echo(found.doc())
    return EXIT_CLEAN
