"""Research on the scanner: aligned panels from bar frames, and the event study (forward returns by event type and regime)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from alphalab.core.errors import ConfigError
from alphalab.scanner.scanner import Event

KEYS = ("open", "high", "low", "close", "volume")


def panel_from_frames(frames: Mapping[str, pd.DataFrame]) -> tuple[list[str], np.ndarray, dict[str, np.ndarray]]:
    """Align BarFrames on the union of their times; return (symbols, int64 ns times, {field: (time, symbol)}).

    A symbol without a bar at a time gets NaN there (the scanner skips it).
    """
    if not frames:
        raise ConfigError("the scanner needs at least one symbol", hint="pass --symbol (repeat it for more)")
    symbols = list(frames)
    index = frames[symbols[0]].index
    for s in symbols[1:]:
        index = index.union(frames[s].index)
    panel = {k: np.column_stack([frames[s][k].reindex(index).to_numpy(np.float64) for s in symbols]) for k in KEYS}
    times = pd.DatetimeIndex(index).as_unit("ns").asi8.astype(np.int64)
    return symbols, times, panel


def forward_returns(close: np.ndarray, horizon: int) -> np.ndarray:
    """Return close[t + horizon] / close[t] - 1 per (time, symbol); NaN where either bar is missing."""
    out = np.full(close.shape, np.nan)
    if horizon < close.shape[0]:
        out[:-horizon] = close[horizon:] / close[:-horizon] - 1.0
    return out


def _stats(x: np.ndarray) -> dict[str, float]:
    x = x[np.isfinite(x)]
    n = x.shape[0]
    sd = float(np.std(x, ddof=1)) if n > 1 else float("nan")
    return {"n": int(n), "mean": float(x.mean()) if n else float("nan"),
            "median": float(np.median(x)) if n else float("nan"),
            "hit_rate": float((x > 0).mean()) if n else float("nan"),
            "t_stat": float(x.mean() / (sd / np.sqrt(n))) if n > 1 and sd > 0 else float("nan")}


def event_study(events: Sequence[Event], symbols: Sequence[str], times_ns: np.ndarray, close: np.ndarray,
                horizons: Sequence[int] = (1, 5, 20)) -> pd.DataFrame:
    """Return forward-return statistics after each (detector, direction, regime) for each horizon.

    Each event's return runs from its bar's close to the close ``h`` bars later, signed by the
    event's direction when it has one (so a positive mean says the signal's side paid). The
    ``baseline`` rows give every bar's forward return (unsigned) for comparison.
    """
    if any(int(h) < 1 for h in horizons):
        raise ConfigError(f"event study horizons must be >= 1 bar, got {list(horizons)}")
    col = {s: i for i, s in enumerate(symbols)}
    row = {int(t): i for i, t in enumerate(times_ns.tolist())}
    ti = np.array([row[e.time_ns] for e in events], dtype=np.int64)
    si = np.array([col[e.symbol] for e in events], dtype=np.int64)
    sign = np.array([e.direction if e.direction != 0 else 1 for e in events], dtype=np.float64)
    groups = pd.Series([(e.detector, e.direction, e.regime or "unknown") for e in events], dtype=object)
    records = []
    for h in horizons:
        fwd = forward_returns(close, int(h))
        records.append({"detector": "baseline", "direction": 0, "regime": "all", "horizon": int(h),
                        **_stats(fwd.ravel())})
        r = fwd[ti, si] * sign if len(events) else np.empty(0)
        for key, idx in groups.groupby(groups).groups.items():
            det, direction, regime = key
            records.append({"detector": det, "direction": int(direction), "regime": regime, "horizon": int(h),
                            **_stats(r[np.asarray(idx, dtype=np.int64)])})
    return pd.DataFrame.from_records(records)
