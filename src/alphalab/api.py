"""The notebook API: backtest, optimise, walk forward and Monte Carlo in one call each.

Every function accepts a strategy as a built-in or user id (``"ema_cross"``), an SDL file path,
dict or ``StrategySpec``, or a Python :class:`~alphalab.strategies.api.Strategy` subclass, and data
as a symbol (``"sample:AAPL"``), a list of symbols, a pandas DataFrame of OHLCV bars or a dict of
them. Strategy parameters are keyword arguments; an unknown name raises with a suggestion.

The functions call the same engine and research functions as the ``alphalab`` command:
:func:`alphalab.engine.run_backtest` (SDL, compiled path), :func:`alphalab.engine.run_strategy`
(Python, event path), :func:`alphalab.research.optimize.optimize`,
:func:`alphalab.research.walkforward.walk_forward` and :func:`alphalab.research.montecarlo.monte_carlo`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from alphalab._results import BacktestRun, MonteCarloRun, OptimizeRun, WalkForwardRun
from alphalab.core.errors import ConfigError, NotFoundError

_RUN_OPTIONS = ("timeframe", "start", "end", "capital", "fee_bps", "slippage_bps", "fill", "config")


@dataclass
class _Setup:
    strategy: Any
    bars: Any
    config: Any
    options: dict[str, Any]


def _prepare(strategy: Any, data: Any, options: Mapping[str, Any]) -> _Setup:
    """Resolve the strategy, load or check the data and build the run config."""
    from alphalab._inputs import to_bars
    from alphalab.engine import BacktestConfig
    from alphalab.strategies.loading import load_strategy

    opts = {k: v for k, v in options.items() if v is not None}
    base = opts.get("config")
    cfg = base.model_dump() if isinstance(base, BacktestConfig) else dict(base or {})
    cfg.update({k: opts[k] for k in ("capital", "fee_bps", "slippage_bps", "fill") if k in opts})
    config = _config(BacktestConfig, cfg)
    bars = to_bars(data, opts.get("timeframe"), opts.get("start"), opts.get("end"))
    return _Setup(load_strategy(strategy), bars, config, opts)


def _config(model: Any, fields: dict[str, Any]) -> Any:
    """Return the run config, turning pydantic's errors into one ValidationError naming each field."""
    import pydantic

    from alphalab.core.errors import Problem, ValidationError

    try:
        return model(**fields)
    except pydantic.ValidationError as exc:
        known = list(model.model_fields)
        problems = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"])
            close = difflib.get_close_matches(name, known, n=1) if err["type"] == "extra_forbidden" else []
            message = f"unknown setting {name!r}" if err["type"] == "extra_forbidden" else err["msg"]
            problems.append(Problem(name, message, hint=f"did you mean {close[0]!r}?" if close else None,
                                    value=err.get("input")))
        raise ValidationError("invalid run settings", problems=problems,
                              hint=f"settings: {', '.join(known)}") from None


def _python(strategy: Any) -> bool:
    from alphalab.research.event_eval import is_python_strategy

    return is_python_strategy(strategy)


def run(strategy: Any, bars: Any, config: Any, params: Mapping[str, Any] | None = None,
        regimes: Mapping[str, pd.Series] | None = None) -> tuple[Any, dict[str, Any]]:
    """Run a resolved strategy on bars through its engine path; return the result and the parameters used.

    SDL strategies run on the compiled path (``regimes`` feed their ``filters.regimes`` and the trade
    log); Python strategies on the event path (``regimes`` only serve the breakdowns and reports).
    The ``alphalab backtest`` command and :func:`backtest` both run through here.
    """
    from alphalab.engine import run_backtest, run_strategy
    from alphalab.engine.backtest import resolve_spec

    if _python(strategy):
        result = run_strategy(strategy, bars, config, params=dict(params or {}))
        return result, dict(result.strategy.get("params", {}))
    spec = resolve_spec(strategy, params)
    return run_backtest(spec, bars, config, regimes=regimes), spec.param_values


