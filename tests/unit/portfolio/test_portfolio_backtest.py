"""Portfolio backtests on shared cash: one sleeve reproduces the plain backtest; sleeves compete for cash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from alphalab.core.bars import BarArrays
from alphalab.core.errors import ConfigError
from alphalab.data.loader import load_arrays
from alphalab.engine.backtest import run_backtest
from alphalab.portfolio import PortfolioSpec, parse_portfolio
from alphalab.portfolio.backtest import run_portfolio

_SAME = ["side", "entry_time", "exit_time", "entry_price", "exit_price", "quantity", "fees", "pnl", "exit_reason"]


@pytest.fixture(scope="module")
def bars() -> BarArrays:
    return load_arrays(["AAPL", "MSFT"], "1d")


def test_one_sleeve_at_full_allocation_reproduces_the_backtest(bars: BarArrays) -> None:
    spec = parse_portfolio({"capital": 100_000, "risk": {"max_heat": None, "max_position": None, "drawdown": None,
                                                          "daily_loss": None},
                            "sleeves": [{"id": "trend", "strategy": "sma_cross", "params": {"fast": 10, "slow": 30},
                                         "symbols": ["AAPL", "MSFT"], "allocation": 1.0}]})
    port = run_portfolio(spec, bars)
    plain = run_backtest("sma_cross", bars, params={"fast": 10, "slow": 30})
    assert len(plain.trades) > 20
    pd.testing.assert_frame_equal(port.trades[_SAME].reset_index(drop=True), plain.trades[_SAME])
    assert port.trades["symbol"].tolist() == plain.trades["symbol"].tolist()
    assert set(port.trades["sleeve"]) == {"trend"}
    np.testing.assert_allclose(port.equity["equity"].to_numpy(), plain.equity["equity"].to_numpy(), rtol=0,
                               atol=1e-9)


def _table(closes: list[float]) -> pd.DataFrame:
    idx = pd.date_range("2024-01-01", periods=len(closes), freq="D", tz="UTC")
    c = np.asarray(closes, dtype=float)
    return pd.DataFrame({"open": c, "high": c, "low": c, "close": c, "volume": 1e9}, index=idx)


def _buy_above(tmp_path: Path, name: str, level: float, quantity: float) -> str:
    doc = {"schema_version": "1.1", "id": name, "name": name,
           "entry": {"long": {"gt": {"left": "close", "right": level}}},
           "sizing": {"type": "fixed_quantity", "quantity": quantity}}
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(doc))
    return str(path)


_OFF = {"max_heat": None, "max_position": None, "drawdown": None, "daily_loss": None}


def _two_sleeves(tmp_path: Path, risk: dict[str, Any]) -> PortfolioSpec:
    return parse_portfolio({"capital": 100_000, "allocation": {"method": "equal"}, "risk": risk, "sleeves": [
        {"id": "a", "strategy": _buy_above(tmp_path, "buy_a", 100.5, 600), "symbols": ["XXX"]},
        {"id": "b", "strategy": _buy_above(tmp_path, "buy_b", 100.5, 600), "symbols": ["YYY"]}]})


def test_two_sleeves_share_cash_and_the_second_entry_is_resized(tmp_path: Path) -> None:
    # 100,000 cash; both sleeves signal at the close of bar 1 (close 101 > 100), fill at bar 2's open (100):
    # sleeve "a" (first column) buys 600 x 100 = 60,000; sleeve "b" asks 600 but only 40,000 is left -> 400
    frames = {"XXX": _table([100, 101, 100, 100, 100]), "YYY": _table([100, 101, 100, 100, 100])}
    data = BarArrays.from_frames(frames, "1d")
    port = run_portfolio(_two_sleeves(tmp_path, _OFF), data)
    first = port.trades.sort_values("sleeve").groupby("sleeve").head(1).set_index("sleeve")
    assert first.loc["a", "quantity"] == 600.0
    assert first.loc["b", "quantity"] == 400.0
    assert first.loc["a", "entry_price"] == first.loc["b", "entry_price"] == 100.0
    cash = port.equity["cash"].to_numpy()
    assert cash[2] == pytest.approx(0.0, abs=1e-9)
    orders = port.run.orders
    assert "partial" in set(orders["status"].astype(str))
    assert port.attribution("sleeve")["trades"].to_dict() == {"a": 1, "b": 1}
    assert port.risk_events.empty  # the engine's cash cap, not a gate rule, cut "b"


def test_gate_in_the_simulation_resizes_by_heat_then_denies(tmp_path: Path) -> None:
    # plan default heat 10% of 100,000 = 10,000 at risk; no stop, so the whole notional is at risk:
    # "a" is cut from 600 to 100 units; then 10,000 is already at risk and "b" is denied
    frames = {"XXX": _table([100, 101, 100, 100, 100]), "YYY": _table([100, 101, 100, 100, 100])}
    port = run_portfolio(_two_sleeves(tmp_path, {"max_position": None}), BarArrays.from_frames(frames, "1d"))
    assert port.trades[["sleeve", "quantity"]].values.tolist() == [["a", 100.0]]
    ev = port.risk_events
    assert ev[["bar", "sleeve", "rule", "outcome", "requested", "allowed"]].values.tolist() == [
        [2, "a", "heat", "resize", 600.0, 100.0], [2, "b", "heat", "deny", 600.0, 0.0]]
    assert ev["limit"].tolist() == [0.1, 0.1]
    assert port.risk_event_counts() == {"heat": 2}
    assert port.heat.iloc[2] == pytest.approx(0.1)


def test_drawdown_breaker_in_the_simulation_flattens_and_blocks_entries(tmp_path: Path) -> None:
    # buys 500 x 100 at bar 2; the close falls to 60 at bar 3: equity 80,000, 20% below the HWM -> trip;
    # flatten at bar 4's open; the entry signal at bar 4 is denied while the breaker is on
    frames = {"XXX": _table([100, 101, 100, 60, 101, 100, 100])}
    risk = {**_OFF, "drawdown": {"halt": 0.15, "flatten": True, "cooldown_bars": 10}}
    spec = parse_portfolio({"capital": 100_000, "risk": risk, "sleeves": [
        {"id": "a", "strategy": _buy_above(tmp_path, "buy_a", 100.5, 500), "symbols": ["XXX"], "allocation": 1}]})
    port = run_portfolio(spec, BarArrays.from_frames(frames, "1d"))
    assert port.trades[["quantity", "entry_price", "exit_price"]].values.tolist() == [[500.0, 100.0, 101.0]]
    ev = port.risk_events
    assert ev[["bar", "rule", "outcome"]].values.tolist() == [[4, "drawdown", "flatten"], [5, "drawdown", "deny"]]
    assert port.halted.tolist() == [0, 0, 0, 0, 1, 1, 1]


def test_net_position_sums_the_sleeves_books(tmp_path: Path) -> None:
    frames = {"XXX": _table([100, 101, 100, 100, 100])}
    data = BarArrays.from_frames(frames, "1d")
    spec = parse_portfolio({"capital": 100_000, "allocation": {"method": "equal"}, "risk": _OFF, "sleeves": [
        {"id": "a", "strategy": _buy_above(tmp_path, "buy_a", 100.5, 100), "symbols": ["XXX"]},
        {"id": "b", "strategy": _buy_above(tmp_path, "buy_b", 100.5, 50), "symbols": ["XXX"]}]})
    port = run_portfolio(spec, data)
    assert list(port.books.columns) == ["a:XXX", "b:XXX"]
    assert port.books.iloc[2].tolist() == [100.0, 50.0]
    assert port.net_positions["XXX"].iloc[2] == 150.0
    # equity = cash + marked positions at every bar
    marked = port.net_positions["XXX"].to_numpy() * frames["XXX"]["close"].to_numpy()
    np.testing.assert_allclose(port.equity["equity"], port.equity["cash"] + marked, rtol=0, atol=1e-6)


def test_allocation_scales_fraction_sizing(bars: BarArrays) -> None:
    sleeve = {"strategy": "sma_cross", "symbols": ["AAPL"]}
    spec = parse_portfolio({"capital": 100_000, "risk": _OFF, "sleeves": [
        {"id": "big", "allocation": 0.75, **sleeve}, {"id": "small", "allocation": 0.25, **sleeve}]})
    port = run_portfolio(spec, bars)
    t = port.trades.sort_values("entry_time", kind="stable")
    first = t.groupby("sleeve").head(1).set_index("sleeve")
    notional = first["quantity"] * first["entry_price"]
    assert notional["big"] / notional["small"] == pytest.approx(3.0, rel=1e-9)


def test_mixed_timeframes_are_refused_with_a_hint() -> None:
    spec = parse_portfolio({"allocation": {"method": "equal"}, "sleeves": [
        {"id": "a", "strategy": "sma_cross", "symbols": ["AAPL"], "timeframe": "1d"},
        {"id": "b", "strategy": "sma_cross", "symbols": ["AAPL"], "timeframe": "1h"}]})
    with pytest.raises(ConfigError, match="different timeframes"):
        run_portfolio(spec)


def test_dynamic_allocation_of_twin_sleeves_equals_the_static_half_split(bars: BarArrays) -> None:
    # two identical sleeves have identical returns, so inverse-vol weights are exactly 1/2 at every rebalance
    sleeve = {"strategy": "sma_cross", "params": {"fast": 10, "slow": 30}, "symbols": ["AAPL"]}
    base = {"capital": 100_000, "risk": _OFF, "sleeves": [{"id": "x", **sleeve, "allocation": 0.5},
                                                          {"id": "y", **sleeve, "allocation": 0.5}]}
    static = run_portfolio(parse_portfolio(base), bars)
    dyn_doc = {**base, "allocation": {"method": "inverse_vol", "rebalance": "monthly", "lookback_bars": 60}}
    dynamic = run_portfolio(parse_portfolio(dyn_doc), bars)
    assert len(dynamic.allocations) > 100
    assert all(a.weights == {"x": 0.5, "y": 0.5} for _, a in dynamic.allocations[1:])
    pd.testing.assert_frame_equal(dynamic.trades, static.trades)
    np.testing.assert_allclose(dynamic.equity["equity"], static.equity["equity"], rtol=0, atol=1e-9)


def test_dynamic_allocation_scales_each_bars_sizes_by_that_bars_weight() -> None:
    from alphalab.engine import layout as L
    from alphalab.engine.simulate import EntryRules
    from alphalab.portfolio.backtest import _rules_over_time

    rules = [EntryRules(size="fixed_fraction", size_value=0.8), EntryRules(size="fixed_quantity", size_value=7)]
    w = np.array([[0.2, 0.8], [0.6, 0.4], [1.0, 0.0]])
    arr = _rules_over_time(rules, np.array([0, 1]), w)
    assert arr.shape == (L.NPARAM, 3, 2)
    np.testing.assert_allclose(arr[L.R_SIZE_VAL, :, 0], [0.16, 0.48, 0.8])
    np.testing.assert_array_equal(arr[L.R_SIZE_VAL, :, 1], [7, 7, 7])  # a fixed quantity is not scaled


def test_correlation_bucket_in_the_simulation_caps_the_second_twin(tmp_path: Path) -> None:
    # XXX and YYY move identically (correlation 1 over the 20 bars before the fill); both buy 200 at 111;
    # the bucket's cap is 30% of 100,000: "a" takes 22,200, "b" gets (30,000 - 22,200) / 111 units
    rng = np.random.default_rng(2)
    path = [*(100 + np.cumsum(rng.normal(0, 1, 25)).clip(-8, 8)), 111.0, 111.0, 111.0, 111.0]
    frames = {"XXX": _table(path), "YYY": _table(path)}
    risk = {**_OFF, "correlation": {"threshold": 0.7, "lookback_bars": 20, "cap": 0.3}}
    spec = parse_portfolio({"capital": 100_000, "allocation": {"method": "equal"}, "risk": risk, "sleeves": [
        {"id": "a", "strategy": _buy_above(tmp_path, "buy_a", 110.0, 200), "symbols": ["XXX"]},
        {"id": "b", "strategy": _buy_above(tmp_path, "buy_b", 110.0, 200), "symbols": ["YYY"]}]})
    port = run_portfolio(spec, BarArrays.from_frames(frames, "1d"))
    qty = port.trades.set_index("sleeve")["quantity"]
    assert qty["a"] == 200.0
    assert qty["b"] == pytest.approx((30_000 - 200 * 111.0) / 111.0, rel=1e-12)
    ev = port.risk_events
    assert ev[["bar", "sleeve", "rule", "outcome"]].values.tolist() == [[26, "b", "correlation", "resize"]]


def test_kelly_in_the_simulation_sizes_from_the_sleeves_closed_trades(tmp_path: Path) -> None:
    # with too few closed trades the Kelly rule caps the entry at the 2% fallback of equity
    frames = {"XXX": _table([100, 101, 100, 100, 100])}
    spec = parse_portfolio({"capital": 100_000, "risk": {**_OFF, "kelly": {"fraction": 0.25, "min_trades": 5}},
                            "sleeves": [{"id": "a", "strategy": _buy_above(tmp_path, "buy_a", 100.5, 600),
                                         "symbols": ["XXX"], "allocation": 1}]})
    port = run_portfolio(spec, BarArrays.from_frames(frames, "1d"))
    assert port.trades["quantity"].tolist() == [pytest.approx(20.0)]  # 2,000 / 100
    assert port.risk_events["rule"].tolist() == ["kelly"]


def test_per_regime_cap_in_the_simulation_reads_the_label_at_the_signal_bar(tmp_path: Path) -> None:
    # "bear" caps gross exposure at 5% of 100,000 while the signal bar is labelled bear: 5,000 / 100 = 50 units
    frames = {"XXX": _table([100, 101, 100, 100, 100])}
    data = BarArrays.from_frames(frames, "1d")
    spec = parse_portfolio({"capital": 100_000, "risk": {**_OFF, "per_regime": {"bear": 0.05}}, "sleeves": [
        {"id": "a", "strategy": _buy_above(tmp_path, "buy_a", 100.5, 600), "symbols": ["XXX"], "allocation": 1}]})
    bear = pd.Series(["bull", "bear", "bull", "bull", "bull"], index=data.index)
    port = run_portfolio(spec, data, regimes={"XXX": bear})
    assert port.trades["quantity"].tolist() == [50.0]
    assert port.risk_events[["rule", "outcome"]].values.tolist() == [["regime", "resize"]]
    bull = run_portfolio(spec, data, regimes={"XXX": bear.replace("bear", "bull")})
    assert bull.trades["quantity"].tolist() == [600.0] and bull.risk_events.empty
