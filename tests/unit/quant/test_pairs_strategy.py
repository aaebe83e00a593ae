"""pairs_cointegration trades both legs on shared cash, sized by the Kalman hedge, without look-ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import alphalab as al
from alphalab.data import load_bars
from alphalab.quant import pairs
from alphalab.quant.pairs_strategy import PairsCointegration

PAIR = ["sample:GOOG", "sample:MSFT"]
RUN = {"start": "2004-09-01", "end": "2009-01-01", "fee_bps": 5, "slippage_bps": 5, "max_pvalue": 0.2}


@pytest.mark.slow
def test_pairs_trade_both_legs_in_opposite_directions_sized_by_the_hedge() -> None:
    trades = al.backtest(PairsCointegration, PAIR, **RUN).trades
    assert len(trades) >= 6 and len(trades) % 2 == 0
    closes = pd.concat([load_bars(s)["close"] for s in PAIR], axis=1, join="inner").loc["2004-09-01":"2009-01-01"]
    kal = pairs.kalman_hedge_ratio(closes.iloc[:, 0].to_numpy(), closes.iloc[:, 1].to_numpy(), 1e-4, 1.0)
    hedge = pd.Series(kal[:, 0], index=closes.index)
    for _, legs in trades.groupby("entry_time"):
        assert set(legs["symbol"]) == set(PAIR) and set(legs["side"]) == {"long", "short"}
        qa = float(legs.loc[legs["symbol"] == PAIR[0], "quantity"].iloc[0])
        qb = float(legs.loc[legs["symbol"] == PAIR[1], "quantity"].iloc[0])
        decided = hedge.index[hedge.index.get_loc(legs["entry_time"].iloc[0]) - 1]  # filled at the next open
        assert qb / qa == pytest.approx(hedge.loc[decided], rel=1e-9)


@pytest.mark.slow
def test_pairs_trades_before_a_cut_ignore_the_data_after_it() -> None:
    full = al.backtest(PairsCointegration, PAIR, **RUN).trades
    cut = pd.Timestamp("2007-06-01", tz="UTC")
    short = al.backtest(PairsCointegration, PAIR, **{**RUN, "end": "2007-06-01"}).trades
    done = full[full["exit_time"] < cut - pd.Timedelta(days=7)]
    assert len(done) >= 2
    mine = short[short["exit_time"] < cut - pd.Timedelta(days=7)]
    cols = ["symbol", "side", "entry_time", "exit_time", "quantity", "entry_price", "exit_price"]
    pd.testing.assert_frame_equal(done[cols].reset_index(drop=True), mine[cols].reset_index(drop=True))
    assert np.isfinite(done["pnl"]).all()
