"""Assemble a :class:`BacktestResult` from a simulation's raw output (shared by both paths)."""

from __future__ import annotations

from typing import Any

import numpy as np

from alphalab.core.bars import BarArrays
from alphalab.core.enums import FillTiming
from alphalab.core.timeframe import Timeframe
from alphalab.engine.records import equity_frame, fills_frame, orders_frame, trades_frame
from alphalab.engine.result import BacktestResult, run_hash
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
    """Wrap a one-group simulation output into a ``BacktestResult`` with its provenance."""
    import alphalab

    index = bars.index
    tf = str(bars.timeframe)
    trades = trades_frame(out.trades, index, bars.symbols, strategy_id=strategy_id,
                          strategy_name=strategy_name, timeframe=tf, regimes=regimes)
    orders = orders_frame(out.orders, index, bars.symbols)
    equity = equity_frame(out.equity[:, 0], out.cash[:, 0], out.gross[:, 0], index)
    import pandas as pd

    positions = pd.DataFrame(out.positions, index=index, columns=list(bars.symbols))
    data_hash = bars.digest()
    version = alphalab.__version__
    return BacktestResult(
        strategy_id=strategy_id,
        strategy_name=strategy_name,
        symbols=bars.symbols,
        timeframe=bars.timeframe,
        trades=trades,
        orders=orders,
        fills=fills_frame(orders),
        equity=equity,
        positions=positions,
        bars=bars,
        config=config,
        data_hash=data_hash,
        run_hash=run_hash(config, data_hash, strategy_doc, seed, version),
        seed=seed,
        version=version,
        fill_timing=fill_timing,
        periods_per_year=ppy if ppy is not None else periods_per_year(bars.timeframe, bars.symbols),
        indicators=dict(indicators or {}),
        strategy=strategy_doc,
    )
