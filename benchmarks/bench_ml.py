"""ML benchmark: 50 features on 1M bars (batch) beside the same in pandas, and the per-bar cost of
an incremental feature update plus inference by 50 LightGBM models compiled into one
:class:`~alphalab.ml.trees.ForestBank` (target: < 1 ms median).

``run(quick)`` uses 100k bars when ``quick``. The per-bar row reports the median over
``LIVE_BARS`` bars in microseconds per bar (``units`` = bars, so ``bars_per_s`` = 1 / median).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd
from _harness import Measurement, measure, row

from alphalab.ml.features import FeatureStream, compute_features, parse_features
from alphalab.ml.models import make_model
from alphalab.ml.trees import ForestBank

LIVE_BARS = 300
N_MODELS = 50


def feature_spec() -> list[dict[str, Any]]:
    """Return 50 features: SMAs, EMAs, z-scores, RSIs, returns, lags, a condition and time parts."""
    spec: list[dict[str, Any]] = []
    for p in (5, 10, 20, 50, 100, 200):
        spec.append({"kind": "indicator", "name": f"sma{p}", "indicator": "sma", "params": {"period": p}})
        spec.append({"kind": "indicator", "name": f"ema{p}", "indicator": "ema", "params": {"period": p}})
        spec.append({"kind": "indicator", "name": f"z{p}", "indicator": "zscore", "params": {"period": p}})
        spec.append({"kind": "indicator", "name": f"std{p}", "indicator": "stddev", "params": {"period": p}})
    for p in (7, 14, 21, 28):
        spec.append({"kind": "indicator", "name": f"rsi{p}", "indicator": "rsi", "params": {"period": p}})
    for p in (1, 2, 3, 5, 10, 20, 60, 120):
        spec.append({"kind": "return", "name": f"ret{p}", "periods": p})
    for lag in (1, 2, 3, 4, 5, 10):
        spec.append({"kind": "lag", "name": f"ret1_lag{lag}", "of": "ret1", "lag": lag})
    spec.append({"kind": "condition", "name": "rsi14_ob", "left": "rsi14", "op": ">", "right": 70})
    spec.append({"kind": "time", "name": "hour", "part": "hour"})
    spec.append({"kind": "time", "name": "weekday", "part": "weekday"})
    return spec[:50]


def make_frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.001, n)))
    idx = pd.date_range("2020-01-01", periods=n, freq="1min", tz="UTC", name="time")
    return pd.DataFrame({"open": close, "high": close * 1.001, "low": close * 0.999, "close": close,
                         "volume": rng.uniform(1, 100, n)}, index=idx)


def pandas_features(frame: pd.DataFrame) -> pd.DataFrame:
    """The same 50 features written directly in pandas (Wilder RSI by ewm)."""
    c = frame["close"]
    out: dict[str, pd.Series] = {}
    for p in (5, 10, 20, 50, 100, 200):
        out[f"sma{p}"] = c.rolling(p).mean()
        out[f"ema{p}"] = c.ewm(span=p, adjust=False).mean()
        sd = c.rolling(p).std(ddof=0)
        out[f"z{p}"] = (c - out[f"sma{p}"]) / sd
        out[f"std{p}"] = sd
    d = c.diff()
    for p in (7, 14, 21, 28):
        up = d.clip(lower=0).ewm(alpha=1 / p, adjust=False).mean()
        dn = (-d.clip(upper=0)).ewm(alpha=1 / p, adjust=False).mean()
        out[f"rsi{p}"] = 100 - 100 / (1 + up / dn)
    lc = np.log(c)
    for p in (1, 2, 3, 5, 10, 20, 60, 120):
        out[f"ret{p}"] = lc.diff(p)
    for lag in (1, 2, 3, 4, 5, 10):
        out[f"ret1_lag{lag}"] = out["ret1"].shift(lag)
    out["rsi14_ob"] = (out["rsi14"] > 70).astype(float).where(out["rsi14"].notna())
    out["hour"] = pd.Series(frame.index.hour, index=frame.index, dtype=float)
    out["weekday"] = pd.Series(frame.index.day_of_week, index=frame.index, dtype=float)
    return pd.DataFrame(out)


def _live_median(frame: pd.DataFrame) -> float:
    fs = parse_features(feature_spec())
    hist = compute_features(fs, frame.iloc[:3000]).dropna()
    rng = np.random.default_rng(1)
    models = []
    for k in range(N_MODELS):
        y = (rng.uniform(size=len(hist)) < 0.5).astype(int)
        models.append(make_model("lightgbm", seed=k, n_estimators=50).fit(hist.to_numpy(), y))
    bank = ForestBank(models)
    stream = FeatureStream(fs)
    rows = frame.iloc[:3000 + LIVE_BARS]
    for t, bar in zip(rows.index[:3000], rows.iloc[:3000].to_dict("records"), strict=True):
        stream.update(t, bar)
    times = []
    for t, bar in zip(rows.index[3000:], rows.iloc[3000:].to_dict("records"), strict=True):
        t0 = time.perf_counter()
        x = np.array([list(stream.update(t, bar).values())])
        bank.predict_proba(x)
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def run(quick: bool) -> list[dict[str, Any]]:
    n = 100_000 if quick else 1_000_000
    fs = parse_features(feature_spec())
    ours = measure(lambda: make_frame(n), lambda f: compute_features(fs, f), repeat=1)
    peer = measure(lambda: make_frame(n), pandas_features, repeat=1)
    live = _live_median(make_frame(4000))
    return [
        row("ml", "pandas 50 features", peer, units=n),
        row("ml", "50 features batch", ours, units=n, peer=peer, peer_name="pandas"),
        row("ml", "incremental 50 features + 50 LightGBM per bar (median)", Measurement(live, 0.0), units=1),
    ]
