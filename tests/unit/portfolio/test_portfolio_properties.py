"""Portfolio simulation invariants with the gate on: accounting identity, and the future never changes the past."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alphalab.core.bars import BarArrays
from alphalab.data.loader import load_arrays
from alphalab.portfolio import parse_portfolio
from alphalab.portfolio.backtest import run_portfolio


@pytest.fixture(scope="module")
def bars() -> BarArrays:
    return load_arrays(["AAPL", "MSFT", "IBM"], "1d", "2004-01-01", "2008-12-31")


def _spec(risk: dict[str, Any]) -> Any:
    return parse_portfolio({"capital": 100_000, "risk": risk, "costs": {"fee_bps": 5}, "sleeves": [
        {"id": "trend", "strategy": "sma_cross", "params": {"fast": 5, "slow": 20}, "symbols": ["AAPL", "MSFT"],
         "allocation": 0.5},
        {"id": "fast", "strategy": "ema_cross", "symbols": ["MSFT", "IBM"], "allocation": 0.5}]})


risk_st = st.fixed_dictionaries({
    "max_heat": st.none() | st.floats(0.05, 1.0), "max_position": st.none() | st.floats(0.05, 0.5),
    "max_gross": st.none() | st.floats(0.2, 1.0),
    "drawdown": st.none() | st.builds(lambda h, c: {"halt": h, "cooldown_bars": c, "restart_hwm": True},
                                      st.floats(0.05, 0.3), st.integers(0, 30)),
    "daily_loss": st.none() | st.builds(lambda x: {"limit": x}, st.floats(0.005, 0.05)),
    "kelly": st.none() | st.builds(lambda f: {"fraction": f, "min_trades": 3}, st.floats(0.1, 1.0)),
})


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(risk=risk_st)
def test_equity_is_cash_plus_marked_positions_at_every_bar(bars: BarArrays, risk: dict[str, Any]) -> None:
    port = run_portfolio(_spec(risk), bars)
    closes = {s: bars.close[:, i] for i, s in enumerate(bars.symbols)}
    marks = {s: _ffill(c) for s, c in closes.items()}
    marked = sum(port.net_positions[s].to_numpy() * marks[s] for s in port.net_positions.columns)
    np.testing.assert_allclose(port.equity["equity"], port.equity["cash"] + marked, rtol=1e-10, atol=1e-6)
    assert float(port.trades["pnl"].sum()) == pytest.approx(port.run.final_equity - 100_000, abs=1e-6)


def _ffill(x: np.ndarray) -> np.ndarray:
    out = x.copy()
    for i in range(1, len(out)):
        if out[i] != out[i]:
            out[i] = out[i - 1]
    return out


def _cut(bars: BarArrays, stop: int) -> BarArrays:
    return dataclasses.replace(bars, time=bars.time[:stop], **{c: getattr(bars, c)[:stop] for c in
                                                               ("open", "high", "low", "close", "volume")})


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(risk=risk_st, cut=st.integers(300, 1200))
def test_changing_the_future_never_changes_past_decisions(bars: BarArrays, risk: dict[str, Any], cut: int) -> None:
    full = run_portfolio(_spec(risk), bars)
    early = run_portfolio(_spec(risk), _cut(bars, cut))
    last = cut - 2  # the truncated run closes everything at its last bar
    ev_full = full.risk_events[full.risk_events["bar"] < last].reset_index(drop=True)
    ev_early = early.risk_events[early.risk_events["bar"] < last].reset_index(drop=True)
    assert ev_full.equals(ev_early)
    t_full = full.trades[full.trades["exit_time"] < bars.index[last]].reset_index(drop=True)
    t_early = early.trades[early.trades["exit_time"] < bars.index[last]].reset_index(drop=True)
    assert t_full.drop(columns="id").equals(t_early.drop(columns="id"))
    np.testing.assert_array_equal(full.equity["equity"].to_numpy()[:last], early.equity["equity"].to_numpy()[:last])
