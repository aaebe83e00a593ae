"""A deterministic fake evaluator for tests: research machinery exercised without the engine.

``SyntheticEvaluator`` turns a parameter set into a per-bar return series: seeded noise plus a
drift that peaks at ``peak`` (a smooth hill over the parameters), then reports metrics the way the
engine evaluator does. It is picklable, so it runs on process pools and Ray workers too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from alphalab.analytics.metrics import periods_per_year_for
from alphalab.research.evaluator import Window, return_statistics
from alphalab.research.series import series_metrics


def _seed(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "little")


@dataclass(frozen=True)
class SyntheticEvaluator:
    """Fake evaluator whose performance is a smooth hill over the parameters plus noise."""

    n_bars: int = 600
    peak: Mapping[str, float] = field(default_factory=lambda: {"fast": 20.0, "slow": 60.0})
    scale: Mapping[str, float] = field(default_factory=lambda: {"fast": 10.0, "slow": 30.0})
    drift: float = 0.0015
    noise: float = 0.01
    fail_params: tuple[tuple[str, Any], ...] = ()
    bad_symbols: tuple[str, ...] = ()

    def fingerprint(self, strategy: Any, symbol: str, timeframe: str, window: Window | None) -> str:
        return f"synthetic|{self!r}|{strategy}"

    def returns_array(
        self, params: Mapping[str, Any], symbol: str, timeframe: str, strategy: Any = ""
    ) -> np.ndarray:
        """Return the full per-bar return series of ``params``."""
        if symbol in self.bad_symbols:
            raise ValueError(f"no data for {symbol}")
        for k, v in self.fail_params:
            if params.get(k) == v:
                raise ValueError(f"parameter {k}={v} is not allowed")
        dist = sum(
            ((float(params.get(k, c)) - c) / self.scale.get(k, 1.0)) ** 2
            for k, c in self.peak.items()
            if isinstance(params.get(k, c), int | float)
        )
        rng = np.random.default_rng(_seed(symbol, timeframe, strategy, sorted(params.items())))
        base = np.random.default_rng(_seed(symbol, timeframe)).normal(0.0, self.noise, self.n_bars)
        own = rng.normal(0.0, self.noise * 0.5, self.n_bars)
        return base + own + self.drift * float(np.exp(-dist))  # type: ignore[no-any-return]

    def returns(
        self, strategy: Any, params: Mapping[str, Any], symbol: str, timeframe: str, window: Window | None
    ) -> pd.Series:
        r = self.returns_array(params, symbol, timeframe, strategy)
        a, b = (window.start, window.stop) if window else (0, r.size)
        index = pd.date_range("2020-01-01", periods=self.n_bars, freq="D", tz="UTC")
        return pd.Series(r[a:b], index=index[a:b], name="returns")

    def __call__(
        self, strategy: Any, params: Mapping[str, Any], symbol: str, timeframe: str, window: Window | None
    ) -> dict[str, float]:
        r = self.returns(strategy, params, symbol, timeframe, window).to_numpy()
        out = series_metrics(r, periods_per_year_for(timeframe, (symbol,)))
        wins = r[r > 0]
        losses = r[r < 0]
        out["trades"] = float(r.size // 5)
        out["win_rate"] = float(wins.size / max(r.size, 1))
        out["expectancy"] = float(r.mean()) if r.size else 0.0
        out["profit_factor"] = float(wins.sum() / -losses.sum()) if losses.size else float("inf")
        out.update(return_statistics(r))
        return out