def _regime_labels(regimes: Any, bars: Any) -> dict[str, pd.Series] | None:
    if regimes is None:
        return None
    if isinstance(regimes, Mapping):
        return {str(k): v for k, v in regimes.items()}
    if regimes not in {"hmm", "rule"}:
        raise ConfigError(f"regimes={regimes!r} is not a detector", hint="use 'hmm' or 'rule', or a dict of labels")
    from alphalab.regimes.detection import detect

    return {s: detect(bars.frame(s), regimes) for s in bars.symbols}


def backtest(
    strategy: Any, data: Any, *, timeframe: str | None = None, start: Any = None,
    end: Any = None, capital: float | None = None, fee_bps: float | None = None,
    slippage_bps: float | None = None, fill: str | None = None, config: Any = None, regimes: Any = None,
    params: Mapping[str, Any] | None = None, **strategy_params: Any,
) -> BacktestRun:
    """Backtest ``strategy`` on ``data`` and return a :class:`~alphalab._results.BacktestRun`.

    Parameters
    ----------
    strategy
        Strategy id, SDL path / dict / ``StrategySpec``, ``.py`` file or ``Strategy`` subclass.
    data
        ``"sample:AAPL"``, a list of symbols (one shared cash account), a DataFrame with
        ``open high low close volume`` columns and a time index, or a dict of such frames.
    timeframe, start, end
        Bar length (``1d`` for symbols, the frame's own for DataFrames) and an optional window.
    capital, fee_bps, slippage_bps, fill, config
        Run settings (``fill="next_open"`` by default; costs override the strategy's own).
        ``config`` is a :class:`~alphalab.engine.BacktestConfig` or dict for the other settings.
    regimes
        ``"rule"`` or ``"hmm"`` to label each bar causally (SDL ``filters.regimes`` then apply and
        ``by_regime()`` splits the metrics), or a dict of label series per symbol.
    params, **strategy_params
        Strategy parameters, e.g. ``fast=10``.

    Examples
    --------
    >>> import alphalab as al
    >>> r = al.backtest("ema_cross", "sample:AAPL", fast=10)
    >>> r.metrics["sharpe"]  # doctest: +SKIP
    """
    setup = _prepare(strategy, data, {"timeframe": timeframe, "start": start, "end": end, "capital": capital,
                                      "fee_bps": fee_bps, "slippage_bps": slippage_bps, "fill": fill,
                                      "config": config})
    labels = _regime_labels(regimes, setup.bars)
    raw, used = run(setup.strategy, setup.bars, setup.config, {**(params or {}), **strategy_params}, labels)
    return BacktestRun(raw, used, labels)


def _space(strategy: Any, space: Any, fixed_params: Mapping[str, Any]) -> Any:
    """Return the search space: declared, with ``space`` overrides and ``fixed_params`` pinned."""
    from alphalab.research.event_eval import check_declared, space_for
    from alphalab.research.space import fixed

    sp = space_for(strategy, _space_overrides(space))
    for name in fixed_params:
        check_declared(name, sp.names)
    return fixed(sp, dict(fixed_params))


def _space_overrides(space: Any) -> list[str]:
    """Turn ``{"fast": range(5, 30, 5), "slow": [50, 100], "stop": (0.02, 0.1, 0.02)}`` into ``--space`` texts."""
    if space is None:
        return []
    if isinstance(space, str):
        return [space]
    if not isinstance(space, Mapping):
        return [str(s) for s in space]
    out = []
    for name, spec in space.items():
        if isinstance(spec, range):
            spec = list(spec)
        if isinstance(spec, tuple) and len(spec) in (2, 3):
            out.append(f"{name}={':'.join(repr(v) for v in spec)}")
        elif isinstance(spec, list | tuple):
            out.append(f"{name}={','.join(str(v) for v in spec)}")
        else:
            out.append(f"{name}={spec}")
    return out


