"""The risk gate: ``check(intent, state, account) -> approve | resize(quantity) | deny(code, reason)``.

One component for every path. :class:`RiskGate` turns a portfolio's :class:`RiskLimits` into the
arrays the compiled rules in :mod:`alphalab.portfolio.gate_nb` read; the portfolio kernel calls
those rules directly, the event path, paper and live call :meth:`RiskGate.check`, which calls the
very same compiled functions. :class:`GateState` (high-water mark, day, breakers) is the only thing
the gate remembers between bars; it is a small JSON-serialisable object so live trading can persist
it and restore it after a restart. The account view (equity, exposures, open risk) is derived from
positions each bar and is passed in, never stored.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from alphalab.core.errors import ConfigError
from alphalab.engine.layout import KMAX
from alphalab.portfolio import gate_nb as nb
from alphalab.portfolio.spec import RiskLimits

Outcome = Literal["approve", "resize", "deny"]
_OUTCOMES: tuple[Outcome, ...] = ("approve", "resize", "deny")


@dataclass(frozen=True, slots=True)
class GateState:
    """What the gate remembers between bars; serialisable with :meth:`to_dict` / :meth:`from_dict`."""

    high_water_mark: float
    day: float | None = None
    day_start_equity: float = 0.0
    breaker_tripped: bool = False
    trip_bar: int = -1
    daily_halted: bool = False
    last_bar: int = -1

    def to_array(self) -> np.ndarray:
        """Return the state in the compiled rules' layout."""
        s = np.empty(nb.N_STATE)
        s[nb.S_HWM] = self.high_water_mark
        s[nb.S_DAY] = np.nan if self.day is None else self.day
        s[nb.S_DAY_START] = self.day_start_equity
        s[nb.S_BREAKER] = float(self.breaker_tripped)
        s[nb.S_TRIP_BAR] = self.trip_bar
        s[nb.S_DAILY_HALT] = float(self.daily_halted)
        s[nb.S_LAST_BAR] = self.last_bar
        return s

    @classmethod
    def from_array(cls, s: np.ndarray) -> GateState:
        """Read a state back from the compiled rules' layout."""
        day = float(s[nb.S_DAY])
        return cls(high_water_mark=float(s[nb.S_HWM]), day=None if math.isnan(day) else day,
                   day_start_equity=float(s[nb.S_DAY_START]), breaker_tripped=bool(s[nb.S_BREAKER] > 0),
                   trip_bar=int(s[nb.S_TRIP_BAR]), daily_halted=bool(s[nb.S_DAILY_HALT] > 0),
                   last_bar=int(s[nb.S_LAST_BAR]))

    def to_dict(self) -> dict[str, Any]:
        """Return the state as plain JSON types."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GateState:
        """Restore a state written by :meth:`to_dict`; unknown or missing keys are an error."""
        names = set(cls.__dataclass_fields__)
        extra, missing = sorted(set(data) - names), sorted({"high_water_mark"} - set(data))
        if extra or missing:
            raise ConfigError(f"gate state: unknown key(s) {extra} / missing key(s) {missing}",
                              hint=f"a gate state has the keys {sorted(names)}")
        return cls(**dict(data))

    def to_json(self) -> str:
        """Return the state as a JSON text."""
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> GateState:
        """Restore a state written by :meth:`to_json`."""
        return cls.from_dict(json.loads(text))


@dataclass(frozen=True, slots=True)
class Intent:
    """A sleeve's wish to open (or add to) a position: ``quantity`` units of ``asset`` at ``price``."""

    sleeve: str
    asset: str
    side: int
    quantity: float
    price: float
    stop: float | None = None
    regime: str | None = None
    bar: int = 0


