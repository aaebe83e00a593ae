"""The bot runtime: sleeves on a feed, every intent through the risk gate and the order manager.

One asyncio task reads closed rows of bars from a feed; for each row every sleeve it concerns runs
the bar's phases on its paper book (fills at the open, its strategy's decisions at the close),
each new pending order becomes an :class:`~alphalab.live.orders.Intent` with a deterministic client
id, is checked by the portfolio's :class:`~alphalab.portfolio.gate.RiskGate` (entries), written to
the ledger and sent through the :class:`~alphalab.live.manager.OrderManager` to the
:class:`~alphalab.live.paper.PaperVenue`. After the row, the fills are synced (once per trade id)
and the books, the venue, the gate state and the last row time are stored in the ledger's bot
state, so a restarted bot continues where it stopped (rows it already processed only warm the
strategies up). A sleeve that raises is disabled and reported; the others go on. A changed
strategy file is validated first: a bad edit is reported with its errors and the running version
continues. The kill switch (``alphalab live kill``, stored in the ledger) cancels the open orders
and halts every sleeve until ``alphalab live resume``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from alphalab.core.errors import AlphaLabError
from alphalab.live.clock import Clock
from alphalab.live.feeds import BarRow, Feed
from alphalab.live.ids import client_order_id
from alphalab.live.ledger import Ledger
from alphalab.live.manager import CURSOR_KEY, OrderManager
from alphalab.live.orders import Intent, OrderEvent, OrderStatus
from alphalab.live.paper import REASONS, PaperVenue
from alphalab.live.paper_book import Pending
from alphalab.live.sleeve import Sleeve, SleeveConfig

STATE_PREFIX = "paper/"
LAST_KEY = STATE_PREFIX + "last_t_ns"
VENUE_KEY = STATE_PREFIX + "venue"
GATE_KEY = STATE_PREFIX + "gate"
STATUS_KEY = STATE_PREFIX + "status"
START_KEY = STATE_PREFIX + "start_t_ns"
SLEEVES_KEY = STATE_PREFIX + "sleeves"  # what each sleeve runs (strategy document, config), for divergence


@dataclass
class RunReport:
    """What a run did: rows, intents, fills, sleeves disabled, reloads, kill-switch halts."""

    rows: int = 0
    warm_rows: int = 0
    intents: int = 0
    denied: int = 0
    fills: int = 0
    halted_rows: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)


class Runtime:
    """Run sleeves on a feed (see the module docstring)."""

    def __init__(self, sleeves: Sequence[SleeveConfig], *, ledger: Ledger, clock: Clock, feed: Feed,
                 gate: Any = None, flatten_at_end: bool = False, allow_mismatch: bool = False,
                 checkpoint_every: int = 1) -> None:
        self.ledger, self.clock, self.feed, self.gate = ledger, clock, feed, gate
        self.flatten_at_end, self.allow_mismatch = flatten_at_end, allow_mismatch
        self.venue = PaperVenue()
        self.om = OrderManager(ledger, self.venue, clock)
        self.sleeves = [Sleeve(c) for c in sleeves]
        for s in self.sleeves:
            self.venue.add_book(s.id, s.book, s.cfg.timeframe)
        self.gate_state: Any = None
        self.report = RunReport()
        self._killed = False
        self._mtimes = {s.id: _mtime(s.cfg.source) for s in self.sleeves}
        self.last_t_ns: int | None = None
        self.checkpoint_every = max(1, int(checkpoint_every))  # rows between snapshots (1: every row)
        self._synced = -1  # the venue fill count the order manager has seen
        self._first_t_ns: int | None = None
        self._flattening: set[str] = set()  # sleeves whose kill-switch exits fill at the next open

    # -- lifecycle ----------------------------------------------------------------------------
    def restore(self) -> int | None:
        """Load the books, the venue and the gate state from the ledger; return the last row time."""
        for s in self.sleeves:
            data = self.ledger.get_state(STATE_PREFIX + "sleeve/" + s.id)
            if data is not None:
                s.book.restore(data["book"])
                s.disabled = data.get("disabled")
        venue = self.ledger.get_state(VENUE_KEY)
        if venue is not None:
            self.venue.restore(venue)
        gate = self.ledger.get_state(GATE_KEY)
        if gate is not None and self.gate is not None:
            from alphalab.portfolio.gate import GateState

            self.gate_state = GateState.from_dict(gate)
        last = self.ledger.get_state(LAST_KEY)
        return None if last is None else int(last)

    async def run(self) -> RunReport:
        """Reconcile, then process every row of the feed until it ends."""
        self.last_t_ns = self.restore()
        self._expect_rederived()
        await self.om.start(allow_mismatch=self.allow_mismatch)
        self._describe()
        async for row in self.feed.rows():
            if self.last_t_ns is not None and row.t_ns <= self.last_t_ns:
                for s in self.sleeves:  # already processed before a restart: warm the strategies only
                    if s.touches(row):
                        s.decide(row, warm_only=True)
                self.report.warm_rows += 1
                continue
            await self.on_row(row)
        if self.report.rows % self.checkpoint_every:
            self._persist(self.last_t_ns or 0)
        return self.report

    async def on_row(self, row: BarRow) -> None:
        """Process one closed row of bars."""
        if self._first_t_ns is None:
            self._first_t_ns = row.t_ns
        self._hot_reload()
        if await self._halted(row):
            for s in self.sleeves:
                if s.touches(row) and not s.disabled:
                    _, market = s.decide(row, warm_only=True)
                    if s.id in self._flattening:  # the kill switch's closing orders fill at this open
                        await self._book(s, s.book.open_bar(row.t_ns, market))
                        await self._book(s, s.book.close_bar())
                        self._flattening.discard(s.id)
            self.report.halted_rows += 1
        else:
            await self.decide_row(row)
        self.report.rows += 1
        self._update_gate(row)
        if self.report.rows % self.checkpoint_every == 0 or row.last:
            self._persist(row.t_ns)  # before the fills are synced: a crash in between re-syncs them
        await self._sync()
        self.last_t_ns = row.t_ns

    async def _sync(self) -> None:
        """Apply the venue's new fills once; cancel the rest of market orders filled short."""
        n = self.venue.cursor0 + len(self.venue.fills)
        if n == self._synced and not self.venue.ended:
            return
        self.report.fills += await self.om.sync_fills()
        for cid in sorted(self.venue.ended):  # the unfilled rest of a market order is gone
            if cid in self.om.book.orders:
                await self.om.cancel(cid)
        self.venue.ended.clear()
        cursor = int(self.ledger.get_state(CURSOR_KEY, 0))
        self.venue.forget_synced(cursor, {r.intent.client_id for r in self.om.book.open_orders()})
        self._synced = n

    async def decide_row(self, row: BarRow) -> None:
        """Run every sleeve the row concerns: fills at the open, decisions at the close, intents sent."""
        last = row.last and self.flatten_at_end
        for s in self.sleeves:
            if s.disabled or not s.touches(row):
                continue
            try:
                await self._step(s, row, last)
            except Exception as exc:  # isolation: this sleeve stops, the others go on
                s.disabled = f"{type(exc).__name__}: {exc}"
                self._event("sleeve_disabled", sleeve=s.id, error=s.disabled, t_ns=row.t_ns)

    async def _step(self, s: Sleeve, row: BarRow, last: bool) -> None:
        decisions, market = s.decide(row)
        await self._book(s, s.book.open_bar(row.t_ns, market))
        for seq, p in enumerate(s.book.decide(decisions)):
            await self._send(s, p, seq, row)
        await self._book(s, s.book.close_bar(last=last))

    async def _book(self, s: Sleeve, records: range) -> None:
        """Report the book's new fills at the venue; book the intents of the engine's own exits."""
        for intent in self.venue.book_records(s.id, records):
            await self.om.submit(intent)

    async def _send(self, s: Sleeve, p: Pending, seq: int, row: BarRow) -> None:
        sym = s.cfg.symbols[p.column]
        qty, price, stop = s.estimate_quantity(p, row)
        verdict = "approve"
        if self.gate is not None and not p.is_exit:
            verdict, qty = self._check(s, p, sym, qty, price, stop)
        intent = Intent(client_order_id(s.id, sym, s.cfg.timeframe, row.t_ns, seq), s.id, sym, s.cfg.timeframe,
                        row.t_ns, seq, "buy" if p.side > 0 else "sell", "market", max(qty, 1e-12),
                        reason=REASONS.get(p.reason, "entry") if p.is_exit else "entry", verdict=verdict,
                        created_ns=self.clock.now_ns())
        self.report.intents += 1
        if verdict.startswith("deny"):
            s.book.drop(p)
            self._record_denied(intent)
            return
        self.venue.claim(s.id, p, intent)
        rec = await self.om.submit(intent)
        if rec.status is OrderStatus.REJECTED:
            self.venue.unclaim(s.id, p)
            s.book.drop(p)

    def _record_denied(self, intent: Intent) -> None:
        self.report.denied += 1
        if self.ledger.has_intent(intent.client_id):
            return
        with self.ledger.transaction() as conn:
            self.ledger.record_intent(intent, conn)
            self.ledger.append([OrderEvent(intent.client_id, "reject", self.clock.now_ns(),
                                           reason=f"risk gate: {intent.verdict}")], conn)
        self.om.book = self.ledger.load_book()

    # -- risk gate ------------------------------------------------------------------------------
    def _account(self, closing: tuple[str, int] | None = None) -> Any:
        """Return the bot's account as the gate sees it; ``closing`` (sleeve, column) is a position an
        exit pending at the same open closes (a reversal), left out of the exposures."""
        from alphalab.engine import layout as L
        from alphalab.portfolio.gate import Account

        equity = sum(s.book.equity for s in self.sleeves)
        cash = sum(float(s.book.acct[0, L.A_CASH]) for s in self.sleeves)
        exposure: dict[str, float] = {}
        gross: dict[str, float] = {}
        for s in self.sleeves:
            pos = s.book.pos
            for j, sym in enumerate(s.cfg.symbols):
                q, mark = float(pos[j, L.P_QTY]), float(pos[j, L.P_MARK])
                if q != 0.0 and math.isfinite(mark) and closing != (s.id, j):
                    exposure[sym] = exposure.get(sym, 0.0) + q * mark
                    gross[s.id] = gross.get(s.id, 0.0) + abs(q * mark)
        return Account(equity, max(cash, 0.0), exposure, gross)

    def _check(self, s: Sleeve, p: Pending, sym: str, qty: float, price: float, stop: float | None) -> tuple[str, float]:
        from alphalab.engine import layout as L
        from alphalab.portfolio.gate import Intent as GateIntent

        closing = (s.id, p.column) if s.book.pend[p.column, L.Q_EXIT] >= 0.0 else None
        account = self._account(closing)
        if self.gate_state is None:
            self.gate_state = self.gate.new_state(account.equity)
        d = self.gate.check(GateIntent(s.id, sym, p.side, qty, price, stop, bar=s.book.t), self.gate_state, account)
        if d.outcome == "deny":
            return f"deny:{d.rule}", qty
        if d.outcome == "resize":  # the fill at the open takes the gate's quantity
            s.book.pend_prm[p.column, L.R_SIZE_TYPE] = L.SIZE_QTY
            s.book.pend_prm[p.column, L.R_SIZE_VAL] = d.quantity
            return "resize", d.quantity
        return "approve", qty

    def _update_gate(self, row: BarRow) -> None:
        if self.gate is None:
            return
        equity = sum(s.book.equity for s in self.sleeves)
        if self.gate_state is None:
            self.gate_state = self.gate.new_state(equity)
        self.gate_state, flatten = self.gate.on_bar(self.gate_state, equity, self.report.rows, float(row.t_ns // 86_400_000_000_000))
        if flatten:
            self._event("risk_breaker", t_ns=row.t_ns, equity=equity)

    # -- kill switch, hot reload, persistence -----------------------------------------------------
    async def _halted(self, row: BarRow) -> bool:
        state = self.om.kill_state()
        active = bool(state.get("active"))
        if active and not self._killed:
            for rec in self.om.book.open_orders():
                await self.om.cancel(rec.intent.client_id)
            self._event("kill_switch", reason=state.get("reason", ""))
        if active and state.get("flatten") and not state.get("flattened"):
            await self._flatten(row, state)
        self._killed = active
        return active

    async def _flatten(self, row: BarRow, state: dict[str, Any]) -> None:
        """Close every position at the next open (``alphalab live kill --flatten``), once."""
        from alphalab.engine import layout as L
        from alphalab.live.manager import KILL_KEY

        now = self.clock.now_ns()
        self.ledger.set_state(KILL_KEY, {**state, "active": False}, now)  # let the closing orders through
        try:
            for s in self.sleeves:
                for a, sym in enumerate(s.cfg.symbols):
                    q = float(s.book.pos[a, L.P_QTY])
                    if q == 0.0 or s.book.pend[a, L.Q_EXIT] >= 0.0:
                        continue
                    s.book.pend[a, L.Q_EXIT] = 0.0  # an exit at the next open, as a signal exit fills
                    p = Pending(a, -1 if q > 0 else 1, True, 0)
                    intent = Intent(client_order_id(f"{s.id}/kill", sym, s.cfg.timeframe, row.t_ns, a), s.id, sym,
                                    s.cfg.timeframe, row.t_ns, a, "sell" if q > 0 else "buy", "market", abs(q),
                                    reason="kill switch: flatten", verdict="kill", created_ns=now)
                    self.venue.claim(s.id, p, intent)
                    await self.om.submit(intent)
                    self._flattening.add(s.id)
        finally:
            self.ledger.set_state(KILL_KEY, {**state, "flattened": True}, self.clock.now_ns())
        self._event("flatten", sleeves=sorted(self._flattening))

    def _hot_reload(self) -> None:
        for s in self.sleeves:
            src = s.cfg.source
            m = _mtime(src)
            if src is None or m == self._mtimes.get(s.id):
                continue
            self._mtimes[s.id] = m
            try:
                from alphalab.sdl import compile as compile_plan
                from alphalab.sdl import load

                spec = load(src, params=s.cfg.params or None)
                compile_plan(spec)
            except Exception as exc:  # a bad edit: reported, the running version continues
                msg = exc.message if isinstance(exc, AlphaLabError) else f"{type(exc).__name__}: {exc}"
                s.reload_errors = [msg]
                self._event("reload_rejected", sleeve=s.id, error=msg)
                continue
            s.reload(spec)
            self._event("reloaded", sleeve=s.id, version=s.version)

    def _persist(self, t_ns: int) -> None:
        now = self.clock.now_ns()
        with self.ledger.transaction() as conn:
            for s in self.sleeves:
                self.ledger.set_state(STATE_PREFIX + "sleeve/" + s.id, {"book": s.book.to_dict(),
                                                                          "disabled": s.disabled}, now, conn)
            self.ledger.set_state(VENUE_KEY, self.venue.to_dict(), now, conn)
            if self.gate_state is not None:
                self.ledger.set_state(GATE_KEY, self.gate_state.to_dict(), now, conn)
            self.ledger.set_state(LAST_KEY, int(t_ns), now, conn)
            if self.ledger.get_state(START_KEY) is None:
                self.ledger.set_state(START_KEY, int(self._first_t_ns or t_ns), now, conn)
            self.ledger.set_state(STATUS_KEY, self.status(), now, conn)

    def _expect_rederived(self) -> None:
        """Tell the venue about intents of rows after the last snapshot (a crash came before it).

        Those rows are processed again and re-derive the very same intents (same client ids), which
        the order manager then finds in the ledger and never sends twice; until then the venue
        answers a query for them as for an order it holds, so reconciliation does not reject them.
        """
        from alphalab.live.paper import PaperOrder

        last = self.last_t_ns if self.last_t_ns is not None else -1
        ids = {s.id for s in self.sleeves}
        for i in self.ledger.intents():
            sleeve = i.strategy.split("/")[0]
            if i.bar_time_ns > last and sleeve in ids and i.client_id not in self.venue.orders:
                self.venue.orders[i.client_id] = PaperOrder(i.client_id, sleeve, i.symbol, i.side, i.quantity,
                                                            received=True, engine=i.verdict == "engine",
                                                            bar_time_ns=i.bar_time_ns)

    def _describe(self) -> None:
        known = self.ledger.get_state(SLEEVES_KEY, {}) or {}
        for s in self.sleeves:
            known[s.id] = {"spec": s.cfg.spec.model_dump(mode="json", by_alias=True, exclude_none=True),
                           "config": s.cfg.config.model_dump(mode="json"), "symbols": list(s.cfg.symbols),
                           "timeframe": s.cfg.timeframe, "capital": s.cfg.capital}
        self.ledger.set_state(SLEEVES_KEY, known, self.clock.now_ns())

    def status(self) -> dict[str, Any]:
        return {"sleeves": [s.status() for s in self.sleeves], "feed": self.feed.stats.to_dict(),
                "last_t_ns": self.last_t_ns, "events": self.report.events[-50:], "killed": self._killed}

    def _event(self, kind: str, **info: Any) -> None:
        self.report.events.append({"kind": kind, **info})


def _mtime(path: Any) -> int | None:
    try:
        return None if path is None else int(path.stat().st_mtime_ns)
    except OSError:
        return None
