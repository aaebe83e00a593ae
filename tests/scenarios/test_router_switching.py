"""Router scenarios: switches happen exactly where the regime series changes, with pinned trades."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphalab.core.bars import BarArrays
from alphalab.core.errors import ValidationError
from alphalab.data.synthetic import gbm
from alphalab.engine import BacktestConfig, run_backtest
from alphalab.regimes.router import RoutingTable, load_table, run_router_backtest

SWITCH = 120


@pytest.fixture
def bars_and_labels() -> tuple[BarArrays, dict[str, pd.Series]]:
    frame = gbm(300, seed=4, sigma=0.4)
    bars = BarArrays.from_frame(frame, "SYN", "1d")
    labels = np.where(np.arange(300) < SWITCH, "bull", "high_vol_chop").astype(object)
    return bars, {"SYN": pd.Series(labels, index=frame.index)}


def _table(on_switch: str) -> RoutingTable:
    return load_table(
        {
            "schema_version": "1.0",
            "name": "trend_then_flat",
            "on_switch": on_switch,
            "entries": {"bull": {"strategy": "sma_cross", "params": {"fast": 5, "slow": 20}}},
            "default": "flat",
        }
    )


def test_close_on_switch_exits_at_next_open_after_switch_bar(bars_and_labels) -> None:
    bars, regimes = bars_and_labels
    res = run_router_backtest(_table("close"), bars, BacktestConfig(), regimes=regimes)
    trades = res.trades
    index = bars.index
    assert len(trades) > 0
    assert (trades["entry_time"] <= index[SWITCH]).all()  # no entry after the table goes flat
    forced = trades[trades["exit_reason"] == "regime_switch"]
    hand = run_backtest("sma_cross", bars, BacktestConfig(), params={"fast": 5, "slow": 20})
    ht = hand.trades
    straddling = ht[(ht["entry_time"] <= index[SWITCH]) & (ht["exit_time"] > index[SWITCH + 1])]
    assert len(forced) == len(straddling) == 1
    assert forced["exit_time"].iloc[0] == index[SWITCH + 1]
    assert forced["exit_price"].iloc[0] == pytest.approx(bars.open[SWITCH + 1, 0])
    # every trade before the switch is the same trade a plain run makes
    before = hand.trades[hand.trades["exit_time"] <= index[SWITCH + 1]]
    cols = ["entry_time", "exit_time", "entry_price", "exit_price", "quantity", "pnl"]
    pd.testing.assert_frame_equal(
        trades[trades["exit_reason"] != "regime_switch"][cols].reset_index(drop=True),
        before[cols].reset_index(drop=True),
    )
    assert set(trades["regime"]) == {"bull"}


def test_keep_on_switch_lets_position_run_to_its_own_exit(bars_and_labels) -> None:
    bars, regimes = bars_and_labels
    res = run_router_backtest(_table("keep"), bars, BacktestConfig(), regimes=regimes)
    assert "regime_switch" not in set(res.trades["exit_reason"])
    hand = run_backtest("sma_cross", bars, BacktestConfig(), params={"fast": 5, "slow": 20})
    index = bars.index
    expected = hand.trades[hand.trades["entry_time"] <= index[SWITCH]]
    cols = ["entry_time", "exit_time", "entry_price", "exit_price", "exit_reason"]
    pd.testing.assert_frame_equal(res.trades[cols].reset_index(drop=True), expected[cols].reset_index(drop=True))


def test_two_configs_route_by_regime_and_match_hand_runs_per_segment() -> None:
    frame = gbm(400, seed=9, sigma=0.5)
    bars = BarArrays.from_frame(frame, "SYN", "1d")
    labels = np.where((np.arange(400) // 100) % 2 == 0, "bull", "bear").astype(object)
    table = load_table(
        {
            "on_switch": "close",
            "entries": {
                "bull": {"strategy": "sma_cross", "params": {"fast": 5, "slow": 20}},
                "bear": {"strategy": "sma_cross", "params": {"fast": 3, "slow": 10}},
            },
        }
    )
    res = run_router_backtest(table, bars, regimes={"SYN": pd.Series(labels, index=frame.index)})
    index = bars.index
    for lab, params in (("bull", {"fast": 5, "slow": 20}), ("bear", {"fast": 3, "slow": 10})):
        mine = res.trades[res.trades["regime"] == lab]
        hand = run_backtest("sma_cross", bars, params=params).trades
        entry_bar = index.get_indexer(pd.DatetimeIndex(mine["entry_time"]))
        assert (labels[entry_bar - 1] == lab).all()  # the signal bar was in the routed regime
        natural = mine[mine["exit_reason"] != "regime_switch"]
        merged = natural.merge(hand, on=["entry_time", "exit_time", "exit_reason"], how="left", indicator=True)
        assert (merged["_merge"] == "both").all()
    forced = res.trades[res.trades["exit_reason"] == "regime_switch"]
    exit_bar = index.get_indexer(pd.DatetimeIndex(forced["exit_time"]))
    assert len(forced) >= 1
    assert set(exit_bar) <= {101, 201, 301}


def test_unknown_label_in_table_is_rejected_with_its_path() -> None:
    with pytest.raises(ValidationError) as info:
        load_table({"entries": {"sideways": {"strategy": "sma_cross"}}})
    assert "$.entries.sideways" in str(info.value)
