"""The one helper for optional heavy dependencies: import it or say which extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from alphalab.core.errors import MissingExtraError

# module name -> (pip distribution, alphalab extra)
_EXTRAS: dict[str, tuple[str, str]] = {
    "optuna": ("optuna", "research"),
    "scipy": ("scipy", "research"),
    "hmmlearn": ("hmmlearn", "regimes"),
    "sklearn": ("scikit-learn", "ml"),
    "ccxt": ("ccxt", "live"),
    "ray": ("ray[default]", "dist"),
    "fastapi": ("fastapi", "web"),
    "talib": ("ta-lib", "dev"),
    "skfolio": ("skfolio", "portfolio"),
    "arch": ("arch", "portfolio"),
    "statsmodels": ("statsmodels", "ml"),
    "lightgbm": ("lightgbm", "ml"),
}


def require(module: str, *, purpose: str | None = None) -> ModuleType:
    """Import ``module`` or raise a MissingExtraError naming the extra that provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".", 1)[0]
        dist, extra = _EXTRAS.get(top, (top, "all"))
        what = f" for {purpose}" if purpose else ""
        raise MissingExtraError(
            f"the optional package {dist!r} is needed{what} but is not installed",
            hint=f'install it with: pip install "alphalab[{extra}]"',
        ) from exc
