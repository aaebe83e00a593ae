"""Where AlphaLab keeps data and results: ``~/.alphalab`` unless ALPHALAB_HOME or --home says otherwise."""

from __future__ import annotations

import os
from pathlib import Path

_override: Path | None = None


def set_home(path: str | os.PathLike[str] | None) -> None:
    """Set the home directory for this process (the CLI's ``--home``); None restores the default."""
    global _override
    _override = Path(path).expanduser() if path is not None else None


def home() -> Path:
    """Return the home directory, creating it when missing."""
    if _override is not None:
        base = _override
    elif os.environ.get("ALPHALAB_HOME"):
        base = Path(os.environ["ALPHALAB_HOME"]).expanduser()
    else:
        base = Path.home() / ".alphalab"
    base.mkdir(parents=True, exist_ok=True)
    return base


def lake_dir() -> Path:
    """Return the Parquet lake directory of the catalog."""
    p = home() / "lake"
    p.mkdir(parents=True, exist_ok=True)
    return p


def results_dir() -> Path:
    """Return the directory where backtest and research results are written."""
    p = home() / "results"
    p.mkdir(parents=True, exist_ok=True)
    return p


def strategies_dir() -> Path:
    """Return the directory scanned for user strategies (SDL JSON and Python files)."""
    return home() / "strategies"
