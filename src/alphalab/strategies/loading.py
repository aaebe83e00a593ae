"""Turn whatever a user calls a strategy into a ``StrategySpec`` or a ``Strategy`` class.

Accepted: a built-in or user strategy id, an SDL ``.json`` path, a parsed SDL document (dict), a
``StrategySpec``, a Python :class:`~alphalab.strategies.api.Strategy` subclass, or a ``.py`` file
that defines one (``file.py:ClassName`` when it defines several).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from alphalab.core.errors import ConfigError, NotFoundError
from alphalab.sdl.models import StrategySpec
from alphalab.strategies.api import Strategy


def load_strategy(strategy: Any) -> StrategySpec | type[Strategy]:
    """Return the SDL spec or the Strategy class that ``strategy`` names.

    Raises
    ------
    NotFoundError
        When no strategy has that id or the file does not exist.
    ConfigError
        When the object is not a strategy, or a ``.py`` file does not say which class to use.
    """
    if isinstance(strategy, type) and issubclass(strategy, Strategy):
        return strategy
    if isinstance(strategy, Strategy):
        raise ConfigError(
            f"got an instance of {type(strategy).__name__}, not the class",
            hint="pass the class and give parameters as keywords, e.g. backtest(MyStrategy, data, fast=10)",
        )
    if isinstance(strategy, StrategySpec):
        return strategy
    from alphalab.sdl import load

    if isinstance(strategy, Mapping):
        return load(strategy)
    if not isinstance(strategy, str | Path):
        raise ConfigError(
            f"cannot use a {type(strategy).__name__} as a strategy",
            hint="pass a strategy id, an SDL file or dict, a StrategySpec or a Strategy subclass",
        )
    text = str(strategy)
    path_part, _, class_name = text.partition(".py:")
    if class_name:
        return python_file_strategy(Path(path_part + ".py"), class_name)
    if text.endswith(".py"):
        return python_file_strategy(Path(text))
    if text.endswith(".json") or isinstance(strategy, Path):
        return load(Path(text))
    from alphalab.strategies.registry import get

    return get(text)


def python_file_strategy(path: Path, class_name: str = "") -> type[Strategy]:
    """Import ``path`` and return its Strategy subclass (the one called ``class_name`` when given)."""
    from alphalab.strategies.registry import _python_classes

    if not path.is_file():
        raise NotFoundError(f"no Python strategy file {path}", hint="check the path")
    classes = _python_classes(path)
    if class_name:
        classes = [c for c in classes if c.__name__ == class_name]
    if len(classes) == 1:
        return classes[0]
    if not classes:
        what = f"a Strategy subclass called {class_name!r}" if class_name else "a Strategy subclass"
        raise NotFoundError(f"{path} does not define {what}", hint="subclass alphalab.strategies.api.Strategy")
    names = ", ".join(c.__name__ for c in classes)
    raise ConfigError(f"{path} defines several strategies ({names})", hint=f"name one: {path}:{classes[0].__name__}")