@dataclass(frozen=True, slots=True)
class Account:
    """The account as the gate sees it before the intent: equity, cash and exposures (notional)."""

    equity: float
    buying_power: float
    asset_exposure: Mapping[str, float] = field(default_factory=dict)
    sleeve_gross: Mapping[str, float] = field(default_factory=dict)
    open_risk: float = 0.0
    buckets: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Decision:
    """The gate's answer: ``outcome`` with the quantity allowed, and the rule that bound with its values."""

    outcome: Outcome
    quantity: float
    rule: str = "none"
    value: float = 0.0
    limit: float = 0.0

    @property
    def reason(self) -> str:
        """One sentence saying why the intent was resized or denied."""
        if self.outcome == "approve":
            return "approved"
        verb = "denied" if self.outcome == "deny" else f"resized to {self.quantity:g}"
        return f"{verb} by the {self.rule} rule: {self.value:.6g} against a limit of {self.limit:.6g}"


@dataclass(frozen=True, slots=True)
class RiskEvent:
    """One resize or denial, as reports and risk-event counts show it."""

    bar: int
    sleeve: str
    asset: str
    rule: str
    outcome: Outcome
    requested: float
    allowed: float
    value: float
    limit: float


def _nan(x: float | None) -> float:
    return np.nan if x is None else float(x)


class RiskGate:
    """The portfolio's limits compiled into arrays, with the one ``check`` every path calls."""

    def __init__(self, limits: RiskLimits, *, assets: Sequence[str], sleeves: Sequence[str],
                 regimes: Sequence[str] = (), fee_bps: float = 0.0) -> None:
        self.limits = limits
        self.assets, self.sleeves, self.regimes = list(assets), list(sleeves), list(regimes)
        self._asset_ix = {a: i for i, a in enumerate(self.assets)}
        self._sleeve_ix = {s: i for i, s in enumerate(self.sleeves)}
        self._regime_ix = {r: i for i, r in enumerate(self.regimes)}
        self.lim = limit_vector(limits, fee_bps)
        self.asset_cap = self._caps(limits.per_asset, self.assets, "per_asset")
        self.sleeve_cap = self._caps(limits.per_sleeve, self.sleeves, "per_sleeve")
        self.regime_cap = self._caps(limits.per_regime, self.regimes, "per_regime", strict=False)

    @staticmethod
    def _caps(caps: Mapping[str, float], names: list[str], what: str, *, strict: bool = True) -> np.ndarray:
        unknown = sorted(set(caps) - set(names))
        if unknown and strict:
            raise ConfigError(f"risk.{what} names {', '.join(unknown)}, which the portfolio does not trade",
                              hint=f"use one of {', '.join(names)}")
        out = np.full(max(len(names), 1), np.nan)
        for i, n in enumerate(names):
            if n in caps:
                out[i] = caps[n]
        return out

    def new_state(self, equity: float) -> GateState:
        """Return the state of an account that starts at ``equity``."""
        return GateState.from_array(nb.new_state(float(equity)))

    def on_bar(self, state: GateState, equity: float, bar: int, day: float) -> tuple[GateState, bool]:
        """Return the state after a new bar's equity, and whether the book must be flattened now."""
        s = state.to_array()
        flatten = nb.update_state(s, self.lim, float(equity), int(bar), float(day))
        return GateState.from_array(s), bool(flatten)

    def kelly(self, trade_returns: Sequence[float]) -> float:
        """Return a sleeve's Kelly size (fraction of equity) from its closed-trade returns; NaN when off."""
        if self.limits.kelly is None:
            return np.nan
        r = np.asarray(trade_returns, dtype=np.float64)
        ring = np.zeros((1, KMAX))
        for k in range(max(0, r.shape[0] - KMAX), r.shape[0]):
            ring[0, k % KMAX] = r[k]
        return float(nb.kelly_size(ring, 0, r.shape[0], self.lim))

    def check(self, intent: Intent, state: GateState, account: Account,
              trade_returns: Sequence[float] = ()) -> Decision:
        """Approve, resize or deny one entry intent; pure (nothing is stored)."""
        if intent.asset not in self._asset_ix or intent.sleeve not in self._sleeve_ix:
            raise ConfigError(f"intent for sleeve {intent.sleeve!r} on {intent.asset!r}: not in this gate",
                              hint=f"sleeves: {self.sleeves}; assets: {self.assets}")
        exp = np.array([float(account.asset_exposure.get(a, 0.0)) for a in self.assets])
        sg = np.array([float(account.sleeve_gross.get(s, 0.0)) for s in self.sleeves])
        bucket = np.array([int(account.buckets.get(a, -1)) for a in self.assets], dtype=np.int64)
        regime = self._regime_ix.get(intent.regime, -1) if intent.regime is not None else -1
        out, qty, rule, value, limit = nb.check_entry(
            float(intent.quantity), int(np.sign(intent.side)), float(intent.price), _nan(intent.stop),
            self._asset_ix[intent.asset], self._sleeve_ix[intent.sleeve], regime, float(account.equity),
            float(account.buying_power), float(account.open_risk), float(np.abs(exp).sum()), float(exp.sum()),
            exp, sg, bucket, self.lim, self.asset_cap, self.sleeve_cap, self.regime_cap, state.to_array(),
            self.kelly(trade_returns), np.zeros(3))
        return Decision(_OUTCOMES[out], float(qty), nb.RULE_NAMES[rule], float(value), float(limit))