def _research_setup(strategy: Any, data: Any, options: Mapping[str, Any]) -> tuple[_Setup, Any, str, str]:
    from alphalab.research.event_eval import evaluator_for

    setup = _prepare(strategy, data, options)
    if setup.bars.n_assets != 1:
        raise ConfigError(f"research runs on one symbol at a time, got {setup.bars.n_assets}",
                          hint="pass one symbol or one DataFrame")
    symbol, tf = setup.bars.symbols[0], str(setup.bars.timeframe)
    ev = evaluator_for(setup.strategy, setup.config.model_dump(mode="json", exclude_defaults=True))
    ev.data[(symbol, tf)] = setup.bars
    return setup, ev, symbol, tf


def optimize(
    strategy: Any, data: Any, *, space: Any = None, sampler: str = "grid",
    n_trials: int | None = None, objective: str | Iterable[str] = "sharpe", constraints: Iterable[str] = (),
    seed: int = 0, workers: int = 1, progress: bool = True, timeframe: str | None = None, start: Any = None,
    end: Any = None, capital: float | None = None, fee_bps: float | None = None,
    slippage_bps: float | None = None, fill: str | None = None, config: Any = None, **fixed_params: Any,
) -> OptimizeRun:
    """Search the parameters of ``strategy`` on one symbol; return the trials, selection, DSR and PBO.

    Parameters
    ----------
    space
        Overrides of the declared ranges: ``{"fast": (5, 30, 5), "slow": [50, 100]}`` (a tuple is
        low, high[, step]; a list or ``range`` the values) or ``["fast=5:30:5"]`` as on the command line.
    sampler, n_trials, seed
        ``grid`` (every combination), ``random``, ``lhs``, ``tpe`` or ``nsga2`` (Optuna, research extra).
    objective, constraints
        ``"sharpe"``, ``"cagr:max"``, ``["sharpe", "max_drawdown:min"]``; ``["max_drawdown<0.3"]``.
    workers
        Processes; 1 runs in this process (best for small searches and notebook-defined classes).
    progress
        Show a progress bar with ETA on stderr.
    **fixed_params
        Parameters held at one value.

    Finished trials are kept in the trial store of ``$ALPHALAB_HOME/research``, so a repeated or
    interrupted search continues where it stopped.
    """
    from alphalab.research.executors import LocalExecutor
    from alphalab.research.optimize import optimize as run_optimize

    options = {"timeframe": timeframe, "start": start, "end": end, "capital": capital, "fee_bps": fee_bps,
               "slippage_bps": slippage_bps, "fill": fill, "config": config}
    setup, ev, symbol, tf = _research_setup(strategy, data, options)
    sp = _space(setup.strategy, space, fixed_params)
    res = run_optimize(ev, setup.strategy, symbol, tf, space=sp, sampler=sampler, n_trials=n_trials,
                       objectives=objective, constraints=list(constraints), seed=seed,
                       executor=LocalExecutor(workers), progress=progress, n_bars=setup.bars.n_bars)
    run_options = {k: v for k, v in setup.options.items() if k not in ("timeframe", "start", "end")}
    return OptimizeRun(res, setup.strategy, setup.bars, run_options)


