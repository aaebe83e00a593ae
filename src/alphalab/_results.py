"""Notebook-friendly results of the public API: pandas objects, plots, reports and rich reprs.

Each wraps what the domain packages return (``raw``) and computes nothing new: metrics come from
:func:`alphalab.analytics.compute_metrics`, reports from :func:`alphalab.analytics.write_report`.
"""

from __future__ import annotations

import html
import math
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from alphalab.core.errors import ConfigError

_HEADLINE = ("total_return", "cagr", "sharpe", "sortino", "max_drawdown", "win_rate", "trades", "exposure")
_PERCENT = {"total_return", "cagr", "annual_volatility", "max_drawdown", "win_rate", "exposure",
            "var_95", "cvar_95"}


def _fmt(key: str, value: Any) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    if key in _PERCENT:
        return f"{value:.2%}"
    if key == "trades" or (isinstance(value, float) and value.is_integer() and abs(value) < 1e12):
        return f"{int(value):,}"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _table_html(rows: list[tuple[str, str]], caption: str) -> str:
    body = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                   for k, v in rows)
    return f"<table><caption style='text-align:left'><b>{html.escape(caption)}</b></caption>{body}</table>"


class BacktestRun:
    """The result of :func:`alphalab.backtest`.

    Attributes
    ----------
    raw : BacktestResult
        The engine's result (orders, fills, positions, provenance).
    metrics : pandas.Series
        Every metric by name (``r.metrics['sharpe']``); fractions, not percent.
    trades : pandas.DataFrame
        The trade log (one row per closed trade).
    equity : pandas.Series
        Account equity at each bar close (UTC index).
    params : dict
        The parameter values the strategy ran with.
    """

    def __init__(self, raw: Any, params: dict[str, Any] | None = None,
                 regimes: dict[str, pd.Series] | None = None) -> None:
        self.raw = raw
        self.params: dict[str, Any] = dict(params or {})
        self.regimes = regimes

    @cached_property
    def metrics(self) -> pd.Series:
        from alphalab.analytics import compute_metrics

        return pd.Series(compute_metrics(self.raw), name="metrics", dtype="float64")

    @property
    def trades(self) -> pd.DataFrame:
        return self.raw.trades  # type: ignore[no-any-return]

    @property
    def equity(self) -> pd.Series:
        return self.raw.equity["equity"]  # type: ignore[no-any-return]

    def by_regime(self) -> pd.DataFrame:
        """Return the metrics per regime label (one row per regime), from ``backtest(..., regimes=)``."""
        from alphalab.regimes.breakdown import regimes_summary

        if not self.regimes:
            raise ConfigError("this backtest has no regime labels", hint="run backtest(..., regimes='rule')")
        return pd.DataFrame(regimes_summary(self.raw, self.regimes)).T

    def plot(self, symbol: str | None = None) -> Any:
        """Return a plotly figure: candles with indicators and trades of ``symbol`` (the first by default)."""
        from alphalab.analytics.charts import candles_figure

        sym = symbol or self.raw.symbols[0]
        trades = self.trades[self.trades["symbol"] == sym] if len(self.trades) else self.trades
        return candles_figure(self.raw.bars, sym, self.raw.indicators, trades)

    def plot_equity(self) -> Any:
        """Return a plotly figure of the equity curve against buy-and-hold, with the drawdown."""
        from alphalab.analytics.charts import equity_figure
        from alphalab.analytics.metrics import result_benchmark

        return equity_figure(self.equity, result_benchmark(self.raw))

    def report(self, path: str | Path = "report.html") -> Path:
        """Write the interactive HTML report (works offline) and return its path."""
        from alphalab.analytics import write_report

        return write_report(self.raw, Path(path), metrics=self.metrics.to_dict(), regimes=self.regimes)

    def save(self, directory: str | Path) -> Path:
        """Save the result (parquet + json) so ``alphalab report rebuild`` can read it."""
        return self.raw.save(Path(directory))  # type: ignore[no-any-return]

    def _title(self) -> str:
        r = self.raw
        span = f"{r.equity.index[0]:%Y-%m-%d} .. {r.equity.index[-1]:%Y-%m-%d}" if len(r.equity) else "no bars"
        return f"{r.strategy_name} ({r.strategy_id}) on {', '.join(r.symbols)} {r.timeframe}, {span}"

    def __repr__(self) -> str:
        m = self.metrics
        parts = ", ".join(f"{k} {_fmt(k, m[k])}" for k in _HEADLINE if k in m)
        return f"<BacktestRun {self._title()}: {parts}>"

    def _repr_html_(self) -> str:
        m = self.metrics
        rows = [(k, _fmt(k, m[k])) for k in _HEADLINE if k in m]
        rows.append(("final equity", f"{self.raw.final_equity:,.2f}"))
        return _table_html(rows, self._title())


