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


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print a rich table of ``rows`` under ``columns``."""
    from rich.table import Table

    t = Table(title=title)
    for c in columns:
        t.add_column(str(c))
    for r in rows:
        t.add_row(*[fmt(v) for v in r])
    console().print(t)


def fmt(v: Any) -> str:
    """Format one cell for a human table."""
    if isinstance(v, float):
        if not math.isfinite(v):
            return "-"
        return f"{v:,.4f}" if abs(v) < 1000 else f"{v:,.2f}"
    return "" if v is None else str(v)
