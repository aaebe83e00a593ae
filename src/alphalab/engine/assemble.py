"""Assemble a :class:`BacktestResult` from a simulation's raw output (shared by both paths)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from alphalab.core.bars import BarArrays
from alphalab.core.enums import FillTiming
from alphalab.core.instrument import Instrument
from alphalab.core.timeframe import Timeframe
from alphalab.engine.records import equity_frame, fills_frame, orders_frame, trades_frame
from alphalab.engine.result import BacktestResult, Deferred, run_hash
from alphalab.engine.simulate import SimOutput

_DAYS = {"24/7": 365.0, "24/5": 260.0}
_SESSION_HOURS = {"24/7": 24.0, "24/5": 24.0}


def periods_per_year(timeframe: Timeframe, symbols: tuple[str, ...]) -> float:
    """Return bars per year: 252 daily sessions for stocks, 365 for 24/7 crypto, 260 for FX.

    Intraday bars scale by the bars per trading day (6.5 h sessions on exchange calendars,
    24 h otherwise); weekly bars give 52.
    """
    cals = [Instrument.guess(s).calendar for s in symbols] or ["XNYS"]
    cal = max(cals, key=lambda c: _DAYS.get(c, 252.0) * _SESSION_HOURS.get(c, 6.5))
    days = _DAYS.get(cal, 252.0)
    sec = timeframe.seconds
    if sec >= 7 * 86400:
        return 52.0 * 7 * 86400 / sec
    if sec >= 86400:
        return days * 86400 / sec
    return days * max(1.0, _SESSION_HOURS.get(cal, 6.5) * 3600 / sec)


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
