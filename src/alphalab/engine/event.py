"""The event-driven path: Python strategies run bar by bar on the same jitted rules as the fast path.

Each bar goes through the phases of :mod:`alphalab.engine.kernel_nb` in the same order: pending
market orders at the open, intrabar stop/target exits, working limit/stop orders, the engine's
own exits (time stop), ``Strategy.on_bar`` at the close, close fills (when chosen), marking.
Every fill, fee, slippage, sizing and accounting step is a call of the same numba function the
compiled loop calls, which is why both paths agree to the last bit on the same decisions.

Speed (the per-bar Python overhead is what a Python strategy waits for): the phases are called
through one entry point with packed arrays (:mod:`alphalab.engine.event_nb`); bars on which
nothing can fill are not sent to the compiled phases at all: flat quiet bars are caught up in one
step, and the steps of inert held bars (no stops, nothing pending) are deferred and run in one
call before the strategy's next order or equity read (``EventLoop.sync``).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from alphalab.core.bars import BarArrays
from alphalab.core.enums import FillTiming
from alphalab.core.errors import EngineError
from alphalab.engine import layout as L
from alphalab.engine.accounting_nb import enter_position, exit_position
from alphalab.engine.assemble import build_result
from alphalab.engine.backtest import apply_config_costs, instrument_limits, settings_from_config
from alphalab.engine.config import BacktestConfig
from alphalab.engine.context import Decision, EventContext, WorkingOrder
from alphalab.engine.event_nb import (
    MODE_END,
    MODE_OPEN,
    MODE_RULES,
    MODE_STEP,
    hold,
    phases,
    state_flags,
    state_layout,
)
from alphalab.engine.kernel_nb import REASON_OPPOSITE, REASON_SIGNAL, new_state
from alphalab.engine.result import BacktestResult
from alphalab.engine.rules_nb import desired_quantity, order_trigger
from alphalab.engine.simulate import Costs, EntryRules, SimOutput, SimSettings
from alphalab.strategies.api import FillEvent, OrderRef, Strategy

__all__ = ["DecisionLog", "EventContext", "EventLoop", "run_strategy", "strategy_decisions"]


class EventLoop:
    """State and phases of one event-driven run (one cash group shared by all symbols)."""

    def __init__(self, strategy: Strategy, bars: BarArrays, *, rules: EntryRules, costs: Costs,
                 settings: SimSettings, capital: float, lot: np.ndarray, min_notional: np.ndarray,
                 atr: np.ndarray | None) -> None:
        self.strategy = strategy
        self.bars = bars
        self.rules = rules
        self.costs = costs
        self.settings = settings
        n, na = bars.n_bars, bars.n_assets
        # market columns in one (6, T, A) array and the small state tables as views of one flat
        # buffer: the compiled phases then take 6 arrays instead of 22 (see event_nb)
        self.mkt3 = np.empty((6, n, na))
        for i, c in enumerate(("open", "high", "low", "close", "volume")):
            self.mkt3[i] = getattr(bars, c)
        self.mkt3[5] = np.nan if atr is None else atr
        self.mkt = tuple(self.mkt3[i] for i in range(6))
        cap = max(256, 8 * na)
        fresh = new_state(na, np.array([capital]), np.zeros((cap, L.NTR)), np.zeros((cap, L.NOR)))
        off = state_layout(na)
        self.state = np.zeros(off[-1])
        shapes = ((na, L.NPOS), (na, L.NPEND), (na, L.NPARAM), (1, L.NACCT), (na, L.KMAX), (L.NCOST,),
                  (L.NSET,), (na, L.NINST))
        views = [self.state[off[i]:off[i + 1]].reshape(shape) for i, shape in enumerate(shapes)]
        for view, value in zip(views, (*fresh[:5], costs.vector(), settings.vector(),
                                       np.column_stack([lot, min_notional])), strict=True):
            view[...] = value
        self.st = (*views[:5], fresh[5], fresh[6])
        self.cvec, self.svec, self.inst = views[5], views[6], views[7]
        self.ints = np.zeros(3 + na, dtype=np.int64)
        self.counts, self.group = self.ints[:3], self.ints[3:]
        self.curves = np.empty(n * (3 + na))
        self.working: list[WorkingOrder] = []
        self.pending_ids = [-1] * bars.n_assets
        self.record_ids: dict[int, int] = {}
        self.decisions: list[Decision] = []  # every order call of the strategy, in order
        self._next_id = 1
        self.dirty = False  # set by the context when the strategy queues a market order
        self._skip_from = -1  # first quiet bar whose curves are not written yet (-1: none)
        self._defer_from = -1  # first inert bar whose compiled steps are deferred (-1: none), see sync
        self._ffill: np.ndarray | None = None  # forward-filled closes (marks of quiet bars)
        self.ctx = EventContext(self)

    @property
    def t(self) -> int:
        """The current bar (kept on the context, which reads it on every call)."""
        return self.ctx._t

    def new_ref(self, column: int, tag: str) -> OrderRef:
        """Return a fresh order handle."""
        ref = OrderRef(self._next_id, self.bars.symbols[column])
        self._next_id += 1
        return ref

    def _ensure_capacity(self, bars_ahead: int) -> None:
        need = bars_ahead * (8 * self.bars.n_assets + 2 * len(self.working) + 8)
        trades, orders = self.st[5], self.st[6]
        if self.counts[L.N_TRADES] + need < trades.shape[0] and self.counts[L.N_ORDERS] + need < orders.shape[0]:
            return
        grow = max(2 * trades.shape[0], trades.shape[0] + need)
        new_tr = np.zeros((grow, L.NTR))
        new_or = np.zeros((grow, L.NOR))
        new_tr[: trades.shape[0]] = trades
        new_or[: orders.shape[0]] = orders
        self.st = (*self.st[:5], new_tr, new_or)

    def _work_orders(self, t: int) -> None:
        mkt = self.mkt
        for w in list(self.working):
            if t <= w.submitted:
                continue
            a = w.column
            o = mkt[0][t, a]
            if o != o:
                continue
            px, w.armed = order_trigger(w.kind, w.side, w.limit, w.stop, w.armed, o, mkt[1][t, a], mkt[2][t, a])
            if px == px:
                self.working.remove(w)
                self._fill_working(w, t, px)
            elif w.time_in_force in ("day", "ioc"):
                self.working.remove(w)

    def _fill_working(self, w: WorkingOrder, t: int, px: float) -> None:
        st, a = self.st, w.column
        maker = w.kind in (1, 3)
        self.record_ids[int(self.counts[L.N_ORDERS])] = w.id
        if st[0][a, L.P_MARK] != st[0][a, L.P_MARK]:
            st[0][a, L.P_MARK] = self.mkt[0][t, a]
        q = st[0][a, L.P_QTY]
        if q != 0.0 and (q > 0) != (w.side > 0):
            qty = w.quantity
            if qty != qty:  # sized as a fraction of equity or a notional: the units at this fill price
                rate = self.cvec[L.C_MAKER] if maker else self.cvec[L.C_FEE]
                qty = desired_quantity(int(w.prm[L.R_SIZE_TYPE]), w.prm[L.R_SIZE_VAL],
                                       st[3][0, L.A_CASH] + st[3][0, L.A_VAL], px, rate, 0.0, 0.0, 0.0)
            exit_position(st, self.mkt, self.counts, t, a, 0, qty, px, max(t - 1, 0), REASON_SIGNAL,
                          maker, w.kind, self.cvec)
        else:
            enter_position(st, self.mkt, self.counts, t, a, 0, w.side, px, max(t - 1, 0), w.submitted, False,
                           maker, w.kind, w.prm, 0, self.cvec, self.svec, self.inst)

    def _map_ids(self, n0: int, ids: list[int]) -> None:
        """Attribute new order records to the strategy's pending market orders (engine exits get -1)."""
        orders = self.st[6]
        for n in range(n0, int(self.counts[L.N_ORDERS])):
            reason = int(orders[n, L.O_REASON])
            if reason in (-1, REASON_SIGNAL, REASON_OPPOSITE):
                self.record_ids[n] = ids[int(orders[n, L.O_COL])]

    def _after(self, n0: int) -> None:
        """Attribute and report the order records written since ``n0``.

        The pending order ids are still those of the last ``on_bar``, which decided them.
        """
        self._map_ids(n0, list(self.pending_ids))
        self._notify(n0)

    def _notify(self, n_from: int) -> None:
        orders = self.st[6]
        for n in range(n_from, int(self.counts[L.N_ORDERS])):
            r = orders[n]
            if r[L.O_QTY] <= 0:
                continue
            a = int(r[L.O_COL])
            fill = FillEvent(
                order_id=self.record_ids.get(n, -1), symbol=self.bars.symbols[a],
                quantity=float(r[L.O_SIDE] * r[L.O_QTY]), price=float(r[L.O_PRICE]), fee=float(r[L.O_FEE]),
                time=np.datetime64(int(self.bars.time[int(r[L.O_BAR])]), "ns"),
            )
            self.strategy.on_fill(self.ctx, fill)

    def _quiet(self) -> bool:
        """Return True when nothing can happen until the strategy acts: flat, nothing pending, no value.

        On such bars the compiled phases only mark prices and write the curves, which
        ``_catch_up`` reproduces exactly (account value and gross exposure are exactly 0).
        """
        return not self.working and bool(state_flags(self.state, self.bars.n_assets) & 1)

    def _inert(self) -> bool:
        """Return True when the compiled phases can only mark prices: positions without stop, target,
        trailing or time stop, and no pending or working order (so no fill or record can happen)."""
        return not self.working and bool(state_flags(self.state, self.bars.n_assets) & 2)

    def sync(self) -> None:
        """Run the compiled steps the loop deferred over inert bars, up to the current bar's open.

        On inert bars (see ``_inert``) the steps only mark and record, and nothing the strategy
        reads without calling ``sync`` depends on them (the context calls it before reading the
        equity and before any order), so running them later in one call gives identical results.
        """
        t0 = self._defer_from
        if t0 >= 0:
            self._defer_from = -1
            hold(self.state, self.st[5], self.st[6], self.mkt3, self.ints, self.curves, t0, self.ctx._t)

    def _defer(self, t: int, quiet: bool) -> None:
        """Leave bar ``t``'s compiled step for later: quiet bars are caught up, inert ones synced."""
        if quiet:
            if self._skip_from < 0:
                self._skip_from = t
        elif self._defer_from < 0:
            self._defer_from = t

    def _stretch(self, t: int, quiet: bool) -> tuple[int, bool]:
        """Call ``on_bar`` on quiet (or inert) bars from ``t`` until the strategy makes an order call.

        Returns the bar reached and whether ``on_bar`` already ran there (it made an order call;
        the loop finishes that bar). Inert stretches stop before the last bar, whose step closes
        the positions. This is the loop's hot path, so it does no more than that.
        """
        ctx, on_bar, decisions = self.ctx, self.strategy.on_bar, self.decisions
        last = self.bars.n_bars if quiet else self.bars.n_bars - 1
        nd = len(decisions)
        self.dirty = False
        if quiet:
            t0 = t
            while t < last:
                ctx._t = t
                on_bar(ctx)
                if len(decisions) != nd:
                    break
                t += 1
            if t > t0 and self._skip_from < 0:
                self._skip_from = t0
            return t, t < last
        while t < last:
            ctx._t = t
            on_bar(ctx)
            if len(decisions) != nd:
                return t, True
            if self._defer_from < 0:  # sync (an equity read) may have run the steps so far
                self._defer_from = t
            t += 1
        return t, False

    def _catch_up(self, t: int, curves: tuple[np.ndarray, ...]) -> None:
        """Write the curves of the quiet bars ``skip_from .. t-1`` and their marks, as the phases would."""
        t0 = self._skip_from
        if t0 < 0:
            return
        self._skip_from = -1
        eq, cash, gross, posq = curves
        pos, acct = self.st[0], self.st[3]
        eq[t0:t, 0] = acct[0, L.A_CASH] + acct[0, L.A_VAL]
        cash[t0:t, 0] = acct[0, L.A_CASH]
        gross[t0:t, 0] = acct[0, L.A_GROSS]
        posq[t0:t] = pos[:, L.P_QTY]
        if t > 0:
            if self._ffill is None:
                close = self.mkt[3]
                idx = np.where(close == close, np.arange(close.shape[0])[:, None], 0)
                self._ffill = np.take_along_axis(close, np.maximum.accumulate(idx, axis=0), axis=0)
            pos[:, L.P_MARK] = self._ffill[t - 1]  # the last valid close (NaN before the first)

    def run(self) -> SimOutput:
        """Run every bar; return the same raw output as the compiled path.

        Quiet bars (see ``_quiet``) whose strategy submits nothing skip the compiled phases; their
        curves and marks are written in one step before the next compiled call.
        """
        n_bars, na = self.bars.n_bars, self.bars.n_assets
        cb = self.curves
        eq, cash, gross = (cb[i * n_bars:(i + 1) * n_bars].reshape(n_bars, 1) for i in range(3))
        posq = cb[3 * n_bars:].reshape(n_bars, na)
        curves = (eq, cash, gross, posq)
        fill_close = self.settings.fill_at_close
        ctx = self.ctx
        self.strategy.on_start(ctx)
        state, mkt3, ints, counts = self.state, self.mkt3, self.ints, self.counts
        on_bar = self.strategy.on_bar
        opened = False  # whether bar t's open phase already ran (fused into the previous call)
        quiet = self._quiet()
        inert = False  # held positions that only need marking: their steps may be deferred (see sync)
        recheck = False
        n_orders = counts.item(L.N_ORDERS)
        trades, orders = self.st[5], self.st[6]
        working_list = self.working  # never replaced, only changed in place
        t = 0
        while t < n_bars:
            ctx._t = t
            called = False  # whether on_bar already ran for bar t (in a stretch that it ended)
            if (quiet or (inert and opened)) and not working_list:
                t, called = self._stretch(t, quiet)
                if t >= n_bars:
                    break
                ctx._t = t
                self._ensure_capacity(32)  # the stretch wrote nothing but may have passed a multiple of 32
                trades, orders = self.st[5], self.st[6]
            if not called:
                working = bool(working_list)
                if working or t % 32 == 0:
                    self._ensure_capacity(32)  # room for the records of the next 32 bars
                    trades, orders = self.st[5], self.st[6]
                n0 = n_orders
                if not opened and not quiet:
                    self._catch_up(t, curves)
                    n_orders = phases(MODE_OPEN, state, trades, orders, mkt3, ints, cb, t, not working)
                if working:
                    self._catch_up(t, curves)
                    self._work_orders(t)
                    n_orders = phases(MODE_RULES, state, trades, orders, mkt3, ints, cb, t, False)
                if n_orders > n0:
                    self._after(n0)
                    quiet = self._quiet()
                    inert = False
                self.dirty = False
                on_bar(ctx)
            # with next-open fills nothing happens between this close and the next open, so both
            # phases run in one compiled call; close fills keep them apart (on_fill may react)
            opened = not fill_close and t + 1 < n_bars
            t += 1
            if (quiet or (inert and opened)) and not self.dirty and not working_list:
                self._defer(t - 1, quiet)
                continue
            self.sync()
            if working_list:
                self._ensure_capacity(32)
                trades, orders = self.st[5], self.st[6]
            n1 = n_orders
            if self._skip_from >= 0:
                self._catch_up(t - 1, curves)
            n_orders = phases(MODE_STEP if opened else MODE_END, state, trades, orders, mkt3, ints, cb, t - 1,
                              not working_list)
            changed = n_orders > n1
            if changed:
                self._after(n1)
            if changed or recheck or self.dirty:  # the state can only become quiet through orders
                flags = 0 if working_list else state_flags(state, na)
                quiet = bool(flags & 1)
                inert = not quiet and not fill_close and bool(flags & 2)
            recheck = changed  # an exit at the open leaves the account value to the next marking
        self._catch_up(n_bars, curves)
        self.strategy.on_stop(ctx)
        if self.counts[L.OVERFLOW]:
            raise EngineError("the event loop's record buffers overflowed", hint="report this as a bug")
        trades = self.st[5][: self.counts[L.N_TRADES]].copy()
        orders = self.st[6][: self.counts[L.N_ORDERS]].copy()
        return SimOutput(trades, orders, eq, cash, gross, posq, self.group.copy(), np.array([eq[0, 0]]))


