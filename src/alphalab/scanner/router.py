"""Routing: an event -> the scanner switch for the mode -> a handler -> the regime -> the risk gate -> an intent.

Every event gets :class:`RouteRecord` rows saying whether a trade was taken and, when not, which
rule stopped it (``scanner_off``, ``no_handler``, ``not_scanner_compatible``, ``mode``,
``regime``, ``direction``, or the risk gate's rule name). The router does not place orders: an
approved intent goes to ``on_intent``, the port a paper or live runtime plugs into.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from alphalab.portfolio.gate import Account, Decision, GateState, Intent, RiskGate
from alphalab.scanner.config import HandlerSpec, Mode
from alphalab.scanner.scanner import Event, ScannerConfig

__all__ = ["EventRoute", "GateRouter", "HandlerSpec", "RouteRecord"]

@dataclass(frozen=True, slots=True)
class RouteRecord:
    """What happened to one event for one handler (``strategy`` None: no handler got it)."""

    event_key: str
    strategy: str | None
    taken: bool
    rule: str
    reason: str
    intent: Intent | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the record as plain JSON types."""
        intent = None if self.intent is None else {"asset": self.intent.asset, "side": self.intent.side,
                                                    "quantity": self.intent.quantity, "price": self.intent.price}
        return {"event": self.event_key, "strategy": self.strategy, "taken": self.taken, "rule": self.rule,
                "reason": self.reason, "intent": intent}


class EventRoute(Protocol):
    """The port a runtime calls with each scanner event; returns one record per handler."""

    def __call__(self, event: Event) -> list[RouteRecord]: ...


def _side(handler: HandlerSpec, direction: int) -> int:
    if handler.side == "long":
        return 1
    if handler.side == "short":
        return -1
    return direction if handler.side == "follow" else -direction


class GateRouter:
    """Route events through the handlers and the real :class:`RiskGate`.

    ``account()`` returns the gate state and account view at the event; ``price(event)`` the entry
    price (default: the event bar's close). ``enabled`` are the modes in which the scanner
    may trade; ``specs`` (strategy id -> StrategySpec) drops strategies whose
    ``live_settings`` do not allow the scanner or the mode.
    """

    def __init__(self, handlers: Sequence[HandlerSpec], gate: RiskGate,
                 account: Callable[[], tuple[GateState, Account]], *, mode: Mode = "paper",
                 enabled: Iterable[Mode] = ("paper",), specs: Mapping[str, Any] | None = None,
                 price: Callable[[Event], float] | None = None,
                 on_intent: Callable[[Intent], None] | None = None) -> None:
        self.handlers, self.gate, self.account, self.mode = list(handlers), gate, account, mode
        self.enabled, self.specs = frozenset(enabled), dict(specs or {})
        self.price = price or (lambda e: e.price)
        self.on_intent = on_intent

    @classmethod
    def from_config(cls, config: ScannerConfig, gate: RiskGate, account: Callable[[], tuple[GateState, Account]],
                    *, mode: Mode = "paper", **kw: Any) -> GateRouter:
        """Return a router with the handlers and trading modes of a scanner config."""
        return cls(config.handlers, gate, account, mode=mode, enabled=config.modes, **kw)

    def _blocked(self, h: HandlerSpec, event: Event) -> tuple[str, str] | None:
        spec = self.specs.get(h.strategy)
        if spec is not None and not spec.live_settings.scanner_compatible:
            return "not_scanner_compatible", f"{h.strategy} sets live_settings.scanner_compatible false"
        if spec is not None and self.mode not in spec.live_settings.allowed_modes:
            return "mode", f"{h.strategy} does not allow {self.mode} trading"
        if not event.regime or (h.regimes and event.regime not in h.regimes):
            return "regime", f"regime {event.regime or 'unknown'!r} is not one of {list(h.regimes) or 'the known ones'}"
        if _side(h, event.direction) == 0:
            return "direction", f"{event.detector} has no direction for a {h.side} handler"
        return None

    def __call__(self, event: Event) -> list[RouteRecord]:
        """Route one event; return one record per matching handler (or one record saying why none)."""
        key = event.key
        if self.mode not in self.enabled:
            return [RouteRecord(key, None, False, "scanner_off", f"the scanner does not trade in {self.mode} mode")]
        matching = [h for h in self.handlers if h.detector == event.detector]
        if not matching:
            return [RouteRecord(key, None, False, "no_handler", f"no strategy handles {event.detector}")]
        out = []
        for h in matching:
            blocked = self._blocked(h, event)
            if blocked is not None:
                out.append(RouteRecord(key, h.strategy, False, *blocked))
                continue
            out.append(self._gate(h, event))
        return out

    def _gate(self, h: HandlerSpec, event: Event) -> RouteRecord:
        state, account = self.account()
        price = self.price(event)
        if not price > 0.0:
            return RouteRecord(event.key, h.strategy, False, "price", f"no positive entry price ({price})")
        intent = Intent(h.strategy, event.symbol, _side(h, event.direction), h.fraction * account.equity / price,
                        price, regime=event.regime)
        d: Decision = self.gate.check(intent, state, account)
        if d.outcome == "deny" or d.quantity <= 0:
            return RouteRecord(event.key, h.strategy, False, d.rule, d.reason)
        approved = Intent(intent.sleeve, intent.asset, intent.side, d.quantity, price, regime=event.regime)
        if self.on_intent is not None:
            self.on_intent(approved)
        return RouteRecord(event.key, h.strategy, True, d.rule, d.reason, approved)

