"""What every command shares: settings (flags over config files), the one-line error and
exit code wrapper, atomic writes, report output, the common options."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

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
    import tempfile  # not at start-up: --help imports this module

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def rule_set(rule_dirs: tuple[Path, ...]):
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
    _known_codes(config.select, "select")
    _known_codes(config.ignore, "ignore")
    for directory in config.rules:
        if not Path(directory).is_dir():
            raise ReviewtoolError(f"--rules {directory}: not a directory")
    return config


def _known_codes(codes: tuple[str, ...], option: str) -> None:
    """A mistyped code would silently select nothing, or ignore nothing: refuse it."""
    from reviewtool.checks import ALL

    for code in codes:
        if not any(check.code.startswith(code.upper()) for check in ALL):
            raise ReviewtoolError(
                f"{option} {code!r} matches no check; 'reviewtool rules' lists them"
            )


def exit_for(findings, fail_on: str) -> int:
    threshold = Severity.parse(fail_on)
    return EXIT_FINDINGS if any(f.severity >= threshold for f in findings) else EXIT_CLEAN


def _use_color(choice: str, output: Path | None) -> bool:
    if choice == "always":
        return True
    if choice == "never" or output is not None or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def emit(
    report,
    fmt: str,
    output: Path | None,
    force: bool,
    color: str,
    show_asserts: bool,
    url_template: str | None = None,
) -> None:
    from reviewtool.formats import RENDERERS, RenderOptions

    renderer = RENDERERS.get(fmt)
    if renderer is None:
        raise ReviewtoolError(f"unknown format {fmt!r} (one of {', '.join(RENDERERS)})")
    options = RenderOptions(
        color=_use_color(color, output), show_asserts=show_asserts, url_template=url_template
    )
    text = renderer(report, options)
    if output is not None:
        write_atomically(output, text, force=force)
    else:
        click.echo(text, nl=False)


def _format_names() -> list[str]:
    from reviewtool.formats import DIRECTORY_FORMATS, RENDERERS

    return [*RENDERERS, *DIRECTORY_FORMATS]


common_rules = click.option(
    "--rules",
    "rule_dirs",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Directory whose rule files shadow the packaged rules/ (repeatable).",
)


def _cache_switch(_ctx: click.Context, _param: click.Parameter, off: bool) -> None:
    from reviewtool import diskcache

    diskcache.set_enabled(False if off else None)  # None: REVIEWTOOL_NO_CACHE decides


common_cache = click.option(
    "--no-cache",
    is_flag=True,
    expose_value=False,
    callback=_cache_switch,
    help="Neither read nor write the on-disk caches of base-tree work "
    "($XDG_CACHE_HOME/reviewtool/; also REVIEWTOOL_NO_CACHE=1).",
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
check_output = click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Write here (atomically); a directory for --format b4-review.",
)
common_force = click.option("--force", is_flag=True, help="Overwrite an existing output file.")


def common_memory(command: Callable[..., Any]) -> Callable[..., Any]:
    """--since and --history: which earlier postings of the series are compared."""
    command = click.option(
        "--history",
        type=click.IntRange(min=0, max=64),
        default=8,
        show_default=True,
        help="Earlier versions compared at most, each one more analysis (0: none).",
    )(command)
    return click.option(
        "--since",
        multiple=True,
        help="An earlier posting (mbox, directory, ...; repeatable): findings are new, "
        "persisting or fixed against it.",
    )(command)


def memory_stdin(series: tuple[str, ...], since: tuple[str, ...]):
    if "-" in series and "-" in since:
        raise ReviewtoolError("standard input ('-') can be read once: by SERIES or --since")
    return sys.stdin.buffer if "-" in series or "-" in since else None


common_color = click.option(
    "--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True
)


def safe_target(out_dir: Path, filename: str) -> Path:
    """out_dir/filename, refusing anything that would land outside out_dir."""
    if "/" in filename or "\\" in filename or filename in ("", ".", ".."):
        raise ReviewtoolError(f"refusing to write draft named {filename!r}")
    root = out_dir.resolve()
    target = (root / filename).resolve()
    if target.parent != root:
        raise ReviewtoolError(f"refusing to write {target} outside {root}")
    return target