def _registry_atr(data: BarArrays, period: int, *, required: bool) -> np.ndarray | None:
    try:
        from alphalab.indicators import compute
    except ImportError:
        if required:
            raise
        return None
    inputs = {c: np.ascontiguousarray(data.column(c), dtype=np.float64) for c in ("high", "low", "close")}
    return compute("atr", inputs, period=period)["value"]  # type: ignore[no-any-return]


@dataclass
class DecisionLog:
    """Every order call a strategy made in one run, and where the run failed (``failed_at`` -1: it did not)."""

    decisions: list[Decision]
    failed_at: int = -1
    error: str = ""


def _make_loop(strategy: type[Strategy] | Strategy, data: BarArrays, cfg: BacktestConfig,
               params: Mapping[str, Any] | None, rules: EntryRules | None, costs: Costs | None,
               atr: np.ndarray | None, atr_period: int) -> EventLoop:
    if not isinstance(data, BarArrays):
        raise EngineError("data must be BarArrays", hint="use alphalab.data.load_arrays or BarArrays.from_frame")
    if params and not isinstance(strategy, type):
        raise EngineError(f"params were given with an instance of {type(strategy).__name__}, which has its own",
                          hint="pass the class with params=..., or create the instance with them")
    strat = strategy(params) if isinstance(strategy, type) else strategy
    rules = rules or EntryRules()
    cost = costs or apply_config_costs(Costs(), cfg)
    if atr is None:  # strategies may pass ATR-based rules to ctx.enter at any bar
        atr = _registry_atr(data, atr_period, required=rules.needs_atr or cost.slippage == "atr_fraction")
    lot, mn = instrument_limits(data.symbols, cfg)
    return EventLoop(strat, data, rules=rules, costs=cost, settings=settings_from_config(cfg),
                     capital=cfg.capital, lot=lot, min_notional=mn, atr=atr)


