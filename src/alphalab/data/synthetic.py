"""Seeded synthetic bars for tests and benchmarks, clearly labelled as synthetic (symbols ``SYN...``).

Everything is vectorised NumPy: a million bars take a fraction of a second. Prices follow a
geometric Brownian motion (drift and volatility are annualised over a 365-day year, since the
clock is 24/7); each bar opens at the previous close, its high and low extend beyond the body by
a half-normal amount scaled to the bar's volatility, and volume is log-normal and rises with the
size of the move. ``synthetic:`` symbols are understood by ``load_bars``:
``synthetic:gbm?n=100000&seed=1&sigma=0.3``, ``synthetic:regime?n=5000&seed=2``,
``synthetic:correlated?n=1000&assets=3&asset=1&seed=3``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import numpy as np
import pandas as pd

from alphalab.core.errors import ConfigError
from alphalab.core.timeframe import Timeframe

REGIMES = ("bull", "bear", "high_vol_chop", "low_vol_chop")
# Annualised (drift, volatility) of each regime.
_REGIME_PARAMS = {
    "bull": (0.35, 0.15),
    "bear": (-0.35, 0.30),
    "high_vol_chop": (0.0, 0.55),
    "low_vol_chop": (0.0, 0.07),
}
_YEAR = 365 * 86400


def _index(n: int, timeframe: Timeframe, start: str) -> pd.DatetimeIndex:
    first = pd.Timestamp(start, tz="UTC").as_unit("ns").value
    if n * timeframe.nanos > pd.Timestamp.max.value - first:
        raise ConfigError(
            f"{n} bars of {timeframe} from {start} run past the year 2262",
            hint="use fewer bars or a shorter timeframe",
        )
    times = first + np.arange(n, dtype="int64") * timeframe.nanos
    return pd.DatetimeIndex(times.view("datetime64[ns]"), name="time").tz_localize("UTC")


def _bars_from_returns(
    rng: np.random.Generator, log_ret: np.ndarray, bar_sigma: np.ndarray, s0: float, index: pd.DatetimeIndex
) -> pd.DataFrame:
    close = s0 * np.exp(np.cumsum(log_ret))
    open_ = np.empty_like(close)
    open_[0] = s0
    open_[1:] = close[:-1]
    wick = np.abs(rng.standard_normal((2, close.size))) * bar_sigma * 0.5
    high = np.maximum(open_, close) * np.exp(wick[0])
    low = np.minimum(open_, close) * np.exp(-wick[1])
    size = np.abs(log_ret) / np.maximum(bar_sigma, 1e-12)
    volume = np.round(1_000.0 * np.exp(0.4 * rng.standard_normal(close.size)) * (1.0 + 0.5 * size))
    frame = pd.DataFrame(
        {"open": open_, "high": high, "low": low, "close": close, "volume": volume}, index=index
    )
    frame.attrs["synthetic"] = True
    return frame


def gbm(
    n: int,
    seed: int = 0,
    timeframe: str | Timeframe = "1d",
    *,
    mu: float = 0.05,
    sigma: float = 0.2,
    s0: float = 100.0,
    start: str = "2020-01-01",
    symbol: str = "SYNGBM",
) -> pd.DataFrame:
    """Return ``n`` bars of a geometric Brownian motion as a BarFrame (seeded, 24/7 clock)."""
    if n <= 0:
        raise ConfigError(f"n must be positive, got {n}")
    tf = Timeframe.parse(timeframe)
    rng = np.random.default_rng(seed)
    dt = tf.seconds / _YEAR
    bar_sigma = np.full(n, sigma * np.sqrt(dt))
    log_ret = (mu - 0.5 * sigma**2) * dt + bar_sigma * rng.standard_normal(n)
    frame = _bars_from_returns(rng, log_ret, bar_sigma, s0, _index(n, tf, start))
    frame.attrs["symbol"] = symbol
    return frame


def regime_states(n: int, rng: np.random.Generator, mean_duration: float) -> np.ndarray:
    """Return ``n`` regime codes (0..3) from a sticky Markov chain with geometric durations."""
    n_seg = max(4, int(3 * n / mean_duration) + 4)
    while True:
        lengths = rng.geometric(1.0 / mean_duration, size=n_seg)
        if lengths.sum() >= n:
            break
        n_seg *= 2
    steps = rng.integers(1, len(REGIMES), size=n_seg)
    steps[0] = rng.integers(0, len(REGIMES))
    codes = np.cumsum(steps) % len(REGIMES)  # each new segment switches to a different regime
    return np.repeat(codes, lengths)[:n]


def regime_switching(
    n: int,
    seed: int = 0,
    timeframe: str | Timeframe = "1d",
    *,
    mean_duration: float = 60.0,
    s0: float = 100.0,
    start: str = "2020-01-01",
) -> tuple[pd.DataFrame, pd.Series]:
    """Return bars whose drift and volatility switch between known regimes, and the regime labels.

    Returns
    -------
    (DataFrame, Series)
        The BarFrame and a Series of labels (``bull``, ``bear``, ``high_vol_chop``,
        ``low_vol_chop``) on the same index, named ``regime``.
    """
    tf = Timeframe.parse(timeframe)
    rng = np.random.default_rng(seed)
    codes = regime_states(n, rng, mean_duration)
    mus = np.array([_REGIME_PARAMS[r][0] for r in REGIMES])[codes]
    sigmas = np.array([_REGIME_PARAMS[r][1] for r in REGIMES])[codes]
    dt = tf.seconds / _YEAR
    bar_sigma = sigmas * np.sqrt(dt)
    log_ret = (mus - 0.5 * sigmas**2) * dt + bar_sigma * rng.standard_normal(n)
    index = _index(n, tf, start)
    frame = _bars_from_returns(rng, log_ret, bar_sigma, s0, index)
    frame.attrs["symbol"] = "SYNREGIME"
    labels = pd.Series(np.asarray(REGIMES, dtype=object)[codes], index=index, name="regime")
    return frame, labels


def correlated(
    n: int,
    n_assets: int,
    seed: int = 0,
    timeframe: str | Timeframe = "1d",
    *,
    corr: float | np.ndarray = 0.5,
    sigma: float = 0.25,
    mu: float = 0.05,
    start: str = "2020-01-01",
) -> dict[str, pd.DataFrame]:
    """Return ``n_assets`` GBM BarFrames (``SYN0``, ``SYN1``, ...) whose log returns have correlation ``corr``."""
    tf = Timeframe.parse(timeframe)
    matrix = np.asarray(corr, dtype="float64")
    if matrix.ndim == 0:
        matrix = np.full((n_assets, n_assets), float(corr))
        np.fill_diagonal(matrix, 1.0)
    try:
        chol = np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError as exc:
        raise ConfigError(
            "the correlation matrix is not positive definite", hint="use a correlation in (-1/(n-1), 1)"
        ) from exc
    rng = np.random.default_rng(seed)
    shocks = rng.standard_normal((n, n_assets)) @ chol.T
    dt = tf.seconds / _YEAR
    bar_sigma = np.full(n, sigma * np.sqrt(dt))
    index = _index(n, tf, start)
    out = {}
    for j in range(n_assets):
        log_ret = (mu - 0.5 * sigma**2) * dt + bar_sigma * shocks[:, j]
        frame = _bars_from_returns(rng, log_ret, bar_sigma, 100.0 * (1 + 0.1 * j), index)
        frame.attrs["symbol"] = f"SYN{j}"
        out[f"SYN{j}"] = frame
    return out


def from_spec(spec: str, timeframe: str | Timeframe = "1d") -> pd.DataFrame:
    """Build bars from a ``synthetic:`` symbol such as ``synthetic:gbm?n=1000&seed=1``."""
    body = spec.split(":", 1)[1] if spec.startswith("synthetic:") else spec
    kind, _, query = body.partition("?")
    params = dict(parse_qsl(query))
    try:
        n = int(params.pop("n", "1000"))
        seed = int(params.pop("seed", "0"))
        tf = params.pop("timeframe", str(timeframe))
        floats: dict[str, Any] = {
            k: float(v) for k, v in params.items() if k not in ("assets", "asset", "start")
        }
        start = params.get("start", "2020-01-01")
        if kind == "gbm":
            return gbm(n, seed, tf, start=start, **floats)
        if kind in ("regime", "regime_switching"):
            return regime_switching(n, seed, tf, start=start, **floats)[0]
        if kind == "correlated":
            assets = int(params.get("assets", "2"))
            asset = int(params.get("asset", "0"))
            return correlated(n, assets, seed, tf, start=start, **floats)[f"SYN{asset}"]
    except (TypeError, ValueError, KeyError) as exc:
        raise ConfigError(
            f"cannot read synthetic spec {spec!r}: {exc}", hint="e.g. synthetic:gbm?n=1000&seed=1&sigma=0.3"
        ) from exc
    raise ConfigError(f"unknown synthetic kind {kind!r} in {spec!r}", hint="use gbm, regime or correlated")
