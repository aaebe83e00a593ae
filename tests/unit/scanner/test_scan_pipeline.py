"""Recorded bars -> scanner events -> router with the real risk gate: every event gets a decision with a rule."""

from __future__ import annotations

from collections import Counter

from alphalab.portfolio.gate import Account, GateState, Intent, RiskGate
from alphalab.portfolio.spec import RiskLimits
from alphalab.scanner.commands import load_frames
from alphalab.scanner.router import GateRouter, HandlerSpec
from alphalab.scanner.scanner import ScannerConfig, replay
from alphalab.scanner.study import panel_from_frames


def test_replayed_events_are_routed_and_the_position_rule_binds_as_exposure_grows() -> None:
    frames = load_frames(["sample:AAPL", "sample:MSFT"], "1d", None, "2008-12-31")
    symbols, times, panel = panel_from_frames(frames)
    events = replay(symbols, times, panel, ScannerConfig())
    gate = RiskGate(RiskLimits(max_heat=None, max_position=0.15), assets=symbols, sleeves=["trend"])
    exposure = dict.fromkeys(symbols, 0.0)

    def account() -> tuple[GateState, Account]:
        return gate.new_state(1e6), Account(1e6, 1e6, asset_exposure=dict(exposure))

    def fill(intent: Intent) -> None:  # a paper fill at the intent's price
        exposure[intent.asset] += intent.side * intent.quantity * intent.price

    handlers = [HandlerSpec(strategy="trend", detector="breakout", side="long", regimes=("bull",), fraction=0.04),
                HandlerSpec(strategy="trend", detector="volume_spike", side="follow"),
                HandlerSpec(strategy="trend", detector="regime_shift", side="long", regimes=("bull",))]
    router = GateRouter(handlers, gate, account, on_intent=fill)
    records = [r for e in events for r in router(e)]
    assert len(records) == len(events) and all(e.price > 0 for e in events)
    rules = Counter(r.rule for r in records if not r.taken)
    taken = [r for r in records if r.taken]
    assert rules["no_handler"] > 0 and rules["regime"] > 0 and rules["direction"] > 0 and rules["position"] > 0
    assert taken and all(r.intent is not None for r in taken) and all(r.rule in {"none", "position"} for r in taken)
    assert all(abs(v) <= 0.15 * 1e6 + 1e-6 for v in exposure.values())
