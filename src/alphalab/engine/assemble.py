"""Assemble a :class:`BacktestResult` from a simulation's raw output (shared by both paths)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from alphalab.core.bars import BarArrays
from alphalab.core.enums import FillTiming
from alphalab.core.timeframe import Timeframe
from alphalab.engine.records import equity_frame, fills_frame, orders_frame, trades_frame
from alphalab.engine.result import BacktestResult, Deferred, run_hash
from alphalab.engine.simulate import SimOutput


def periods_per_year(timeframe: Timeframe, symbols: tuple[str, ...]) -> float:
    """Return bars per year of ``timeframe`` on the symbols' calendar (``analytics.metrics.periods_per_year_for``)."""
    from alphalab.analytics.metrics import periods_per_year_for

    return periods_per_year_for(timeframe, symbols)


def build_result(
    out: SimOutput, bars: BarArrays, *, strategy_id: str, strategy_name: str, config: dict[str, Any],
    strategy_doc: dict[str, Any], fill_timing: FillTiming, seed: int, ppy: float | None,
    indicators: dict[str, np.ndarray] | None = None, regimes: np.ndarray | None = None,
) -> BacktestResult:
    """Wrap a one-group simulation output into a ``BacktestResult`` with its provenance.

    The tables and hashes are deferred: each is built from ``out`` on first access.
    """
    import alphalab

    tf = str(bars.timeframe)
    version = alphalab.__version__
    ids = {"strategy_id": strategy_id, "strategy_name": strategy_name}
    index = _OnceIndex(bars)
    deferred = Deferred()
    deferred.add(
        trades=lambda: trades_frame(out.trades, index(), bars.symbols, timeframe=tf, regimes=regimes, **ids),
        orders=lambda: orders_frame(out.orders, index(), bars.symbols),
        fills=lambda: fills_frame(deferred.get("orders")),
        equity=lambda: equity_frame(out.equity[:, 0], out.cash[:, 0], out.gross[:, 0], index()),
        positions=lambda: _positions_frame(out.positions, index(), bars.symbols),
        data_hash=bars.digest,
        run_hash=lambda: run_hash(config, deferred.get("data_hash"), strategy_doc, seed, version),
    )
    return BacktestResult(
        strategy_id=strategy_id,
        strategy_name=strategy_name,
        symbols=bars.symbols,
        timeframe=bars.timeframe,
        bars=bars,
        config=config,
        seed=seed,
        version=version,
        fill_timing=fill_timing,
        periods_per_year=ppy if ppy is not None else periods_per_year(bars.timeframe, bars.symbols),
        indicators=dict(indicators or {}),
        strategy=strategy_doc,
        deferred=deferred,
    )


class _OnceIndex:
    """The bars' DatetimeIndex, made on the first call and shared by every table."""

    def __init__(self, bars: BarArrays) -> None:
        self._bars = bars
        self._index: pd.DatetimeIndex | None = None

    def __call__(self) -> pd.DatetimeIndex:
        if self._index is None:
            self._index = self._bars.index
        return self._index


def _positions_frame(positions: np.ndarray, index: pd.DatetimeIndex, symbols: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(positions, index=index, columns=list(symbols))
