"""Property: whatever the account and the intent, no enabled limit is exceeded after the gate.

An entry that moves an exposure already beyond its limit back towards it (buying against a short
that breaches the net cap) is allowed: after it the exposure is within the limit or nearer to it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from alphalab.portfolio.gate import Account, Intent, RiskGate
from alphalab.portfolio.spec import RiskLimits

ASSETS = ["A", "B", "C"]
_TOL = 1e-9


def _maybe(low: float, high: float) -> st.SearchStrategy[float | None]:
    return st.none() | st.floats(low, high)


limits_st = st.fixed_dictionaries({
    "max_heat": _maybe(0.01, 1.0), "max_position": _maybe(0.01, 1.0), "max_gross": _maybe(0.1, 3.0),
    "max_net": _maybe(0.1, 3.0), "max_leverage": _maybe(1.0, 4.0),
    "per_asset": st.dictionaries(st.sampled_from(ASSETS), st.floats(0.01, 1.0), max_size=2),
    "per_sleeve": st.dictionaries(st.sampled_from(["s1", "s2"]), st.floats(0.01, 1.0), max_size=2),
    "per_regime": st.dictionaries(st.sampled_from(["bull", "bear"]), st.floats(0.01, 1.0), max_size=2),
    "correlation": st.none() | st.builds(lambda c: {"cap": c}, st.floats(0.01, 1.0)),
    "kelly": st.none() | st.builds(lambda f: {"fraction": f, "min_trades": 2}, st.floats(0.05, 1.0)),
    "lot_size": st.sampled_from([0.0, 1.0, 0.5]), "min_notional": st.sampled_from([0.0, 100.0]),
    "drawdown": st.none(), "daily_loss": st.none(),
})


@settings(max_examples=300, deadline=None)
@given(limits=limits_st, equity=st.floats(1e3, 1e6), cash_frac=st.floats(-0.2, 2.0),
       exp=st.lists(st.floats(-0.6, 0.6), min_size=3, max_size=3), risk_frac=st.floats(0.0, 0.3),
       sleeve_frac=st.floats(0.0, 0.5), side=st.sampled_from([1, -1]), asset=st.sampled_from(ASSETS),
       sleeve=st.sampled_from(["s1", "s2"]), regime=st.sampled_from([None, "bull", "bear"]),
       qty=st.floats(0.01, 1e5), price=st.floats(0.5, 500.0), stop_frac=st.none() | st.floats(0.001, 0.5),
       buckets=st.lists(st.sampled_from([-1, 0, 1]), min_size=3, max_size=3),
       trades=st.lists(st.floats(-0.2, 0.3), max_size=8), fee_bps=st.sampled_from([0.0, 10.0]))
def test_no_enabled_limit_is_exceeded_after_the_gate(limits: dict[str, Any], equity: float, cash_frac: float,
                                                     exp: list[float], risk_frac: float, sleeve_frac: float,
                                                     side: int, asset: str, sleeve: str, regime: str | None,
                                                     qty: float, price: float, stop_frac: float | None,
                                                     buckets: list[int], trades: list[float],
                                                     fee_bps: float) -> None:
    lim = RiskLimits.model_validate(limits)
    gate = RiskGate(lim, assets=ASSETS, sleeves=["s1", "s2"], regimes=["bull", "bear"], fee_bps=fee_bps)
    x = dict(zip(ASSETS, [e * equity for e in exp], strict=True))
    acct = Account(equity=equity, buying_power=cash_frac * equity, asset_exposure=x,
                   sleeve_gross={sleeve: sleeve_frac * equity}, open_risk=risk_frac * equity,
                   buckets=dict(zip(ASSETS, buckets, strict=True)))
    stop = None if stop_frac is None else price * (1 - side * stop_frac)
    d = gate.check(Intent(sleeve, asset, side, qty, price, stop=stop, regime=regime), gate.new_state(equity), acct,
                   trade_returns=trades)
    if d.outcome == "deny":
        assert d.quantity == 0.0 and d.rule != "none"
        return
    q = d.quantity
    assert 0 < q <= qty
    if d.outcome == "approve":
        assert q == qty
    n, e, xa = q * price, equity, x[asset]
    gross, net = sum(abs(v) for v in x.values()), sum(x.values())

    def within(value: float, limit: float | None, before: float = -np.inf) -> None:
        if limit is not None:
            assert value <= max(limit * e, before) * (1 + _TOL) + _TOL, (d, value, limit * e)

    within(abs(xa + side * n), lim.max_position, abs(xa))
    within(abs(xa + side * n), lim.per_asset.get(asset), abs(xa))
    within(gross - abs(xa) + abs(xa + side * n), lim.max_gross, gross)
    within(abs(net + side * n), lim.max_net, abs(net))
    within(risk_frac * e + n * (abs(price - stop) / price if stop is not None else 1.0), lim.max_heat)
    within(sleeve_frac * e + n, lim.per_sleeve.get(sleeve))
    if regime is not None:
        within(gross + n, lim.per_regime.get(regime))
    b = buckets[ASSETS.index(asset)]
    if b >= 0 and lim.correlation is not None:
        used = sum(abs(x[a]) for a, bb in zip(ASSETS, buckets, strict=True) if bb == b and a != asset)
        within(used + abs(xa + side * n), lim.correlation.cap, used + abs(xa))
    lev = lim.max_leverage or 1.0
    assert n * (1 + fee_bps / 1e4) <= (acct.buying_power + (lev - 1) * e) * (1 + _TOL) + _TOL
    if lim.kelly is not None:
        assert n <= gate.kelly(trades) * e * (1 + _TOL) + _TOL
    if lim.lot_size > 0 and d.outcome == "resize":
        assert abs(q / lim.lot_size - round(q / lim.lot_size)) < 1e-6
    assert n >= lim.min_notional - 1e-9
    assert np.isfinite(q)


@settings(max_examples=50, deadline=None)
@given(equity=st.lists(st.floats(50.0, 150.0), min_size=2, max_size=30))
def test_no_entry_is_approved_while_a_breaker_is_tripped(equity: list[float]) -> None:
    gate = RiskGate(RiskLimits(max_heat=None, max_position=None), assets=["A"], sleeves=["s1"])
    state = gate.new_state(100.0)
    for bar, eq in enumerate(equity):
        state, _ = gate.on_bar(state, eq, bar, float(bar // 3))
        d = gate.check(Intent("s1", "A", 1, 0.01, 1.0), state, Account(eq, eq))
        halted = state.breaker_tripped or state.daily_halted
        assert (d.outcome == "deny") == halted
        if 1 - eq / state.high_water_mark >= 0.15:
            assert state.breaker_tripped
