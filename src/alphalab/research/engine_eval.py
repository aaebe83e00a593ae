"""The real evaluator: backtests through ``alphalab.engine`` and scores with ``alphalab.analytics``.

Data is loaded once per (symbol, timeframe) and kept on the evaluator, so it travels to each
worker exactly once (the pool initializer or one ``ray.put``). A window's run sees only bars
``[window.first_bar, window.stop)``: later bars are sliced off before the engine runs. Metrics
score only ``[window.start, window.stop)``: the equity is rebased at ``start`` and trades entered
before ``start`` are left out of the trade metrics.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from alphalab.research.evaluator import Window


def strategy_document(strategy: Any, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return the resolved SDL document (parameters applied) of a spec, id or path."""
    from alphalab.engine.backtest import resolve_spec

    spec = resolve_spec(strategy, params)
    return spec.model_dump(mode="json", by_alias=True, exclude_none=True)  # type: ignore[no-any-return]


@dataclass
class EngineEvaluator:
    """Evaluate SDL strategies with the engine; ``config`` is a BacktestConfig field dict.

    Regimes: ``regimes`` (label series per symbol) or ``detector`` (a detector configuration dict,
    e.g. ``{"method": "rule"}``, that labels each symbol's bars causally, once) give the bar labels.
    With ``regime`` set (see :meth:`for_regime`) every run is restricted to that regime's bars as
    :mod:`alphalab.research.regime_run` documents; without it the labels only feed the strategy's
    own ``filters.regimes`` and the trade log.
    """

    config: dict[str, Any] = field(default_factory=dict)
    data: dict[tuple[str, str], Any] = field(default_factory=dict)
    regimes: dict[str, pd.Series] | None = None
    detector: dict[str, Any] | None = None
    regime: str | None = None
    labels_cache: dict[tuple[str, str], pd.Series] = field(default_factory=dict, repr=False)

    def bars(self, symbol: str, timeframe: str) -> Any:
        """Return (and cache) the BarArrays of one symbol and timeframe."""
        key = (symbol, str(timeframe))
        if key not in self.data:
            from alphalab.data import load_arrays

            self.data[key] = load_arrays([symbol], timeframe)
        return self.data[key]

    def periods_per_year(self, symbol: str, timeframe: str) -> float:
        """Return the bars per year of the runs' results: the config's override, else the bars' calendar."""
        from alphalab.engine.assemble import periods_per_year

        bars = self.bars(symbol, timeframe)
        own = self.config.get("periods_per_year")
        return float(own) if own else periods_per_year(bars.timeframe, bars.symbols)

    def preload(self, symbols: Sequence[str], timeframe: str) -> EngineEvaluator:
        for s in symbols:
            self.bars(s, timeframe)
            self.labels(s, timeframe)
        return self

    def labels(self, symbol: str, timeframe: str) -> pd.Series | None:
        """Return the regime labels of one symbol's bars (None when no regimes are configured)."""
        if self.regimes is not None:
            return self.regimes.get(symbol)
        if self.detector is None:
            return None
        key = (symbol, str(timeframe))
        if key not in self.labels_cache:
            from alphalab.regimes.detection import detect_with, make_config

            cfg = make_config(**self.detector)
            self.labels_cache[key] = detect_with(self.bars(symbol, timeframe).frame(symbol), cfg)
        return self.labels_cache[key]

    def for_regime(self, regime: str) -> EngineEvaluator:
        """Return an evaluator whose runs are restricted to ``regime`` (sharing data and labels)."""
        return replace(self, regime=regime)

    def fingerprint(self, strategy: Any, symbol: str, timeframe: str, window: Window | None) -> str:
        import alphalab

        doc = strategy_document(strategy)
        doc.pop("parameters", None)
        h = hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()
        data = self.bars(symbol, timeframe).digest()
        cfg = json.dumps(self.config, sort_keys=True, default=str)
        out = f"engine|{alphalab.__version__}|{h}|{data}|{cfg}"
        labels = self.labels(symbol, timeframe)
        if labels is not None:
            text = "|".join(labels.astype(str).tolist()) + str(labels.index[0] if len(labels) else "")
            out += f"|regimes={hashlib.sha256(text.encode()).hexdigest()[:16]}|regime={self.regime}"
        return out

    def _inputs(self, symbol: str, timeframe: str, window: Window | None) -> tuple[Any, dict[str, pd.Series] | None]:
        bars = self.bars(symbol, timeframe)
        if window is not None:
            bars = bars.slice(window.first_bar, min(window.stop, bars.n_bars))
        labels = self.labels(symbol, timeframe)
        if self.regime is not None and labels is None:
            from alphalab.core.errors import ConfigError

            raise ConfigError(f"no regime labels for {symbol}", hint="give regimes= or detector= to the evaluator")
        return bars, ({symbol: labels} if labels is not None else None)

    def run(self, strategy: Any, params: Mapping[str, Any], symbol: str, timeframe: str,
            window: Window | None) -> Any:
        """Run the backtest of one parameter set on the bars the window may see."""
        from alphalab.engine import BacktestConfig, run_backtest

        bars, regimes = self._inputs(symbol, timeframe, window)
        cfg = BacktestConfig(**self.config)
        if self.regime is not None and regimes is not None:
            from alphalab.research.regime_run import run_in_regime

            return run_in_regime(strategy, bars, cfg, params=dict(params), regimes=regimes, regime=self.regime)
        return run_backtest(strategy, bars, cfg, params=dict(params), regimes=regimes)

    @staticmethod
    def _scored(equity: pd.Series, trades: pd.DataFrame, window: Window | None) -> tuple[pd.Series, pd.DataFrame]:
        if window is not None and window.start > window.first_bar:
            k = window.start - window.first_bar
            equity = equity.iloc[max(k - 1, 0):]
            if len(trades):
                trades = trades[pd.to_datetime(trades["entry_time"], utc=True) >= equity.index[0]]
        return equity, trades

    def returns(self, strategy: Any, params: Mapping[str, Any], symbol: str, timeframe: str,
                window: Window | None) -> pd.Series:
        """Return per-bar equity returns inside the window."""
        result = self.run(strategy, params, symbol, timeframe, window)
        equity, _ = self._scored(result.equity["equity"], result.trades, window)
        r = equity.pct_change()
        if window is not None and window.start > window.first_bar:
            return r.iloc[1:]
        return r.fillna(0.0)

    def _metrics(self, equity: pd.Series, trades: pd.DataFrame, ppy: float,
                 window: Window | None) -> dict[str, float]:
        from alphalab.analytics.metrics import metrics_from_series
        from alphalab.research.evaluator import N_BLOCKS
        from alphalab.research.series import return_statistics_fast

        equity, trades = self._scored(equity, trades, window)
        out = metrics_from_series(equity, trades, None, ppy)
        out["trades"] = float(len(trades))
        out.update(return_statistics_fast(equity.pct_change().to_numpy()[1:], N_BLOCKS))
        return {k: float(v) for k, v in out.items()}

    def __call__(self, strategy: Any, params: Mapping[str, Any], symbol: str, timeframe: str,
                 window: Window | None) -> dict[str, float]:
        from alphalab.analytics.metrics import result_periods_per_year

        result = self.run(strategy, params, symbol, timeframe, window)
        return self._metrics(result.equity["equity"], result.trades, result_periods_per_year(result), window)

    def evaluate_many(self, strategy: Any, params_list: Sequence[Mapping[str, Any]], symbol: str,
                      timeframe: str, window: Window | None) -> list[dict[str, float]]:
        """Score many parameter sets in one compiled call per memory-bounded chunk.

        The sets run as cash groups of one engine kernel call with shared indicator computations
        (:func:`alphalab.research.regime_run.batch_curves`); the metrics equal those of one
        ``__call__`` per set.
        """
        from alphalab.engine import BacktestConfig
        from alphalab.research.regime_run import batch_curves

        bars, regimes = self._inputs(symbol, timeframe, window)
        cfg = BacktestConfig(**self.config)
        ppy = self.periods_per_year(symbol, timeframe)
        curves = batch_curves(strategy, bars, params_list, cfg, regimes=regimes, regime=self.regime)
        return [self._metrics(eq, tr, ppy, window) for eq, tr in curves]


def equity_returns(equity: pd.Series) -> np.ndarray:
    """Return simple returns of an equity curve (first bar dropped)."""
    return equity.pct_change().to_numpy()[1:]  # type: ignore[no-any-return]
