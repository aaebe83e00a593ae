"""A bar builder for tests and examples: small candle tables written by hand.

>>> frame = bars([(10, 11, 9, 10.5), (10.5, 12, 10, 11.5)], timeframe="1h")
>>> frame = from_closes([100, 101, 99.5], timeframe="1d")
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from alphalab.core.timeframe import Timeframe


def _index(n: int, start: str, timeframe: str | Timeframe) -> pd.DatetimeIndex:
    tf = Timeframe.parse(timeframe)
    first = pd.Timestamp(start, tz="UTC").as_unit("ns").value
    times = first + np.arange(n, dtype="int64") * tf.nanos
    return pd.DatetimeIndex(times.view("datetime64[ns]"), name="time").tz_localize("UTC")


def bars(
    rows: Sequence[Sequence[float]],
    *,
    start: str = "2024-01-01",
    timeframe: str | Timeframe = "1d",
    volume: float = 1000.0,
) -> pd.DataFrame:
    """Build a BarFrame from ``(open, high, low, close[, volume])`` rows on a regular clock."""
    arr = np.array([list(r) + ([volume] if len(r) == 4 else []) for r in rows], dtype="float64").reshape(
        -1, 5
    )
    return pd.DataFrame(
        arr, columns=["open", "high", "low", "close", "volume"], index=_index(len(arr), start, timeframe)
    )


def from_closes(
    closes: Sequence[float],
    *,
    start: str = "2024-01-01",
    timeframe: str | Timeframe = "1d",
    spread: float = 0.0,
    volume: float = 1000.0,
) -> pd.DataFrame:
    """Build bars from closes: each bar opens at the previous close; high/low add ``spread`` around the body."""
    close = np.asarray(closes, dtype="float64")
    open_ = np.concatenate([close[:1], close[:-1]])
    high = np.maximum(open_, close) + spread
    low = np.minimum(open_, close) - spread
    return pd.DataFrame(
        {
            "open": open_,
            "high": high,
            "low": low,
            "close": close,
            "volume": np.full(close.size, float(volume)),
        },
        index=_index(close.size, start, timeframe),
    )
