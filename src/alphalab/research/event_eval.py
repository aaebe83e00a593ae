"""Research on Python strategies: the event-path evaluator and the search space of typed ``Param``\\ s.

The optimiser, walk-forward and Monte Carlo take any evaluator; :class:`EventEvaluator` is the
engine evaluator whose runs go through :func:`alphalab.engine.run_strategy` (the event loop) instead
of the compiled SDL path, so a :class:`~alphalab.strategies.api.Strategy` subclass is optimised
with the same trial store, samplers, selection and overfitting statistics as an SDL strategy.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import inspect
import json
import marshal
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alphalab.core.errors import ConfigError
from alphalab.research.engine_eval import EngineEvaluator
from alphalab.research.evaluator import Window
from alphalab.research.space import SearchSpace, space_from_spec
from alphalab.strategies.api import Strategy


def is_python_strategy(strategy: Any) -> bool:
    """Return True when ``strategy`` is a :class:`Strategy` subclass."""
    return isinstance(strategy, type) and issubclass(strategy, Strategy)


def _source_digest(cls: type[Strategy]) -> str:
    """Hash the class's code and declarations (so editing the strategy invalidates its stored trials).

    The compiled code of every method is hashed too, so a class defined where its source cannot be
    read (``exec``, some notebooks) still gets a new fingerprint when its logic changes.
    """
    h = hashlib.sha256(f"{cls.__module__}.{cls.__qualname__}".encode())
    # The text of the file that defines the class, read without parsing it: inspect.getsource
    # parses the module (and CPython 3.11 can raise SystemError from its AST recursion guard
    # after an earlier RecursionError in the same thread).
    with contextlib.suppress(OSError, TypeError):  # no readable source (exec, some notebooks)
        path = inspect.getsourcefile(cls)
        if path:
            h.update(Path(path).read_bytes())
    for klass in cls.__mro__:
        if klass in (Strategy, object):
            continue
        for name, value in sorted(vars(klass).items()):
            code = getattr(value, "__code__", None)
            h.update(name.encode())
            h.update(marshal.dumps(code) if code is not None else repr(value).encode())
    return h.hexdigest()


@dataclass
class EventEvaluator(EngineEvaluator):
    """Evaluate Python strategies through the event-driven engine (one run per parameter set).

    Data, windows, scoring and fingerprints follow :class:`EngineEvaluator`; regime restriction
    (``regime=``) is an SDL feature and is refused here.
    """

    def fingerprint(self, strategy: Any, symbol: str, timeframe: str, window: Window | None) -> str:
        import alphalab

        data = self.bars(symbol, timeframe).digest()
        cfg = json.dumps(self.config, sort_keys=True, default=str)
        return f"event|{alphalab.__version__}|{_source_digest(strategy)}|{data}|{cfg}"

    def run(self, strategy: Any, params: Mapping[str, Any], symbol: str, timeframe: str,
            window: Window | None) -> Any:
        """Run one parameter set of a Python strategy on the bars the window may see."""
        from alphalab.engine import BacktestConfig, run_strategy

        if not is_python_strategy(strategy):
            raise ConfigError(f"{strategy!r} is not a Python Strategy class", hint="use EngineEvaluator for SDL")
        if self.regime is not None:
            raise ConfigError("regime-restricted runs need an SDL strategy", hint="drop regime= for Python ones")
        bars, _ = self._inputs(symbol, timeframe, window)
        return run_strategy(strategy, bars, BacktestConfig(**self.config), params=dict(params))

    def evaluate_many(self, strategy: Any, params_list: Sequence[Mapping[str, Any]], symbol: str,
                      timeframe: str, window: Window | None) -> list[dict[str, float]]:
        """Score each parameter set with its own event-loop run."""
        return [self(strategy, p, symbol, timeframe, window) for p in params_list]


def evaluator_for(strategy: Any, config: Mapping[str, Any] | None = None) -> EngineEvaluator:
    """Return the evaluator that runs ``strategy``: the event path for Python, the fast path for SDL."""
    cls = EventEvaluator if is_python_strategy(strategy) else EngineEvaluator
    return cls(config=dict(config or {}))


def space_for(strategy: Any, overrides: Iterable[str] = ()) -> SearchSpace:
    """Return the search space ``strategy`` declares (SDL ``parameters`` or typed ``Param``\\ s).

    A Python strategy's ``Param("int", 10, min=5, max=50, step=5)`` becomes the range 5..50 by 5;
    a ``Param`` without ``min``/``max`` is held at its default unless ``overrides`` widen it.
    """
    items = list(overrides)
    if is_python_strategy(strategy):
        declared = space_from_spec(strategy)
    else:
        from alphalab.engine.backtest import resolve_spec

        declared = space_from_spec(resolve_spec(strategy, None))
    for text in items:
        check_declared(text.partition("=")[0].strip(), declared.names)
    return declared.with_overrides(items)


def check_declared(name: str, declared: Iterable[str]) -> None:
    """Raise a ConfigError (with a did-you-mean) when ``name`` is not a declared parameter."""
    names = list(declared)
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        raise ConfigError(f"unknown parameter {name!r}",
                          hint=f"did you mean {close[0]!r}?" if close else f"declared: {', '.join(names) or 'none'}")


def resolve_research_strategy(strategy: Any) -> Any:
    """Return a Python Strategy class for an id or ``.py`` path that names one, else ``strategy``."""
    if is_python_strategy(strategy) or not isinstance(strategy, str):
        return strategy
    from alphalab.strategies.loading import load_strategy

    found = load_strategy(strategy)
    return found if is_python_strategy(found) else strategy
