"""Data helpers for the indicator tests: the bundled AAPL daily sample and random bars.

Prefers ``alphalab.data.load_bars("sample:AAPL")``; falls back to the same bokeh sample file
while the data package is not importable.
"""

from __future__ import annotations

import importlib.resources

import numpy as np
import pandas as pd

FIELDS = ("open", "high", "low", "close", "volume")


def _from_alphalab() -> pd.DataFrame | None:
    try:
        from alphalab.data import load_bars  # type: ignore[attr-defined]

        return load_bars("sample:AAPL")  # type: ignore[no-any-return]
    except Exception:  # the data package is being written in parallel; fall back to the raw file
        return None


def _from_bokeh() -> pd.DataFrame:
    path = importlib.resources.files("bokeh_sampledata") / "_data" / "stocks.csv.gz"
    raw = pd.read_csv(str(path))
    raw = raw[raw["Ticker"] == "AAPL"]
    frame = pd.DataFrame(
        {f: raw[f.capitalize()].to_numpy(dtype=np.float64) for f in FIELDS},
        index=pd.DatetimeIndex(pd.to_datetime(raw["Date"]), name="time").tz_localize("UTC"),
    )
    return frame.sort_index()


def load_aapl() -> dict[str, np.ndarray]:
    """Return AAPL daily bars as ``{field: float64 array}`` plus ``time`` (int64 ns)."""
    frame = _from_alphalab()
    if frame is None or len(frame) < 1000:
        frame = _from_bokeh()
    out = {f: np.ascontiguousarray(frame[f].to_numpy(dtype=np.float64)) for f in FIELDS}
    out["time"] = frame.index.as_unit("ns").asi8.copy()
    return out


def random_bars(n: int, seed: int, *, gaps: float = 0.0) -> dict[str, np.ndarray]:
    """Return a random-walk OHLCV series of ``n`` bars; a fraction ``gaps`` of bars is NaN (missing)."""
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, n)))
    open_ = close * np.exp(rng.normal(0.0, 0.01, n))
    high = np.maximum(open_, close) * (1.0 + rng.uniform(0.0, 0.02, n))
    low = np.minimum(open_, close) * (1.0 - rng.uniform(0.0, 0.02, n))
    volume = rng.integers(1, 1000, n).astype(np.float64)
    bars = {"open": open_, "high": high, "low": low, "close": close, "volume": volume}
    if gaps > 0.0:
        missing = rng.uniform(size=n) < gaps
        for v in bars.values():
            v[missing] = np.nan
    bars["time"] = np.int64(1_600_000_000) * 10**9 + np.arange(n, dtype=np.int64) * 6 * 3600 * 10**9
    return bars


def inputs_for(name: str, bars: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Return the arrays indicator ``name`` needs, taken from ``bars`` (``time`` included for vwap)."""
    from alphalab.indicators import get

    defn = get(name)
    out = {k: bars[k] for k in defn.inputs}
    if "time" in defn.optional_inputs:
        out["time"] = bars["time"]
    return out
