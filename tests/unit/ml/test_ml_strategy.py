"""ml_walk_forward retrains inside the backtest and passes the look-ahead checker."""

from __future__ import annotations

import pandas as pd
import pytest

import alphalab as al
from alphalab.core.bars import BarArrays
from alphalab.engine.lookahead import check_lookahead
from alphalab.ml.strategy import WalkForwardML

PARAMS = {"model": "logistic", "min_train": 200, "retrain_every": 100, "embargo": 3}


@pytest.mark.slow
def test_walk_forward_ml_strategy_trades_and_passes_the_lookahead_checker() -> None:
    frame = al.load("sample:AAPL", start="2004-01-01", end="2006-06-01")
    bars = BarArrays.from_frame(frame, "sample:AAPL", "1d")
    run = al.backtest(WalkForwardML, frame, **PARAMS)
    assert len(run.trades) >= 5
    first_entry = pd.Timestamp(run.trades["entry_time"].min())
    assert first_entry > frame.index[200]  # nothing before the first fit
    report = check_lookahead(WalkForwardML, bars, n_cuts=3, params=PARAMS)
    assert report.ok, report.differences[:3]