class OptimizeRun:
    """The result of :func:`alphalab.optimize`: the trial table and the selection made from it.

    Attributes
    ----------
    raw : alphalab.research.optimize.OptimizeResult
    trials : pandas.DataFrame
        One row per trial: ``p_<name>`` parameters, ``m_<metric>`` metrics, feasibility, stability.
    best_params : dict
        The stable-region centre when the grid has one, else the best trial.
    overfitting : dict
        Deflated Sharpe ratio (``dsr``), probability of backtest overfitting (``pbo``) and friends.
    """

    def __init__(self, raw: Any, strategy: Any, data: Any, options: dict[str, Any]) -> None:
        self.raw = raw
        self._strategy, self._data, self._options = strategy, data, options

    @property
    def trials(self) -> pd.DataFrame:
        cols = [c for c in self.raw.trials.columns if not c.startswith("m_ret_")]
        return self.raw.trials[cols]  # type: ignore[no-any-return]

    @property
    def best_params(self) -> dict[str, Any]:
        return self.raw.best_params()  # type: ignore[no-any-return]

    @property
    def overfitting(self) -> dict[str, Any]:
        return dict(self.raw.overfitting)

    def summary(self) -> dict[str, Any]:
        """Return the JSON-able summary that ``alphalab optimize --json`` prints."""
        return self.raw.summary()  # type: ignore[no-any-return]

    def backtest(self, **overrides: Any) -> BacktestRun:
        """Backtest the selected parameters on the same data (``overrides`` change some of them)."""
        from alphalab.api import backtest

        return backtest(self._strategy, self._data, **self._options, **{**self.best_params, **overrides})

    def _rows(self) -> list[tuple[str, str]]:
        s = self.summary()
        rows = [("trials", f"{s['trials']} ({s['evaluated']} run, {s['cached']} from the store)"),
                ("objective", ", ".join(s["objectives"])), ("selected", repr(self.best_params))]
        if s.get("stable") or s.get("best"):
            chosen = s.get("stable") or s["best"]
            metric = self.raw.objectives[0].metric
            rows.append((metric, _fmt(metric, chosen["metrics"].get(metric, float("nan")))))
        rows += [(k, _fmt(k, v)) for k, v in self.overfitting.items() if isinstance(v, int | float)]
        return rows

    def __repr__(self) -> str:
        return "<OptimizeRun " + "; ".join(f"{k}: {v}" for k, v in self._rows()) + ">"

    def _repr_html_(self) -> str:
        return _table_html(self._rows(), "Optimisation")


class WalkForwardRun:
    """The result of :func:`alphalab.walk_forward`: folds, stitched out-of-sample equity, efficiency."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    @property
    def folds(self) -> pd.DataFrame:
        return pd.DataFrame(self.raw.summary()["folds"])

    @property
    def oos_equity(self) -> pd.Series:
        """Out-of-sample equity stitched across the folds (starts at 1.0)."""
        return self.raw.oos_equity  # type: ignore[no-any-return]

    @property
    def efficiency(self) -> float:
        """Walk-forward efficiency: out-of-sample over in-sample annualised performance."""
        return float(self.raw.efficiency)

    def summary(self) -> dict[str, Any]:
        return self.raw.summary()  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"<WalkForwardRun {len(self.folds)} folds, efficiency {self.efficiency:.3f}>"

    def _repr_html_(self) -> str:
        return f"<b>Walk-forward, efficiency {self.efficiency:.3f}</b>" + self.folds.to_html(index=False)


class MonteCarloRun:
    """The result of :func:`alphalab.monte_carlo`: simulated final equity, drawdown and Sharpe."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    @property
    def probability_of_ruin(self) -> float:
        return float(self.raw.probability_of_ruin)

    def summary(self) -> dict[str, Any]:
        return self.raw.summary()  # type: ignore[no-any-return]

    @property
    def table(self) -> pd.DataFrame:
        """Median and confidence interval of each simulated statistic."""
        s = self.summary()
        keys = ("final_equity", "max_drawdown", "sharpe")
        return pd.DataFrame({k: s[k] for k in keys if isinstance(s.get(k), dict)}).T

    def __repr__(self) -> str:
        return f"<MonteCarloRun {self.raw.method}: probability of ruin {self.probability_of_ruin:.3f}>"

    def _repr_html_(self) -> str:
        return (f"<b>Monte Carlo ({html.escape(self.raw.method)}), probability of ruin "
                f"{self.probability_of_ruin:.3f}</b>" + self.table.to_html())
