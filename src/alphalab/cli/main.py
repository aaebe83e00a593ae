"""Entry point of the ``alphalab`` command.

Each sub-command module in ``alphalab.cli`` exposes ``register(app)``. Modules import only
typer at import time so that ``alphalab --help`` answers instantly.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Annotated

import typer

from alphalab.cli._common import state

app = typer.Typer(
    name="alphalab",
    help="AlphaLab: research a trading strategy and prove it honestly (backtests, research, regimes). "
    "Paper and live trading are not available yet.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

# Order is the order of the help listing: grouped by user task.
_COMMAND_MODULES = (
    "alphalab.cli.demo",
    "alphalab.cli.data",
    "alphalab.cli.strategies",
    "alphalab.cli.sdl",
    "alphalab.cli.backtest",
    "alphalab.cli.research",
    "alphalab.cli.mapping",
    "alphalab.cli.regimes",
    "alphalab.cli.portfolio",
    "alphalab.cli.risk",
    "alphalab.cli.ml",
    "alphalab.cli.scan",
    "alphalab.cli.serve",
    "alphalab.cli.live",
)


@app.callback()
def _root(
    home: Annotated[
        Path | None,
        typer.Option("--home", help="Data and results directory (default: $ALPHALAB_HOME or ~/.alphalab)."),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False,
) -> None:
    """Research a trading strategy and prove it honestly. Paper and live trading are not available yet.

    Strategies are named the same way in every command: as the first argument
    (`alphalab optimize ema_cross`) or with --strategy/-S; symbols with --symbol/-s.
    """
    from alphalab import paths

    state.debug = debug
    if home is not None:
        paths.set_home(home)


def _register_all() -> None:
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(app)


_register_all()


def main(argv: list[str] | None = None) -> int:
    """Run the command line; turn AlphaLab errors into one sentence and a hint on stderr."""
    from alphalab.core.errors import AlphaLabError

    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        app(args=args, prog_name="alphalab", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except AlphaLabError as exc:
        if debug or state.debug:
            raise
        _report(str(exc), exc.hint)
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("interrupted; finished work was kept\n")
        return 130
    except Exception as exc:  # the CLI promises no traceback without --debug
        if debug or state.debug:
            raise
        _report(f"unexpected {type(exc).__name__}: {exc}", "run again with --debug for the full traceback")
        return 1
    return 0


def _report(message: str, hint: str | None) -> None:
    sys.stderr.write(f"error: {message}\n")
    if hint:
        sys.stderr.write(f"hint: {hint}\n")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
