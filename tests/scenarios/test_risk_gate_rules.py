"""Candle-table scenarios, one per risk rule, with the hand-computed approve / resize / deny."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from alphalab.portfolio.gate import Account, Intent, RiskGate, day_numbers
from alphalab.portfolio.gate_nb import correlation_buckets
from alphalab.portfolio.spec import RiskLimits

ASSETS = ["AAA", "BBB", "CCC"]


def _gate(sleeves: tuple[str, ...] = ("s1",), regimes: tuple[str, ...] = (), fee_bps: float = 0.0,
          **kw: Any) -> RiskGate:
    off: dict[str, Any] = {"max_heat": None, "max_position": None, "drawdown": None, "daily_loss": None}
    return RiskGate(RiskLimits.model_validate({**off, **kw}), assets=ASSETS, sleeves=list(sleeves),
                    regimes=list(regimes), fee_bps=fee_bps)


def _acct(equity: float = 100_000.0, cash: float | None = None, **kw: Any) -> Account:
    return Account(equity=equity, buying_power=equity if cash is None else cash, **kw)


def _check(gate: RiskGate, intent: Intent, account: Account, **kw: Any) -> tuple[str, float, str]:
    d = gate.check(intent, gate.new_state(account.equity), account, **kw)
    return d.outcome, round(d.quantity, 9), d.rule


def test_heat_resizes_to_the_open_risk_room() -> None:
    # 6,000 already at risk; 10% of 100,000 allows 4,000 more; stop 10 below 100 risks 10/unit -> 400 units
    gate = _gate(max_heat=0.10)
    acct = _acct(open_risk=6_000.0)
    assert _check(gate, Intent("s1", "AAA", 1, 300, 100.0, stop=90.0), acct) == ("approve", 300, "none")
    assert _check(gate, Intent("s1", "AAA", 1, 500, 100.0, stop=90.0), acct) == ("resize", 400, "heat")
    # no stop: the whole notional is at risk -> 4,000 / 100 = 40 units
    assert _check(gate, Intent("s1", "AAA", 1, 500, 100.0), acct) == ("resize", 40, "heat")
    assert _check(gate, Intent("s1", "AAA", 1, 5, 100.0), _acct(open_risk=10_000.0)) == ("deny", 0, "heat")


def test_position_cap_counts_the_existing_account_position() -> None:
    gate = _gate(max_position=0.20)
    acct = _acct(asset_exposure={"AAA": 5_000.0})
    # long on top of a 5,000 long: 20,000 - 5,000 = 15,000 -> 150 units
    assert _check(gate, Intent("s1", "AAA", 1, 300, 100.0), acct) == ("resize", 150, "position")
    # short against it: may go to -20,000, i.e. 25,000 of selling -> 250 units
    assert _check(gate, Intent("s1", "AAA", -1, 300, 100.0), acct) == ("resize", 250, "position")
    assert _check(gate, Intent("s1", "BBB", 1, 200, 100.0), acct) == ("approve", 200, "none")


def test_correlation_bucket_shares_one_cap() -> None:
    rng = np.random.default_rng(3)
    base = rng.normal(0, 0.01, 120)
    returns = np.column_stack([base + rng.normal(0, 0.001, 120), base + rng.normal(0, 0.001, 120),
                               rng.normal(0, 0.01, 120)])
    buckets = correlation_buckets(returns, 0.7)
    assert buckets.tolist() == [0, 0, -1]
    gate = _gate(correlation={"threshold": 0.7, "lookback_bars": 120, "cap": 0.30})
    acct = _acct(asset_exposure={"AAA": 20_000.0}, buckets=dict(zip(ASSETS, buckets.tolist(), strict=True)))
    # AAA and BBB share 30,000: 20,000 used -> 10,000 for BBB -> 100 units; CCC is in no bucket
    assert _check(gate, Intent("s1", "BBB", 1, 150, 100.0), acct) == ("resize", 100, "correlation")
    assert _check(gate, Intent("s1", "CCC", 1, 150, 100.0), acct) == ("approve", 150, "none")


def test_per_regime_cap_binds_only_in_its_regime() -> None:
    gate = _gate(regimes=("bull", "bear"), per_regime={"bear": 0.30})
    acct = _acct(asset_exposure={"AAA": 25_000.0})
    assert _check(gate, Intent("s1", "BBB", 1, 100, 100.0, regime="bear"), acct) == ("resize", 50, "regime")
    assert _check(gate, Intent("s1", "BBB", 1, 100, 100.0, regime="bull"), acct) == ("approve", 100, "none")


def test_per_asset_and_per_sleeve_caps() -> None:
    gate = _gate(sleeves=("s1", "s2"), per_asset={"CCC": 0.05}, per_sleeve={"s2": 0.10})
    acct = _acct(sleeve_gross={"s2": 8_000.0})
    assert _check(gate, Intent("s1", "CCC", 1, 100, 100.0), acct) == ("resize", 50, "asset")
    assert _check(gate, Intent("s2", "AAA", 1, 100, 100.0), acct) == ("resize", 20, "sleeve")
    assert _check(gate, Intent("s1", "AAA", 1, 100, 100.0), acct) == ("approve", 100, "none")


def test_gross_and_net_exposure_caps() -> None:
    acct = _acct(asset_exposure={"AAA": 60_000.0, "BBB": -30_000.0})  # gross 90,000, net 30,000
    assert _check(_gate(max_gross=1.0), Intent("s1", "CCC", 1, 200, 100.0), acct) == ("resize", 100, "gross")
    # selling AAA down reduces gross first: 60,000 + 10,000 room = up to 70,000 of selling... capped by the ask
    assert _check(_gate(max_gross=1.0), Intent("s1", "AAA", -1, 500, 100.0), acct) == ("approve", 500, "none")
    assert _check(_gate(max_net=0.5), Intent("s1", "CCC", 1, 300, 100.0), acct) == ("resize", 200, "net")


def _replay(gate: RiskGate, stamps: list[str], equity: list[float]) -> list[tuple[str, str]]:
    """Feed a table of (time, equity) to the gate; try a small entry at every bar."""
    state = gate.new_state(equity[0])
    days = day_numbers(pd.DatetimeIndex(stamps, tz="UTC"))
    out = []
    for bar, (eq, day) in enumerate(zip(equity, days, strict=True)):
        state, _ = gate.on_bar(state, eq, bar, float(day))
        d = gate.check(Intent("s1", "AAA", 1, 1.0, 10.0, bar=bar), state, _acct(eq))
        out.append((d.outcome, d.rule))
    return out


def test_drawdown_breaker_trips_at_15_percent_and_resumes_by_its_rule() -> None:
    gate = _gate(drawdown={"halt": 0.15, "resume_below": 0.05, "cooldown_bars": 2})
    stamps = [f"2024-01-0{d}" for d in range(1, 8)]
    # HWM 110; 95 is 13.6% down (trading), 93 is 15.5% (trip at bar 3); 106 is 3.6% down but only one bar
    # after the trip (cooldown 2); bar 5 resumes; bar 6 at 100 (9.1% down) keeps trading
    equity = [100.0, 110.0, 95.0, 93.0, 106.0, 106.0, 100.0]
    got = _replay(gate, stamps, equity)
    assert [o for o, _ in got] == ["approve", "approve", "approve", "deny", "deny", "approve", "approve"]
    assert got[3] == ("deny", "drawdown")


def test_drawdown_breaker_with_flatten_signals_the_flatten_once() -> None:
    gate = _gate(drawdown={"halt": 0.10, "flatten": True, "cooldown_bars": 1})
    state = gate.new_state(100.0)
    flags = []
    for bar, eq in enumerate([100.0, 89.0, 89.0, 89.0]):
        state, flat = gate.on_bar(state, eq, bar, 0.0)
        flags.append((flat, state.breaker_tripped))
    # trips at bar 1 (flatten now); resumes after the 1-bar cooldown with the HWM restarted at 89
    assert flags == [(False, False), (True, True), (False, False), (False, False)]
    assert state.high_water_mark == 89.0


def test_drawdown_breaker_with_restart_resumes_after_the_cooldown_from_a_new_mark() -> None:
    gate = _gate(drawdown={"halt": 0.20, "restart_hwm": True, "cooldown_bars": 2})
    # trips at bar 1 (75 is 25% below 100); stays flat at 75; resumes at bar 3 (2 bars later), HWM 75;
    # a fall to 59 (21.3% below 75) trips it again at bar 4
    stamps = [f"2024-01-0{d}" for d in range(1, 6)]
    got = _replay(gate, stamps, [100.0, 75.0, 75.0, 75.0, 59.0])
    assert [o for o, _ in got] == ["approve", "deny", "deny", "approve", "deny"]


def test_daily_loss_limit_trips_and_resets_at_the_utc_day_boundary() -> None:
    gate = _gate(daily_loss={"limit": 0.05})
    stamps = ["2024-01-02 10:00", "2024-01-02 14:00", "2024-01-02 15:00", "2024-01-02 16:00",
              "2024-01-03 09:00", "2024-01-03 10:00"]
    # day 1 starts at 100,000: 96,000 is -4%, 94,900 is -5.1% (halt), 97,000 stays halted that day;
    # day 2 starts at 97,000: trading again; 92,150 is -5.0% of 97,000 (halt)
    equity = [100_000.0, 96_000.0, 94_900.0, 97_000.0, 97_000.0, 92_150.0]
    got = _replay(gate, stamps, equity)
    assert got == [("approve", "none"), ("approve", "none"), ("deny", "daily_loss"), ("deny", "daily_loss"),
                   ("approve", "none"), ("deny", "daily_loss")]


def test_kelly_sizes_from_the_sleeves_trailing_closed_trades() -> None:
    gate = _gate(kelly={"fraction": 0.25, "min_trades": 5, "lookback_trades": 50})
    trades = [0.10, -0.05, 0.10, -0.05, 0.10]
    # W = 0.6, R = 0.10 / 0.05 = 2, f* = 0.6 - 0.4 / 2 = 0.4, a quarter of it: 10% of 100,000 -> 100 units
    assert _check(gate, Intent("s1", "AAA", 1, 200, 100.0), _acct(), trade_returns=trades) == ("resize", 100,
                                                                                               "kelly")
    # four trades: below min_trades, the 2% fallback -> 20 units
    assert _check(gate, Intent("s1", "AAA", 1, 200, 100.0), _acct(), trade_returns=trades[:4]) == ("resize", 20,
                                                                                                   "kelly")


def test_shared_cash_resizes_the_second_sleeve_then_denies_the_third() -> None:
    # 30,000 cash, fee 10 bps, lot 1: sleeve 1 buys 200 x 100 (20,020 with the fee), leaving 9,980;
    # sleeve 2 asks 150 x 100: 9,980 / 1.001 = 9,970.03 -> 99.7003 units -> 99 after lot rounding
    gate = _gate(sleeves=("s1", "s2", "s3"), fee_bps=10.0, lot_size=1.0)
    state = gate.new_state(30_000.0)
    d1 = gate.check(Intent("s1", "AAA", 1, 200, 100.0), state, _acct(30_000.0))
    assert (d1.outcome, d1.quantity) == ("approve", 200)
    cash = 30_000.0 - 200 * 100.0 * 1.001
    acct = _acct(30_000.0, cash=cash, asset_exposure={"AAA": 20_000.0}, sleeve_gross={"s1": 20_000.0})
    d2 = gate.check(Intent("s2", "BBB", 1, 150, 100.0), state, acct)
    assert (d2.outcome, d2.quantity, d2.rule) == ("resize", 99.0, "cash")
    cash -= 99 * 100.0 * 1.001
    d3 = gate.check(Intent("s3", "CCC", 1, 10, 100.0), state, _acct(30_000.0, cash=cash))
    assert (d3.outcome, d3.rule) == ("deny", "cash")
    assert cash == pytest.approx(70.1)  # 0.70 of a unit: lot rounding leaves nothing, so a cash denial


def test_lot_rounding_and_minimum_notional() -> None:
    gate = _gate(lot_size=10.0, min_notional=1_000.0)
    assert _check(gate, Intent("s1", "AAA", 1, 157, 10.0), _acct()) == ("resize", 150, "lot")
    assert _check(gate, Intent("s1", "AAA", 1, 95, 10.0), _acct()) == ("deny", 0, "min_notional")
