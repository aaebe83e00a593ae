"""Indicator names may use any script's letters (média, 移動平均); results equal the ASCII-named twin."""

from __future__ import annotations

import json

from alphalab.data import load_arrays
from alphalab.engine import run_backtest
from alphalab.sdl import load


def _doc(fast: str, slow: str) -> dict:
    return {
        "id": "named", "name": "Named",
        "indicators": {fast: {"type": "sma", "params": {"period": 10}}, slow: {"type": "sma", "params": {"period": 30}}},
        "entry": {"long": {"cross_above": {"left": fast, "right": slow}}},
        "exit": {"long": {"cross_below": {"left": fast, "right": slow}}},
    }


def test_unicode_indicator_names_trade_like_ascii_names(tmp_path):
    path = tmp_path / "uni.json"
    path.write_text(json.dumps(_doc("média", "移動平均"), ensure_ascii=False), encoding="utf-8")
    bars = load_arrays(["sample:AAPL"], "1d")
    uni = run_backtest(load(path), bars)
    ascii_ = run_backtest(load(_doc("media", "slow_ma")), bars)
    assert len(uni.trades) == len(ascii_.trades) > 0
    assert uni.equity["equity"].iloc[-1] == ascii_.equity["equity"].iloc[-1]