def strategy_decisions(strategy: type[Strategy] | Strategy, data: BarArrays, config: BacktestConfig | None = None,
                       *, params: Mapping[str, Any] | None = None, atr_period: int = 14) -> DecisionLog:
    """Run a Python strategy on the event path and return every order call it made, bar by bar.

    An instance is deep-copied first, so each call starts from the same state. An exception
    raised by the strategy ends the run; the log then names the bar and the error (the
    look-ahead checker reports it, since an honest strategy runs on any prefix of its data).
    """
    strat = copy.deepcopy(strategy) if isinstance(strategy, Strategy) else strategy
    loop = _make_loop(strat, data, config or BacktestConfig(), params, None, None, None, atr_period)
    try:
        loop.run()
    except Exception as exc:  # reported as the bar where the run broke
        return DecisionLog(loop.decisions, loop.t, f"{type(exc).__name__}: {exc}")
    return DecisionLog(loop.decisions)


def run_strategy(
    strategy: type[Strategy] | Strategy, data: BarArrays, config: BacktestConfig | None = None, *,
    params: Mapping[str, Any] | None = None, rules: EntryRules | None = None, costs: Costs | None = None,
    atr: np.ndarray | None = None, atr_period: int = 14,
) -> BacktestResult:
    """Run a Python :class:`~alphalab.strategies.api.Strategy` through the event-driven loop.

    Parameters
    ----------
    strategy
        A Strategy subclass (instantiated with ``params``) or an instance.
    data
        Bars (time x asset); the strategy sees bars up to the current one only.
    config
        Run settings (capital, fill timing, costs, leverage, pyramiding...).
    rules
        Default entry rules of ``ctx.enter`` (sizing and exits); all-in without stops by default.
    costs
        Fees and slippage; by default built from the config's cost fields.
    atr, atr_period
        ATR for ATR-based stops and slippage (the registry's ``atr`` over ``atr_period`` when None).

    Returns
    -------
    BacktestResult
    """
    cfg = config or BacktestConfig()
    loop = _make_loop(strategy, data, cfg, params, rules, costs, atr, atr_period)
    out = loop.run()
    strat, rules, cost = loop.strategy, loop.rules, loop.costs
    cls = type(strat)
    doc = {"python": f"{cls.__module__}.{cls.__qualname__}", "params": dict(strat.params),
           "rules": dataclasses.asdict(rules), "costs": dataclasses.asdict(cost)}
    return build_result(
        out, data, strategy_id=cls.strategy_id(), strategy_name=cls.display_name(),
        config=cfg.model_dump(mode="json"), strategy_doc=doc, fill_timing=FillTiming(cfg.fill), seed=cfg.seed,
        ppy=cfg.periods_per_year,
    )
