"""Helpers every sub-command shares: JSON output, rich tables, options and the error contract.

Sub-command modules import only typer and this module at import time, so ``alphalab --help``
stays instant; heavy modules are imported inside the command functions.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

JsonOpt = Annotated[bool, typer.Option("--json", help="Print exactly one JSON document on stdout.")]


class _State:
    debug: bool = False


state = _State()


def _default(obj: Any) -> Any:
    """Convert numpy, pandas and path objects into JSON-friendly values."""
    try:
        import numpy as np

        if isinstance(obj, np.integer):
            return int(obj)
        if isinstance(obj, np.floating):
            return _finite(float(obj))
        if isinstance(obj, np.bool_):
            return bool(obj)
        if isinstance(obj, np.ndarray):
            return [_default(x) if not isinstance(x, (str, int)) else x for x in obj.tolist()]
    except ImportError:  # pragma: no cover - numpy is a base dependency
        pass
    if isinstance(obj, (datetime, date)):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if isinstance(obj, set | frozenset):
        return sorted(obj)
    return str(obj)


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _clean(obj: Any) -> Any:
    if isinstance(obj, float):
        return _finite(obj)
    if isinstance(obj, Mapping):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    return obj


def to_json(payload: Any) -> str:
    """Serialise ``payload`` as strict JSON (NaN and infinities become null)."""
    return json.dumps(_clean(payload), default=_default, indent=2, allow_nan=False)


def emit(payload: Any, *, as_json: bool, render: Callable[[], None] | None = None) -> None:
    """Print ``payload`` as one JSON document when ``as_json``, else call ``render`` for humans."""
    if as_json:
        sys.stdout.write(to_json(payload) + "\n")
    elif render is not None:
        render()
    else:
        sys.stdout.write(to_json(payload) + "\n")


def console() -> Any:
    """Return a rich console writing to stdout."""
    from rich.console import Console

    return Console()


def err_console() -> Any:
    """Return a rich console writing to stderr (progress bars go here, never to stdout)."""
    from rich.console import Console

    return Console(stderr=True)


PERCENT_METRICS = frozenset({
    "total_return", "cagr", "annual_volatility", "max_drawdown", "win_rate", "exposure", "best_trade",
    "worst_trade", "var_95", "cvar_95", "alpha", "oos_return", "is_return", "probability_of_ruin",
})
COUNT_METRICS = frozenset({
    "trades", "max_consecutive_wins", "max_consecutive_losses", "max_drawdown_duration_days", "bars",
    "n_trials", "evaluated", "failed", "folds", "entries", "ok", "runs",
})


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]] | Any) -> None:
    """Print ``rows`` under ``columns``: a rich table on a terminal, plain aligned text when piped."""
    cells = [[fmt(v) for v in r] for r in rows]
    if not sys.stdout.isatty():
        sys.stdout.write(plain_table(title, [str(c) for c in columns], cells))
        return
    from rich.table import Table

    t = Table(title=title)
    for c in columns:
        t.add_column(str(c), overflow="fold")
    for r in cells:
        t.add_row(*r)
    console().print(t)


def plain_table(title: str | None, columns: Sequence[str], cells: Sequence[Sequence[str]]) -> str:
    """Return a plain-text table (no truncation, no box drawing), numbers right-aligned."""
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    numeric = [all(_looks_numeric(r[i]) for r in cells) and bool(cells) for i in range(len(columns))]

    def line(vals: Sequence[str]) -> str:
        out = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(vals, widths, numeric, strict=True)]
        return "  ".join(out).rstrip() + "\n"

    text = f"{title}\n" if title else ""
    text += line(list(columns)) + line(["-" * w for w in widths])
    return text + "".join(line(r) for r in cells)


def _looks_numeric(text: str) -> bool:
    t = text.replace(",", "").rstrip("%").strip()
    if t in ("", "-"):
        return True
    try:
        float(t)
    except ValueError:
        return False
    return True


def fmt(v: Any) -> str:
    """Format one cell for a human table."""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            return "-"
        if v.is_integer() and abs(v) >= 1000:
            return f"{v:,.0f}"
        return f"{v:,.4f}" if abs(v) < 1000 else f"{v:,.2f}"
    return "" if v is None else str(v)


def fmt_metric(name: str, v: Any) -> str:
    """Format a named metric for people: fractions as percentages, counts as integers."""
    if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(float(v)):
        if name in PERCENT_METRICS:
            return f"{float(v) * 100:,.2f}%"
        if name in COUNT_METRICS or name.endswith(("_trades", "_count")):
            return f"{round(float(v)):,d}"
    return fmt(v)


def metric_rows(metrics: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Return ``(name, formatted value)`` rows of a metrics dict."""
    return [(k, fmt_metric(k, v)) for k, v in metrics.items()]


StrategyArg = Annotated[
    str | None,
    typer.Argument(metavar="STRATEGY", help="Strategy id or SDL file (the same as --strategy).", show_default=False),
]
StrategyOpt = Annotated[str | None, typer.Option("--strategy", "-S", help="Strategy id or SDL JSON file.")]
SymbolOpt = Annotated[str, typer.Option("--symbol", "-s", help="Symbol, e.g. sample:AAPL.")]
SymbolsOpt = Annotated[
    list[str], typer.Option("--symbol", "-s", help="Symbol (repeat for several), e.g. sample:AAPL.")
]


def strategy_of(positional: str | None, option: str | None, *, required: bool = True) -> str | None:
    """Return the strategy given either as the positional argument or as ``--strategy/-S``."""
    from alphalab.core.errors import ConfigError

    if positional and option and positional != option:
        raise ConfigError(f"two strategies given ({positional!r} and --strategy {option!r})",
                          hint="name the strategy once: as the first argument or with --strategy")
    found = positional or option
    if found is None and required:
        raise ConfigError("no strategy given", hint="name one: alphalab COMMAND ema_cross, or --strategy ema_cross")
    return found