def risk_event(intent: Intent, decision: Decision) -> RiskEvent | None:
    """Return the risk event of a resize or denial (None for an approval)."""
    if decision.outcome == "approve":
        return None
    return RiskEvent(intent.bar, intent.sleeve, intent.asset, decision.rule, decision.outcome,
                     float(intent.quantity), decision.quantity, decision.value, decision.limit)


def limit_vector(limits: RiskLimits, fee_bps: float = 0.0) -> np.ndarray:
    """Return the scalar limits in the compiled rules' layout (NaN: rule off)."""
    lim = np.full(nb.N_LIM, np.nan)
    lim[nb.L_HEAT] = _nan(limits.max_heat)
    lim[nb.L_POSITION] = _nan(limits.max_position)
    lim[nb.L_GROSS] = _nan(limits.max_gross)
    lim[nb.L_NET] = _nan(limits.max_net)
    lim[nb.L_LEVERAGE] = _nan(limits.max_leverage)
    lim[nb.L_BUCKET_CAP] = limits.correlation.cap if limits.correlation else np.nan
    dd = limits.drawdown
    if dd is not None:
        lim[nb.L_DD_HALT], lim[nb.L_DD_RESUME] = dd.halt, dd.resume_level
        lim[nb.L_DD_COOLDOWN], lim[nb.L_DD_FLATTEN] = dd.cooldown_bars, float(dd.flatten)
        lim[nb.L_DD_RESTART] = float(dd.flatten or dd.restart_hwm)
    lim[nb.L_DAILY] = limits.daily_loss.limit if limits.daily_loss else np.nan
    lim[nb.L_MIN_NOTIONAL], lim[nb.L_LOT], lim[nb.L_FEE] = limits.min_notional, limits.lot_size, fee_bps / 1e4
    k = limits.kelly
    if k is not None:
        lim[nb.L_KELLY_FRACTION], lim[nb.L_KELLY_LOOKBACK] = k.fraction, k.lookback_trades
        lim[nb.L_KELLY_MIN], lim[nb.L_KELLY_FALLBACK], lim[nb.L_KELLY_CAP] = k.min_trades, k.fallback, k.cap
    return lim


def day_numbers(index: Any, reset: Literal["utc_day", "session"] = "utc_day",
                timezone: str = "America/New_York") -> np.ndarray:
    """Return the day number of each bar for the daily-loss reset (a new number starts a new day).

    ``utc_day`` counts UTC calendar days; ``session`` counts calendar days in the venue's
    ``timezone`` (a daily-bar session, or the trading day of intraday bars).
    """
    import pandas as pd

    ts = pd.DatetimeIndex(index)
    ts = ts.tz_localize("UTC") if ts.tz is None else ts.tz_convert("UTC")
    if reset == "session":
        ts = ts.tz_convert(timezone)
    local = ts.tz_localize(None).normalize()
    return np.asarray((local - pd.Timestamp("1970-01-01")) // pd.Timedelta(days=1), dtype=np.float64)
