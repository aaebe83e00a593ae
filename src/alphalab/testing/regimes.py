"""A seeded Markov-switching bar generator with known regimes, for tests and examples.

Each regime has its own daily drift, volatility and volume level; the hidden state follows a
Markov chain that stays put with probability ``stay`` and otherwise jumps to one of the other
regimes uniformly. The true state of every bar is returned with the bars, so a detector can be
scored against it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# label -> (drift per bar, volatility per bar, volume level)
REGIME_PARAMS: dict[str, tuple[float, float, float]] = {
    "bull": (0.0030, 0.008, 1.0e6),
    "bear": (-0.0030, 0.016, 1.6e6),
    "high_vol_chop": (0.0, 0.030, 2.2e6),
    "low_vol_chop": (0.0, 0.004, 0.6e6),
}


def markov_switching_bars(
    n: int, seed: int = 0, *, stay: float = 0.985, start: str = "2015-01-01"
) -> tuple[pd.DataFrame, pd.Series]:
    """Return ``(BarFrame, states)``: ``n`` daily bars and the true regime label of each bar.

    Parameters
    ----------
    n
        Number of bars.
    seed
        Seed of the random generator; the same seed gives the same bars, bit for bit.
    stay
        Probability of staying in the current regime at each bar (mean duration 1 / (1 - stay)).
    start
        Open time of the first bar (UTC, daily bars).
    """
    rng = np.random.default_rng(seed)
    labels = list(REGIME_PARAMS)
    k = len(labels)
    state = np.empty(n, dtype=np.int64)
    s = int(rng.integers(k))
    for t in range(n):
        if t > 0 and rng.random() > stay:
            s = int((s + 1 + rng.integers(k - 1)) % k)
        state[t] = s
    mu = np.array([REGIME_PARAMS[lab][0] for lab in labels])[state]
    sigma = np.array([REGIME_PARAMS[lab][1] for lab in labels])[state]
    vol_level = np.array([REGIME_PARAMS[lab][2] for lab in labels])[state]
    rets = mu + sigma * rng.standard_normal(n)
    close = 100.0 * np.exp(np.cumsum(rets))
    open_ = np.empty(n)
    open_[0] = 100.0
    open_[1:] = close[:-1] * np.exp(0.1 * sigma[1:] * rng.standard_normal(n - 1))
    wick = np.abs(rng.standard_normal((n, 2))) * sigma[:, None] * 0.5
    high = np.maximum(open_, close) * (1.0 + wick[:, 0])
    low = np.minimum(open_, close) * (1.0 - wick[:, 1])
    volume = vol_level * np.exp(0.3 * rng.standard_normal(n))
    index = pd.date_range(start, periods=n, freq="D", tz="UTC", name="time").as_unit("ns")
    frame = pd.DataFrame(
        {"open": open_, "high": high, "low": low, "close": close, "volume": volume}, index=index
    )
    states = pd.Series(np.array(labels, dtype=object)[state], index=index, name="regime")
    return frame, states
