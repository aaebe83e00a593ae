"""One sleeve of a bot: a strategy on its symbols, its paper account, its decisions bar by bar.

A sleeve turns each closed row of bars into decisions (:class:`StreamingStrategy` per symbol),
lets its :class:`PaperBook` fill what the previous close decided, and hands the new pending
orders to the runtime as intents. It keeps the last bars it saw so a hot-reloaded strategy (or a
restarted bot) can be warmed up on them before it takes a decision.
"""

from __future__ import annotations

import functools
import math
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from alphalab.core.instrument import Instrument
from alphalab.core.timeframe import Timeframe
from alphalab.engine import layout as L
from alphalab.engine.backtest import costs_from_spec, instrument_limits, rules_from_spec, settings_from_config
from alphalab.engine.config import BacktestConfig
from alphalab.engine.rules_nb import desired_quantity
from alphalab.live.feeds import BarRow, bars_row_arrays
from alphalab.live.paper_book import PaperBook, Pending
from alphalab.live.strategy import Bar, BarDecision, StreamingStrategy

HISTORY = 1000  # bars kept per symbol for warm-ups


@dataclass
class SleeveConfig:
    """What a sleeve runs: ``spec`` (a StrategySpec with its parameters) on ``symbols`` at ``timeframe``."""

    id: str
    spec: Any
    symbols: tuple[str, ...]
    timeframe: str
    capital: float
    config: BacktestConfig = field(default_factory=BacktestConfig)
    source: Path | None = None  # the strategy file, watched for hot reload
    params: dict[str, Any] = field(default_factory=dict)


def in_session(symbol: str, t_ns: int, timeframe: Timeframe, calendar: str | None = None) -> bool:
    """Return whether a bar of ``symbol`` opening at ``t_ns`` is inside its market's trading hours.

    Crypto (24/7) and FX (24/5, whose feeds carry no bars while it is closed) are always open; a
    stock acts only on NYSE sessions (``alphalab.data.calendars``), intraday bars within
    09:30-16:00 New York time.
    """
    cal = calendar if calendar is not None else Instrument.guess(symbol).calendar
    if cal in ("24/7", "24/5"):
        return True
    day = datetime.fromtimestamp(t_ns / 1e9, tz=UTC).date()
    if not _nyse_open(day):
        return False
    if timeframe.seconds >= 86400:
        return True
    import pandas as pd

    local = pd.Timestamp(t_ns, tz="UTC").tz_convert("America/New_York")
    minute = local.hour * 60 + local.minute
    return 9 * 60 + 30 <= minute < 16 * 60


@functools.lru_cache(maxsize=4096)
def _nyse_open(day: date) -> bool:
    from alphalab.data import calendars

    return len(calendars.nyse_sessions(day, day)) > 0


class Sleeve:
    """A running sleeve (see the module docstring)."""

    def __init__(self, cfg: SleeveConfig) -> None:
        self.cfg = cfg
        self.id = cfg.id
        self.tf = Timeframe.parse(cfg.timeframe)
        lot, mn = instrument_limits(cfg.symbols, cfg.config)
        self.book = PaperBook(cfg.symbols, rules=rules_from_spec(cfg.spec), costs=costs_from_spec(cfg.spec, cfg.config),
                              settings=settings_from_config(cfg.config), capital=cfg.capital, lot=lot,
                              min_notional=mn)
        self.strategies = self._strategies(cfg.spec)
        self.history: dict[str, deque[Bar]] = {s: deque(maxlen=HISTORY) for s in cfg.symbols}
        self.disabled: str | None = None
        self.reload_errors: list[str] = []
        self.version = 1
        self.last_decisions: dict[str, BarDecision] = {}
        self.calendars = {s: Instrument.guess(s).calendar for s in cfg.symbols}
        self.sessions = {s: c not in ("24/7", "24/5") for s, c in self.calendars.items()}

    def _strategies(self, spec: Any) -> list[StreamingStrategy]:
        return [StreamingStrategy(spec, s, self.tf) for s in self.cfg.symbols]

    # -- bars ---------------------------------------------------------------------------------
    def decide(self, row: BarRow, *, warm_only: bool = False) -> tuple[list[BarDecision | None], np.ndarray]:
        """Feed the row to the strategies; return the decisions per symbol and the (6, A) market row."""
        arr = bars_row_arrays(row, self.cfg.symbols)
        decisions: list[BarDecision | None] = []
        atr = np.full(len(self.cfg.symbols), np.nan)
        for j, sym in enumerate(self.cfg.symbols):
            bar = row.bars.get(sym)
            if bar is None:
                decisions.append(None)
                continue
            self.history[sym].append(bar)
            d = self.strategies[j].update(bar)
            atr[j] = d.atr
            if self.sessions[sym] and not in_session(sym, bar.t_ns, self.tf, self.calendars[sym]):
                d = BarDecision(False, False, False, False, d.atr)  # a closed market takes no decision
            decisions.append(d)
            self.last_decisions[sym] = d
        return ([None] * len(decisions) if warm_only else decisions), np.vstack([arr, atr[None]])

    def touches(self, row: BarRow) -> bool:
        return any(s in row.bars for s in self.cfg.symbols)

    def estimate_quantity(self, p: Pending, row: BarRow) -> tuple[float, float, float | None]:
        """Return the (quantity, price, stop) an intent reports; the fill sizes at the next open."""
        book, sym = self.book, self.cfg.symbols[p.column]
        bar = row.bars.get(sym)
        price = bar.close if bar is not None else float(book.pos[p.column, L.P_MARK])
        if p.is_exit:
            return abs(float(book.pos[p.column, L.P_QTY])) or 1e-12, price, None
        prm = book.pend_prm[p.column]
        dist, stop = _stop_distance(prm, price, self.last_decisions.get(sym))
        fee = float(book.costs.fee_bps) * 1e-4
        q = desired_quantity(int(prm[L.R_SIZE_TYPE]), float(prm[L.R_SIZE_VAL]), book.equity, price, fee, dist,
                             float(prm[L.R_KCAP]), float(prm[L.R_KCAP]))
        stop_price = None if stop is None else (price - p.side * stop)
        return (q if q > 0 and math.isfinite(q) else 1e-12), price, stop_price

    # -- hot reload ---------------------------------------------------------------------------
    def reload(self, spec: Any) -> None:
        """Swap in a validated new version of the strategy, warmed up on the bars seen so far."""
        fresh = self._strategies(spec)
        for j, sym in enumerate(self.cfg.symbols):
            for bar in self.history[sym]:
                fresh[j].update(bar)
        self.strategies = fresh
        self.cfg.spec = spec
        self.book.rules = rules_from_spec(spec)
        self.book.params = self.book.rules.vector().reshape(L.NPARAM, 1, 1)
        self.version += 1
        self.reload_errors = []

    def status(self) -> dict[str, Any]:
        return {"id": self.id, "strategy": self.cfg.spec.id, "symbols": list(self.cfg.symbols),
                "timeframe": self.cfg.timeframe, "equity": self.book.equity, "positions": self.book.positions(),
                "disabled": self.disabled, "version": self.version, "reload_errors": self.reload_errors,
                "bars": self.book.t + 1}


def _stop_distance(prm: np.ndarray, price: float, d: BarDecision | None) -> tuple[float, float | None]:
    kind, val = int(prm[L.R_SL_TYPE]), float(prm[L.R_SL_VAL])
    if kind == L.SL_PCT:
        return price * val, price * val
    if kind == L.SL_ATR and d is not None and math.isfinite(d.atr):
        return d.atr * val, d.atr * val
    return 0.0, None
