"""Bars for SDL tests: real daily stocks (bundled sample or bokeh's stocks table) and synthetic hourly bars."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alphalab.core.bars import BarArrays

DATA = Path(__file__).resolve().parents[2] / "data" / "sdl"


def _stock_frame(symbol: str) -> pd.DataFrame:
    try:
        from alphalab.data import load_bars  # type: ignore[attr-defined]

        return load_bars(f"sample:{symbol}")  # type: ignore[no-any-return]
    except (ImportError, AttributeError):
        import bokeh_sampledata

        path = Path(bokeh_sampledata.__file__).parent / "_data" / "stocks.csv.gz"
        raw = pd.read_csv(path)
        raw = raw[raw["Ticker"] == symbol]
        index = pd.DatetimeIndex(pd.to_datetime(raw["Date"]), name="time").tz_localize("UTC")
        cols = {c.lower(): raw[c].to_numpy(dtype=float) for c in ("Open", "High", "Low", "Close", "Volume")}
        return pd.DataFrame(cols, index=index)


@pytest.fixture(scope="session")
def stock_bars() -> BarArrays:
    """AAPL and MSFT daily bars (last 600), two assets on one time axis."""
    frames = {s: _stock_frame(s).iloc[-600:] for s in ("AAPL", "MSFT")}
    return BarArrays.from_frames(frames, "1d")


def hourly(n: int = 1200, n_assets: int = 2, seed: int = 7) -> BarArrays:
    """Deterministic random-walk hourly bars."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2024-01-01", periods=n, freq="1h", tz="UTC", name="time")
    frames = {}
    for j in range(n_assets):
        close = 100 * np.exp(np.cumsum(rng.normal(0, 0.004, n)))
        open_ = np.concatenate([[close[0]], close[:-1]])
        spread = np.abs(rng.normal(0, 0.002, n)) * close
        frames[f"SYN{j}"] = pd.DataFrame(
            {"open": open_, "high": np.maximum(open_, close) + spread, "low": np.minimum(open_, close) - spread,
             "close": close, "volume": rng.uniform(1e3, 5e3, n)},
            index=index,
        )
    return BarArrays.from_frames(frames, "1h")


@pytest.fixture(scope="session")
def hourly_bars() -> BarArrays:
    return hourly()
