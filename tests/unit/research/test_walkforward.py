"""Walk-forward splitting, no leakage of OOS bars into IS optimisation, efficiency and stability."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphalab.core.errors import ConfigError
from alphalab.research.evaluator import Window
from alphalab.research.executors import LocalExecutor
from alphalab.research.optimize import optimize
from alphalab.research.series import series_metrics
from alphalab.research.space import SearchSpace, parse_override
from alphalab.research.walkforward import parameter_stability, split, walk_forward

N = 400


@dataclass(frozen=True)
class Planted:
    """p=7 looks great only on bars >= 350 (the last OOS window); p=3 earns a small steady drift."""

    seen: list[Window] = field(default_factory=list, compare=False, hash=False)

    def fingerprint(self, strategy: Any, symbol: str, timeframe: str, window: Any) -> str:
        return "planted"

    def _series(self, p: int) -> np.ndarray:
        noise = np.random.default_rng(p).normal(0, 0.002, N)
        if p == 7:
            r = noise - 0.0003
            r[350:] += 0.03
            return r
        return noise + (0.0008 if p == 3 else 0.0)

    def returns(self, strategy: Any, params: Any, symbol: str, timeframe: str, window: Window | None) -> pd.Series:
        w = window or Window(0, N)
        self.seen.append(w)
        idx = pd.date_range("2021-01-01", periods=N, freq="D", tz="UTC")
        return pd.Series(self._series(int(params["p"]))[w.start : w.stop], index=idx[w.start : w.stop])

    def __call__(self, strategy: Any, params: Any, symbol: str, timeframe: str, window: Window | None) -> dict[str, float]:
        return series_metrics(self.returns(strategy, params, symbol, timeframe, window).to_numpy(), 252.0)


SPACE = SearchSpace({"p": parse_override("p=1:9")})


def test_planted_signal_wins_only_when_oos_bars_are_seen() -> None:
    ev = Planted()
    leaked = optimize(ev, "s", "X", "1d", space=SPACE, executor=LocalExecutor(1), window=Window(300, N))
    assert leaked.best_params(stable=False)["p"] == 7  # the plant works when the future is visible


@pytest.mark.parametrize("mode", ["rolling", "anchored"])
def test_walk_forward_never_optimises_on_its_test_bars(mode: str) -> None:
    ev = Planted()
    res = walk_forward(ev, "s", "X", "1d", space=SPACE, n_bars=N, train=145, test=50, mode=mode, purge=3,
                       embargo=2, executor=LocalExecutor(1), stable=False)
    chosen = [p["p"] for p in res.folds["params"]]
    assert 7 not in chosen and chosen.count(3) >= len(chosen) - 1
    assert res.folds["oos_stop"].iloc[-1] == 400  # the planted segment is an OOS window
    assert res.folds["oos_start"].iloc[-1] == 350


def test_split_rolling_and_anchored_windows() -> None:
    r = split(100, train=40, test=20, purge=2, embargo=3)
    assert [(f.train.start, f.train.stop, f.test.start, f.test.stop) for f in r] == [(0, 40, 45, 65), (20, 60, 65, 85)]
    a = split(100, train=40, test=20, mode="anchored")
    assert [(f.train.start, f.train.stop) for f in a] == [(0, 40), (0, 60), (0, 80)]
    with pytest.raises(ConfigError):
        split(10, train=40, test=20)


@settings(max_examples=25, deadline=None)
@given(st.integers(60, 500), st.integers(10, 50), st.integers(5, 30), st.integers(0, 5), st.integers(0, 5),
       st.sampled_from(["rolling", "anchored"]))
def test_split_invariants(n: int, train: int, test: int, purge: int, embargo: int, mode: str) -> None:
    try:
        folds = split(n, train=train, test=test, purge=purge, embargo=embargo, mode=mode)
    except ConfigError:
        assert train + purge + embargo + test > n
        return
    for f in folds:
        assert f.train.stop + purge + embargo == f.test.start
        assert f.test.stop <= n and f.train.start >= 0
    starts = [f.test.start for f in folds]
    assert starts == sorted(starts) and all(b - a == test for a, b in itertools.pairwise(starts))


def test_efficiency_and_stitched_curve_match_fold_rows() -> None:
    ev = Planted()
    res = walk_forward(ev, "s", "X", "1d", space=SPACE, n_bars=350, train=100, test=50,
                       executor=LocalExecutor(1), stable=False)
    ok = res.folds
    assert res.efficiency == pytest.approx(ok["oos_annual_return"].mean() / ok["is_annual_return"].mean())
    assert len(res.oos_returns) == 50 * len(ok)
    assert res.oos_equity.iloc[-1] == pytest.approx(float(np.prod(1 + res.oos_returns.to_numpy())))
    assert res.stability["p"] == pytest.approx(1 - np.std([p["p"] for p in ok["params"]]) / 8)


def test_parameter_stability_choice_share() -> None:
    space = SearchSpace({"m": parse_override("m=a,b")})
    assert parameter_stability([{"m": "a"}, {"m": "a"}, {"m": "b"}, {"m": "a"}], space)["m"] == 0.75
