"""SDL ``filters.regimes`` gates entries: a bull-only strategy enters only where the regime is bull."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import alphalab.sdl as sdl
import alphalab.strategies
from alphalab.core.bars import BarArrays
from alphalab.data.synthetic import regime_switching
from alphalab.engine import run_backtest

PARAMS = {"fast": 5, "slow": 20}


def _sma_cross_doc(regimes: list[str] | None) -> dict:
    doc = json.loads((Path(alphalab.strategies.__file__).parent / "builtin" / "sma_cross.json").read_text())
    doc["id"] = "sma_cross_regime_filtered"
    if regimes is not None:
        doc["filters"] = {"regimes": regimes}
    return doc


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, BarArrays, pd.Series]:
    frame, truth = regime_switching(1500, 2)
    return frame, BarArrays.from_frame(frame, "SYN", "1d"), truth


def _signal_bars(trades: pd.DataFrame, index: pd.DatetimeIndex) -> np.ndarray:
    """Bars whose close decided each entry (next-open fills enter one bar after the signal)."""
    return index.get_indexer(pd.DatetimeIndex(trades["entry_time"])) - 1


def test_bull_filter_enters_only_on_bull_signal_bars(data) -> None:
    frame, bars, truth = data
    spec = sdl.load(_sma_cross_doc(["bull"]), params=PARAMS)
    trades = run_backtest(spec, bars, regimes={"SYN": truth}).trades
    assert len(trades) >= 5
    assert (trades["regime"] == "bull").all()
    signal = _signal_bars(trades, frame.index)
    assert (truth.to_numpy()[signal] == "bull").all()  # the true label, not only the engine's field
    # independent reference: every SMA(5)/SMA(20) cross above on a bull bar opens exactly one trade
    close = frame["close"]
    fast, slow = close.rolling(5).mean().to_numpy(), close.rolling(20).mean().to_numpy()
    above = fast > slow
    cross = np.flatnonzero(above[1:] & ~above[:-1] & np.isfinite(slow[:-1])) + 1
    expected = [t for t in cross if truth.iloc[t] == "bull" and t + 1 < len(frame)]
    assert signal.tolist() == expected


def test_without_the_filter_trades_also_enter_in_other_regimes(data) -> None:
    frame, bars, truth = data
    spec = sdl.load(_sma_cross_doc(None), params=PARAMS)
    trades = run_backtest(spec, bars, regimes={"SYN": truth}).trades
    regimes = set(trades["regime"])
    assert "bull" in regimes and regimes - {"bull"}
    signal = _signal_bars(trades, frame.index)
    np.testing.assert_array_equal(trades["regime"].to_numpy(dtype=object), truth.to_numpy()[signal])


def test_filter_with_unknown_labels_never_enters_on_warm_up_bars(data) -> None:
    frame, bars, truth = data
    labels = truth.copy()
    labels.iloc[:750] = ""  # what a detector emits before its first fit
    spec = sdl.load(_sma_cross_doc(["bull", "bear"]), params=PARAMS)
    trades = run_backtest(spec, bars, regimes={"SYN": labels}).trades
    signal = _signal_bars(trades, frame.index)
    assert len(trades) > 0 and (signal >= 750).all()
    assert set(trades["regime"]) <= {"bull", "bear"}
