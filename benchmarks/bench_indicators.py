"""Indicator benchmark: every batch kernel on 1M bars beside TA-Lib, and the streaming cost per bar.

``run(quick)`` uses 100k bars when ``quick``. Ratios against TA-Lib come from the same run and the
same data (one asset, float64, no gaps). The streaming rows time ``update()`` of each twin over
``STREAM_BARS`` bars and report nanoseconds per update.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import talib
from _harness import measure, row

from alphalab.indicators import compute, get, names

STREAM_BARS = 20_000
# model-based plug-in indicators refit a statistical model on a schedule (arch fits), not a kernel
MODEL_REFITS = {"garch_vol"}
Bars = dict[str, np.ndarray]

TALIB: dict[str, Callable[[Bars], object]] = {
    "sma": lambda b: talib.SMA(b["close"], 20),
    "ema": lambda b: talib.EMA(b["close"], 20),
    "wma": lambda b: talib.WMA(b["close"], 20),
    "dema": lambda b: talib.DEMA(b["close"], 20),
    "tema": lambda b: talib.TEMA(b["close"], 20),
    "rsi": lambda b: talib.RSI(b["close"], 14),
    "macd": lambda b: talib.MACD(b["close"], 12, 26, 9),
    "bbands": lambda b: talib.BBANDS(b["close"], 20, 2.0, 2.0, 0),
    "atr": lambda b: talib.ATR(b["high"], b["low"], b["close"], 14),
    "natr": lambda b: talib.NATR(b["high"], b["low"], b["close"], 14),
    "adx": lambda b: (
        talib.ADX(b["high"], b["low"], b["close"], 14),
        talib.PLUS_DI(b["high"], b["low"], b["close"], 14),
        talib.MINUS_DI(b["high"], b["low"], b["close"], 14),
    ),
    "stoch": lambda b: talib.STOCH(b["high"], b["low"], b["close"], 14, 3, 0, 3, 0),
    "stochrsi": lambda b: talib.STOCHRSI(b["close"], 14, 14, 3, 0),
    "donchian": lambda b: (talib.MAX(b["high"], 20), talib.MIN(b["low"], 20)),
    "obv": lambda b: talib.OBV(b["close"], b["volume"]),
    "volume_sma": lambda b: talib.SMA(b["volume"], 20),
    "cci": lambda b: talib.CCI(b["high"], b["low"], b["close"], 20),
    "roc": lambda b: talib.ROC(b["close"], 10),
    "mom": lambda b: talib.MOM(b["close"], 10),
    "willr": lambda b: talib.WILLR(b["high"], b["low"], b["close"], 14),
    "mfi": lambda b: talib.MFI(b["high"], b["low"], b["close"], b["volume"], 14),
    "stddev": lambda b: talib.STDDEV(b["close"], 20, 1),
    "highest": lambda b: talib.MAX(b["close"], 20),
    "lowest": lambda b: talib.MIN(b["close"], 20),
    "linreg_slope": lambda b: talib.LINEARREG_SLOPE(b["close"], 14),
}


def make_bars(n: int, seed: int = 7) -> Bars:
    """Return a random-walk OHLCV series of ``n`` bars (6-hour bars, for the session VWAP)."""
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n)))
    high = close * (1.0 + rng.uniform(0.0, 0.01, n))
    low = close * (1.0 - rng.uniform(0.0, 0.01, n))
    volume = rng.integers(1, 10_000, n).astype(np.float64)
    time = np.int64(1_500_000_000) * 10**9 + np.arange(n, dtype=np.int64) * 6 * 3600 * 10**9
    return {"high": high, "low": low, "close": close, "volume": volume, "time": time}


def _inputs(name: str, bars: Bars) -> dict[str, np.ndarray]:
    defn = get(name)
    keys = defn.inputs + (("time",) if "time" in defn.optional_inputs else ())
    return {k: bars[k] for k in keys}


def _stream_all(state: tuple[Any, list[dict[str, float]]]) -> None:
    name, rows = state
    twin = get(name).stream()
    for bar in rows:
        twin.update(**bar)


def run(quick: bool) -> list[dict[str, Any]]:
    """Measure every indicator's batch kernel (with TA-Lib beside it) and streaming update cost."""
    n = 100_000 if quick else 1_000_000
    bars = make_bars(n)
    out: list[dict[str, Any]] = []
    for name in names():
        if name in MODEL_REFITS:
            continue
        inputs = _inputs(name, bars)
        ours = measure(lambda inputs=inputs: inputs, lambda s, name=name: compute(name, s))
        peer = None
        if name in TALIB:
            peer = measure(lambda: bars, TALIB[name])
            out.append(row("indicators", f"talib {name}", peer, units=n))
        out.append(
            row("indicators", f"{name} batch", ours, units=n, peer=peer, peer_name="talib" if peer else None)
        )
        stream_rows = [{k: float(v[i]) for k, v in inputs.items()} for i in range(STREAM_BARS)]
        m = measure(lambda name=name, r=stream_rows: (name, r), _stream_all, repeat=2)
        r = row("indicators", f"{name} stream", m, units=STREAM_BARS, unit="updates")
        r["ns_per_update"] = m.seconds / STREAM_BARS * 1e9
        out.append(r)
    return out
