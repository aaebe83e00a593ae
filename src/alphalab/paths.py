"""Where AlphaLab keeps data and results: ``~/.alphalab`` unless ALPHALAB_HOME or --home says otherwise."""

from __future__ import annotations

import os
from pathlib import Path

_override: Path | None = None


def _ensure_dir(path: Path) -> Path:
    """Create ``path`` (and parents) or raise a ConfigError that names it and says what to do."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise _home_error(path, "is a file, not a directory") from None
    except NotADirectoryError:
        raise _home_error(path, "cannot be created: a folder on its path is a file") from None
    except PermissionError:
        raise _home_error(path, "cannot be created (permission denied)") from None
    except OSError as exc:
        raise _home_error(path, f"cannot be created ({exc.strerror})") from None
    return path


def _home_error(path: Path, what: str) -> Exception:
    from alphalab.core.errors import ConfigError

    return ConfigError(
        f"the AlphaLab home {path} {what}",
        hint="pass --home DIR or set ALPHALAB_HOME to a writable directory",
    )


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
    return _ensure_dir(base)


def lake_dir() -> Path:
    """Return the Parquet lake directory of the catalog."""
    return _ensure_dir(home() / "lake")


def results_dir() -> Path:
    """Return the directory where backtest and research results are written."""
    return _ensure_dir(home() / "results")


def strategies_dir() -> Path:
    """Return the directory scanned for user strategies (SDL JSON and Python files)."""
    return home() / "strategies"
