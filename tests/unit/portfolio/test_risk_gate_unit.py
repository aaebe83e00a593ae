"""The risk gate's pieces: state round trip, Kelly fraction, correlation buckets, day numbers, outcomes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from alphalab.core.errors import ConfigError
from alphalab.portfolio.gate import Account, GateState, Intent, RiskGate, day_numbers, risk_event
from alphalab.portfolio.gate_nb import correlation_buckets
from alphalab.portfolio.spec import KellySizing, RiskLimits


def _gate(**kw: object) -> RiskGate:
    base: dict[str, object] = {"max_heat": None, "max_position": None, "drawdown": None, "daily_loss": None}
    return RiskGate(RiskLimits.model_validate({**base, **kw}), assets=["A", "B"], sleeves=["s"])


def test_state_survives_a_json_round_trip_after_a_trip() -> None:
    gate = RiskGate(RiskLimits(), assets=["A"], sleeves=["s"])
    state = gate.new_state(100.0)
    for bar, eq in enumerate([100.0, 120.0, 100.0]):
        state, _ = gate.on_bar(state, eq, bar, 19000.0)
    assert state.breaker_tripped and state.high_water_mark == 120.0 and state.trip_bar == 2
    restored = GateState.from_json(json.loads(json.dumps(state.to_json())))
    assert restored == state
    assert GateState.from_dict(state.to_dict()).to_array().tolist() == pytest.approx(state.to_array().tolist(),
                                                                                      nan_ok=True)


def test_state_from_dict_rejects_unknown_keys() -> None:
    with pytest.raises(ConfigError, match="unknown key"):
        GateState.from_dict({"high_water_mark": 1.0, "hwm": 2.0})


def _kelly_reference(returns: list[float], fraction: float, cap: float) -> float:
    wins = [r for r in returns if r > 0]
    losses = [-r for r in returns if r < 0]
    w = len(wins) / len(returns)
    ratio = (sum(wins) / len(wins)) / (sum(losses) / len(losses))
    return min(max(fraction * (w - (1 - w) / ratio), 0.0), cap)


def test_kelly_size_matches_the_formula_on_the_trailing_window() -> None:
    gate = _gate(kelly=KellySizing(fraction=0.25, lookback_trades=4, min_trades=3, cap=0.5).model_dump())
    trades = [-0.5, 0.1, -0.05, 0.2, 0.1]  # the first trade falls out of the 4-trade window
    assert gate.kelly(trades) == pytest.approx(_kelly_reference(trades[1:], 0.25, 0.5), rel=1e-12)
    assert gate.kelly(trades[:2]) == 0.02  # fewer than min_trades: the fallback
    assert gate.kelly([-0.1, -0.2, -0.1]) == 0.0
    assert np.isnan(_gate().kelly(trades))  # Kelly off


def test_correlation_buckets_join_correlated_assets_and_agree_with_numpy() -> None:
    rng = np.random.default_rng(7)
    base = rng.normal(0, 0.01, 200)
    r = np.column_stack([base + rng.normal(0, 0.002, 200), rng.normal(0, 0.01, 200),
                         base + rng.normal(0, 0.002, 200), rng.normal(0, 0.01, 200)])
    buckets = correlation_buckets(r, 0.7)
    corr = np.corrcoef(r.T)
    assert corr[0, 2] > 0.7 and abs(corr[0, 1]) < 0.7
    assert buckets.tolist() == [0, -1, 0, -1]


def test_day_numbers_reset_on_utc_days_or_venue_sessions() -> None:
    idx = pd.DatetimeIndex(["2024-03-04 20:00", "2024-03-04 23:30", "2024-03-05 01:00", "2024-03-05 15:00"],
                           tz="UTC")
    utc = day_numbers(idx, "utc_day")
    assert (utc[1] - utc[0], utc[2] - utc[1]) == (0, 1)
    session = day_numbers(idx, "session", timezone="America/New_York")  # 01:00 UTC is 20:00 the day before
    assert (session[2] - session[0], session[3] - session[2]) == (0, 1)


def test_resize_and_denial_carry_rule_values_and_an_event() -> None:
    gate = _gate(max_position=0.2)
    state = gate.new_state(100_000.0)
    account = Account(equity=100_000.0, buying_power=100_000.0)
    intent = Intent("s", "A", 1, 300.0, 100.0, bar=4)
    d = gate.check(intent, state, account)
    assert (d.outcome, d.quantity, d.rule) == ("resize", 200.0, "position")
    assert (d.value, d.limit) == (pytest.approx(0.3), 0.2)
    assert "resized to 200 by the position rule" in d.reason
    ev = risk_event(intent, d)
    assert ev is not None and (ev.bar, ev.rule, ev.requested, ev.allowed) == (4, "position", 300.0, 200.0)
    assert risk_event(intent, gate.check(Intent("s", "A", 1, 10.0, 100.0), state, account)) is None


def test_unknown_sleeve_or_asset_is_an_error() -> None:
    with pytest.raises(ConfigError, match="not in this gate"):
        _gate().check(Intent("x", "A", 1, 1.0, 1.0), _gate().new_state(1.0), Account(1.0, 1.0))
    with pytest.raises(ConfigError, match="per_asset names Z"):
        _gate(per_asset={"Z": 0.1})
