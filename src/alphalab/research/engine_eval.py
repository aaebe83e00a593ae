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
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from alphalab.research.evaluator import Window, return_statistics


def strategy_document(strategy: Any, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return the resolved SDL document (parameters applied) of a spec, id or path."""
    from alphalab.engine.backtest import resolve_spec

    spec = resolve_spec(strategy, params)
    return spec.model_dump(mode="json", by_alias=True, exclude_none=True)  # type: ignore[no-any-return]


@dataclass
class EngineEvaluator:
    """Evaluate SDL strategies with ``run_backtest``; ``config`` is a BacktestConfig field dict."""

    config: dict[str, Any] = field(default_factory=dict)
    data: dict[tuple[str, str], Any] = field(default_factory=dict)

    def bars(self, symbol: str, timeframe: str) -> Any:
        """Return (and cache) the BarArrays of one symbol and timeframe."""
        key = (symbol, str(timeframe))
        if key not in self.data:
            from alphalab.data import load_arrays

            self.data[key] = load_arrays([symbol], timeframe)
        return self.data[key]

    def preload(self, symbols: Sequence[str], timeframe: str) -> EngineEvaluator:
        for s in symbols:
            self.bars(s, timeframe)
        return self

    def fingerprint(self, strategy: Any, symbol: str, timeframe: str, window: Window | None) -> str:
        import alphalab

        doc = strategy_document(strategy)
        doc.pop("parameters", None)
        h = hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()
        data = self.bars(symbol, timeframe).digest()
        cfg = json.dumps(self.config, sort_keys=True, default=str)
        return f"engine|{alphalab.__version__}|{h}|{data}|{cfg}"

    def run(self, strategy: Any, params: Mapping[str, Any], symbol: str, timeframe: str,
            window: Window | None) -> Any:
        """Run the backtest of one parameter set on the bars the window may see."""
        from alphalab.engine import BacktestConfig, run_backtest

        bars = self.bars(symbol, timeframe)
        if window is not None:
            bars = bars.slice(window.first_bar, min(window.stop, bars.n_bars))
        return run_backtest(strategy, bars, BacktestConfig(**self.config), params=dict(params))

    def _scored(self, result: Any, window: Window | None) -> tuple[pd.Series, pd.DataFrame]:
        equity = result.equity["equity"]
        trades = result.trades
        if window is not None and window.start > window.first_bar:
            k = window.start - window.first_bar
            equity = equity.iloc[max(k - 1, 0):]
            if len(trades):
                trades = trades[pd.to_datetime(trades["entry_time"], utc=True) >= equity.index[0]]
        return equity, trades

    def returns(self, strategy: Any, params: Mapping[str, Any], symbol: str, timeframe: str,
                window: Window | None) -> pd.Series:
        """Return per-bar equity returns inside the window."""
        equity, _ = self._scored(self.run(strategy, params, symbol, timeframe, window), window)
        r = equity.pct_change()
        if window is not None and window.start > window.first_bar:
            return r.iloc[1:]
        return r.fillna(0.0)

    def __call__(self, strategy: Any, params: Mapping[str, Any], symbol: str, timeframe: str,
                 window: Window | None) -> dict[str, float]:
        from alphalab.analytics.metrics import metrics_from_series, result_periods_per_year

        result = self.run(strategy, params, symbol, timeframe, window)
        equity, trades = self._scored(result, window)
        out = metrics_from_series(equity, trades, None, result_periods_per_year(result))
        out["trades"] = float(len(trades))
        r = equity.pct_change().to_numpy()[1:]
        out.update(return_statistics(r))
        return {k: float(v) for k, v in out.items()}

    def evaluate_many(self, strategy: Any, params_list: Sequence[Mapping[str, Any]], symbol: str,
                      timeframe: str, window: Window | None) -> list[dict[str, float]]:
        """Score many parameter sets; through the engine's compiled sweep when it offers one."""
        return [self(strategy, p, symbol, timeframe, window) for p in params_list]


def equity_returns(equity: pd.Series) -> np.ndarray:
    """Return simple returns of an equity curve (first bar dropped)."""
    return equity.pct_change().to_numpy()[1:]  # type: ignore[no-any-return]
