"""donchian_breakout does what its description says: closes beyond the previous bars' highest high / lowest low."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from alphalab.core.bars import BarArrays
from alphalab.sdl import compile, load
from alphalab.sdl.sources import builtin_dir

BUILTINS = sorted(builtin_dir().glob("*.json"))


def _previous(x: pd.Series, n: int, highest: bool) -> np.ndarray:
    """Highest (lowest) of the ``n`` bars before each bar, by pandas (NaN until n earlier bars exist)."""
    roll = x.rolling(n, min_periods=n)
    return (roll.max() if highest else roll.min()).shift(1).to_numpy()


@pytest.mark.parametrize("params", [{}, {"entry_bars": 30, "exit_bars": 15}])
def test_donchian_breakout_signals_equal_the_described_rule(stock_bars: BarArrays, params: dict) -> None:
    spec = load("donchian_breakout", params=params)
    n, m = spec.param_values["entry_bars"], spec.param_values["exit_bars"]
    sig = compile(spec).signals(stock_bars)
    for a in range(stock_bars.n_assets):
        close = stock_bars.close[:, a]
        high, low = pd.Series(stock_bars.high[:, a]), pd.Series(stock_bars.low[:, a])
        with np.errstate(invalid="ignore"):
            want = {
                "entry_long": close > _previous(high, n, True),
                "entry_short": close < _previous(low, n, False),
                "exit_long": close < _previous(low, m, False),
                "exit_short": close > _previous(high, m, True),
            }
        for side, expected in want.items():
            got = getattr(sig, side)[:, a]
            np.testing.assert_array_equal(got, expected, err_msg=side)
            assert expected.sum() > 0, side
    assert "channel.upper" in sig.indicators and "exit_channel.lower" in sig.indicators


def test_breakout_reference_compares_with_another_series() -> None:
    idx = pd.date_range("2024-01-01", periods=5, freq="D", tz="UTC")
    frame = pd.DataFrame({"open": 1.0, "high": [10.0, 12.0, 11.0, 11.5, 13.0],
                          "low": 1.0, "close": [9.0, 11.0, 12.5, 11.9, 12.9], "volume": 1.0}, index=idx)
    spec = load({"schema_version": "1.1", "id": "t", "name": "t", "timeframe": "1d", "indicators": {},
                 "entry": {"long": {"breakout": {"value": "close", "direction": "up", "bars": 2,
                                                 "reference": "high"}}}, "exit": {}})
    sig = compile(spec).signals(BarArrays.from_frame(frame, "X", "1d"))
    # bar 2: 12.5 > max(10, 12); bar 3: 11.9 < max(12, 11); bar 4: 12.9 > max(11, 11.5)
    assert np.flatnonzero(sig.entry_long[:, 0]).tolist() == [2, 4]


def _operands(node: object) -> set[str]:
    if isinstance(node, dict):
        return {s for v in node.values() for s in _operands(v)}
    if isinstance(node, list):
        return {s for v in node for s in _operands(v)}
    return {node.split(".")[0]} if isinstance(node, str) else set()


@pytest.mark.parametrize("path", BUILTINS, ids=lambda p: p.stem)
def test_every_declared_indicator_of_a_builtin_is_used(path) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(path.read_text())
    used = _operands([doc.get("entry"), doc.get("exit")])
    for conf in doc.get("confirmations", []):
        assert set(conf.get("indicators", {})) <= _operands([conf.get("long"), conf.get("short")]), path.stem
    assert set(doc.get("indicators", {})) <= used, path.stem
