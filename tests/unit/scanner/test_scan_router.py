"""A routed event opens a trade only when the mode, a handler, the regime and the real risk gate allow it."""

from __future__ import annotations

from alphalab.portfolio.gate import Account, GateState, Intent, RiskGate
from alphalab.portfolio.spec import RiskLimits
from alphalab.scanner.publish import alert_for
from alphalab.scanner.router import GateRouter, HandlerSpec
from alphalab.scanner.scanner import Event
from alphalab.sdl.loader import load

GATE = RiskGate(RiskLimits(max_heat=None, max_position=0.10), assets=["A", "B"], sleeves=["sma_cross"])
HANDLERS = [HandlerSpec(strategy="sma_cross", detector="breakout", side="follow", regimes=("bull", "high_vol_chop"),
                        fraction=0.05)]


def _event(detector: str = "breakout", regime: str = "bull", direction: int = 1, symbol: str = "A") -> Event:
    return Event(symbol, detector, 1_000, direction, 0.02, 1.5, regime, {"close": 50.0}, 50.0)


def _router(exposure: float = 0.0, **kw) -> tuple[GateRouter, list[Intent]]:  # type: ignore[no-untyped-def]
    placed: list[Intent] = []

    def account() -> tuple[GateState, Account]:
        return GATE.new_state(100_000.0), Account(100_000.0, 100_000.0, asset_exposure={"A": exposure})

    return GateRouter(HANDLERS, GATE, account, on_intent=placed.append, **kw), placed


def test_allowed_event_opens_a_paper_intent_sized_by_the_handler() -> None:
    router, placed = _router(specs={"sma_cross": load("sma_cross")})
    [rec] = router(_event())
    assert rec.taken and rec.rule == "none" and rec.strategy == "sma_cross"
    assert placed == [rec.intent] and placed[0].quantity == 100.0 and placed[0].side == 1  # 5 % of 100k at 50


def test_gate_resizes_then_denies_by_the_position_rule() -> None:
    router, placed = _router(exposure=7_000.0)
    [rec] = router(_event())
    assert rec.taken and rec.rule == "position" and rec.intent is not None and rec.intent.quantity == 60.0
    router, placed = _router(exposure=10_000.0)
    [rec] = router(_event())
    assert not rec.taken and rec.rule == "position" and "denied" in rec.reason and placed == []


def test_each_rejection_names_its_rule() -> None:
    router, placed = _router()
    assert router(_event(regime="bear"))[0].rule == "regime"
    assert router(_event(regime=""))[0].rule == "regime"
    assert router(_event(detector="volume_spike"))[0].rule == "no_handler"
    assert router(_event(direction=0))[0].rule == "direction"
    nan_price = Event("A", "breakout", 1_000, 1, 0.02, 1.5, "bull")
    assert router(nan_price)[0].rule == "price"
    live, _ = _router(mode="live")
    assert live(_event())[0].rule == "scanner_off"
    off = load("sma_cross").model_copy(update={"live_settings": load("sma_cross").live_settings.model_copy(
        update={"scanner_compatible": False})})
    gated, _ = _router(specs={"sma_cross": off})
    assert gated(_event())[0].rule == "not_scanner_compatible"
    paper_only, _ = _router(mode="live", enabled=("paper", "live"), specs={"sma_cross": load("sma_cross")})
    assert paper_only(_event())[0].rule == "mode"
    assert placed == []


def test_alert_key_is_the_event_key() -> None:
    alert = alert_for(_event())
    assert alert.key == "scan:A|breakout|1000" and alert.severity == "warning" and alert.payload["regime"] == "bull"


def test_publish_enqueues_each_event_once_at_or_above_the_level(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from alphalab.alerts.outbox import Outbox
    from alphalab.live.ledger import Ledger
    from alphalab.scanner.publish import publish

    box = Outbox(Ledger(f"sqlite:///{tmp_path / 'bot.sqlite'}"))
    quiet = Event("B", "volume_spike", 1_000, 0, 4.0, 1.0, "bull")  # severity 1.0: info
    events = [_event(), quiet]
    assert publish(box, events, ["ops", "desk"], 5) == 2
    assert publish(box, events, ["ops", "desk"], 6) == 0  # same keys after a restart: nothing new
    assert publish(box, [quiet], ["ops"], 7, min_level="info") == 1


def test_scanner_config_carries_handlers_and_modes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    import pytest

    from alphalab.core.errors import ConfigError
    from alphalab.scanner.commands import load_config

    path = tmp_path / "scan.json"
    path.write_text(json.dumps({"detectors": [{"name": "breakout"}], "modes": ["paper", "live"],
                                "handlers": [{"strategy": "sma_cross", "detector": "breakout", "side": "long"}]}))
    cfg = load_config(path)
    router = GateRouter.from_config(cfg, GATE, lambda: (GATE.new_state(1e5), Account(1e5, 1e5)), mode="live")
    assert router(_event(direction=-1))[0].taken  # long handler, live mode switched on
    path.write_text(json.dumps({"detectors": [{"name": "breakout"}],
                                "handlers": [{"strategy": "s", "detector": "volume_spike"}]}))
    with pytest.raises(ConfigError, match=r"scan\.json: handler of 's' names detector 'volume_spike'"):
        load_config(path)