def walk_forward(
    strategy: Any, data: Any, *, train: int = 500, test: int = 125, step: int | None = None,
    mode: str = "rolling", purge: int = 0, embargo: int = 0, space: Any = None, sampler: str = "grid",
    n_trials: int | None = None, objective: str | Iterable[str] = "sharpe", constraints: Iterable[str] = (),
    seed: int = 0, workers: int = 1, progress: bool = True, timeframe: str | None = None, start: Any = None,
    end: Any = None, capital: float | None = None, fee_bps: float | None = None,
    slippage_bps: float | None = None, fill: str | None = None, config: Any = None, **fixed_params: Any,
) -> WalkForwardRun:
    """Optimise on each training window, test the choice on the next ``test`` bars, stitch the tests.

    ``train``/``test``/``step`` count bars; ``mode`` is ``rolling`` or ``anchored``; ``purge`` and
    ``embargo`` drop bars between the windows. The other arguments are those of :func:`optimize`.
    Annualised figures use the data's own periods per year.
    """
    from alphalab.engine.assemble import periods_per_year
    from alphalab.research.executors import LocalExecutor
    from alphalab.research.walkforward import walk_forward as run_walk_forward

    options = {"timeframe": timeframe, "start": start, "end": end, "capital": capital, "fee_bps": fee_bps,
               "slippage_bps": slippage_bps, "fill": fill, "config": config}
    setup, ev, symbol, tf = _research_setup(strategy, data, options)
    sp = _space(setup.strategy, space, fixed_params)
    ppy = setup.config.periods_per_year or periods_per_year(setup.bars.timeframe, setup.bars.symbols)
    res = run_walk_forward(ev, setup.strategy, symbol, tf, space=sp, n_bars=setup.bars.n_bars, train=train,
                           test=test, step=step, mode=mode, purge=purge, embargo=embargo, sampler=sampler,
                           n_trials=n_trials, objectives=objective, constraints=list(constraints), seed=seed,
                           executor=LocalExecutor(workers), periods_per_year=ppy, progress=progress)
    return WalkForwardRun(res)


def monte_carlo(
    strategy: Any, data: Any = None, *, method: str = "reshuffle", n_sims: int = 1000, block: int = 10,
    on: str = "trades", ruin: float = 0.5, confidence: float = 0.95, seed: int = 0, **backtest_args: Any,
) -> MonteCarloRun:
    """Resample a backtest's trade returns (``on="trades"``) or bar returns (``on="returns"``).

    ``strategy`` may be a :class:`~alphalab._results.BacktestRun` (its trades are used as they are)
    or anything :func:`backtest` accepts, run on ``data`` with ``backtest_args``. ``method`` is
    ``reshuffle``, ``bootstrap``, ``block`` or ``stationary``; ``ruin`` is the drawdown counted as
    ruin; final equity is a multiple of the starting capital and drawdowns are fractions.
    """
    from alphalab.research.montecarlo import backtest_values
    from alphalab.research.montecarlo import monte_carlo as run_monte_carlo

    if isinstance(strategy, BacktestRun):
        if data is not None or backtest_args:
            given = ", ".join(["data"] * (data is not None) + sorted(backtest_args))
            raise ConfigError(f"monte_carlo of a finished backtest cannot take {given}",
                              hint="pass the strategy and data instead to run a new backtest")
        bt = strategy
    elif data is None:
        raise ConfigError("monte_carlo needs data to backtest the strategy on", hint="e.g. 'sample:AAPL'")
    else:
        bt = backtest(strategy, data, **backtest_args)
    values, ppy = backtest_values(bt.raw, on)
    mc = run_monte_carlo(values, method=method, n_sims=n_sims, block=block, seed=seed, ruin_drawdown=ruin,
                         periods_per_year=ppy, confidence=confidence)
    return MonteCarloRun(mc)


def load(name: Any, *, timeframe: str = "1d", start: Any = None, end: Any = None) -> Any:
    """Load data or a strategy by name.

    ``"sample:AAPL"``, ``"synthetic:gbm?n=500&seed=1"`` or ``"binance:BTC/USDT"`` (anything with a
    source prefix) and lists of them return bars as a DataFrame (a dict of DataFrames for a list);
    a strategy id, ``.json``/``.py`` path, dict or class returns the ``StrategySpec`` or
    ``Strategy`` class. A bare name is looked up as a strategy first, then as data.
    """
    from alphalab.data import load_bars
    from alphalab.strategies.loading import load_strategy

    if isinstance(name, list | tuple):
        return {s: load_bars(s, timeframe, start, end) for s in name}
    text = str(name) if isinstance(name, str) else ""
    if text and ":" in text and ".py:" not in text and not text.endswith((".json", ".py")):
        return load_bars(text, timeframe, start, end)
    try:
        return load_strategy(name)
    except NotFoundError as strategy_missing:
        if not text or "/" in text or text.endswith((".json", ".py")):
            raise
        try:
            return load_bars(text, timeframe, start, end)
        except NotFoundError:
            raise strategy_missing from None
