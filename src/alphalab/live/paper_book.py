"""The paper account: the backtest engine's state, advanced one closed bar at a time.

:class:`PaperBook` holds what the event loop holds (positions, pending orders, the account, the
engine's records) in the same packed buffers and advances them with the compiled phases of
:mod:`alphalab.live.paper_nb`, which are the engine's own rule functions. A bar is processed in the
backtest's order: :meth:`open_bar` (orders decided at the previous close fill at this open;
stops and targets against this bar's range), :meth:`decide` (the strategy's signals at the close
become pending orders), :meth:`close_bar` (close fills when chosen, marking, records). Fed the
backtest's bars and signals, it writes the backtest's order records and equity, to the last bit.

The state round-trips through JSON (:meth:`to_dict` / :meth:`from_dict`) so the bot can persist it
in the ledger after every bar and continue after a restart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from alphalab.engine import layout as L
from alphalab.engine.event_nb import state_layout
from alphalab.engine.kernel_nb import new_state
from alphalab.engine.simulate import Costs, EntryRules, SimSettings
from alphalab.live.paper_nb import PHASE_CLOSE, PHASE_DECIDE, PHASE_OPEN, paper_phase
from alphalab.live.strategy import BarDecision

_SHAPES = ("pos", "pend", "pend_prm", "acct", "kelly", "costs", "settings", "inst")


@dataclass(frozen=True, slots=True)
class Pending:
    """A market order the engine holds after a decision: an exit (``reason`` >= 0) or an entry (``side``)."""

    column: int
    side: int  # +1 buy, -1 sell
    is_exit: bool
    reason: int


class PaperBook:
    """One cash account over ``symbols`` (one engine cash group), advanced bar by bar."""

    def __init__(self, symbols: Sequence[str], *, rules: EntryRules, costs: Costs, settings: SimSettings,
                 capital: float, lot: np.ndarray, min_notional: np.ndarray, capacity: int = 256) -> None:
        self.symbols = tuple(symbols)
        self.rules, self.costs, self.settings = rules, costs, settings
        self.capital = float(capital)
        na = len(self.symbols)
        self.params = rules.vector().reshape(L.NPARAM, 1, 1)
        fresh = new_state(na, np.array([capital]), np.zeros((1, L.NTR)), np.zeros((1, L.NOR)))
        self._off = state_layout(na)
        self.state = np.zeros(self._off[-1])
        self.views = self._views()  # views of the one state buffer, which is only ever written in place
        for view, value in zip(self.views, (*fresh[:5], costs.vector(), settings.vector(),
                                               np.column_stack([lot, min_notional])), strict=True):
            view[...] = value
        self.ints = np.zeros(3 + na, dtype=np.int64)
        self.trades = np.zeros((max(64, 8 * na), L.NTR))
        self.orders = np.zeros((max(128, 16 * na), L.NOR))
        self.cap = 0
        self.mkt3 = np.empty((6, 0, na))
        self.sig = np.zeros((4, 0, na), dtype=np.bool_)
        self.curves = np.empty(0)
        self.t = -1  # index of the bar being (or last) processed
        self.times: list[int] = []
        self._grow(capacity)

    # -- buffers ----------------------------------------------------------------------------------
    def _views(self) -> list[np.ndarray]:
        na, off = len(self.symbols), self._off
        shapes = ((na, L.NPOS), (na, L.NPEND), (na, L.NPARAM), (1, L.NACCT), (na, L.KMAX), (L.NCOST,),
                  (L.NSET,), (na, L.NINST))
        return [self.state[off[i]:off[i + 1]].reshape(s) for i, s in enumerate(shapes)]

    @property
    def pos(self) -> np.ndarray:
        return self.views[0]

    @property
    def pend(self) -> np.ndarray:
        return self.views[1]

    @property
    def pend_prm(self) -> np.ndarray:
        return self.views[2]

    @property
    def acct(self) -> np.ndarray:
        return self.views[3]

    def _grow(self, cap: int) -> None:
        """Re-allocate the per-bar buffers to ``cap`` bars (the curves' layout depends on it)."""
        na, old = len(self.symbols), self.cap
        mkt3 = np.full((6, cap, na), np.nan)
        mkt3[:, :old] = self.mkt3
        sig = np.zeros((4, cap, na), dtype=np.bool_)
        sig[:, :old] = self.sig
        curves = np.full(cap * (3 + na), np.nan)
        for i in range(3):
            curves[i * cap:i * cap + old] = self.curves[i * old:(i + 1) * old]
        curves[3 * cap:3 * cap + old * na] = self.curves[3 * old:3 * old + old * na]
        self.mkt3, self.sig, self.curves, self.cap = mkt3, sig, curves, cap

    def _room(self) -> None:
        na = len(self.symbols)
        if self.t + 2 >= self.cap:
            self._grow(max(2 * self.cap, 256))
        need = 4 * na + 8
        for name, n in (("trades", self.ints[L.N_TRADES]), ("orders", self.ints[L.N_ORDERS])):
            buf = getattr(self, name)
            if n + need >= buf.shape[0]:
                new = np.zeros((max(2 * buf.shape[0], n + 2 * need), buf.shape[1]))
                new[: buf.shape[0]] = buf
                setattr(self, name, new)

    def _run(self, mode: int, last: bool = False) -> int:
        n0 = int(self.ints[L.N_ORDERS])
        paper_phase(mode, self.state, self.trades, self.orders, self.mkt3, self.ints, self.curves, self.sig,
                    self.params, self.t, last)
        return n0

    # -- the three phases of a bar ------------------------------------------------------------------
    def open_bar(self, t_ns: int, row: np.ndarray) -> range:
        """Start bar ``t_ns`` with ``row`` (6, A): open, high, low, close, volume, ATR (NaN: no bar).

        Returns the indices of the order records written (fills at the open, stop/target exits).
        """
        if self.times and t_ns <= self.times[-1]:
            raise ValueError(f"bar {t_ns} is not after the last bar {self.times[-1]}")
        self.t += 1
        self._room()
        self.times.append(int(t_ns))
        self.mkt3[:, self.t] = row
        n0 = self._run(PHASE_OPEN)
        return range(n0, int(self.ints[L.N_ORDERS]))

    def decide(self, decisions: Sequence[BarDecision | None]) -> list[Pending]:
        """Turn the signals at this bar's close into pending orders; return the new ones."""
        t = self.t
        for a, d in enumerate(decisions):
            if d is not None:
                self.sig[:, t, a] = (d.entry_long, d.exit_long, d.entry_short, d.exit_short)
        before = self.pend.copy()
        self._run(PHASE_DECIDE)
        return _new_pending(before, self.pend, self.pos)

    def drop(self, p: Pending) -> None:
        """Withdraw a pending order (the risk gate denied it, or the kill switch is on)."""
        if p.is_exit:
            self.pend[p.column, L.Q_EXIT] = -1.0
        else:
            self.pend[p.column, L.Q_SIDE] = 0.0

    def close_bar(self, *, last: bool = False) -> range:
        """Finish the bar: close fills (when chosen), marking, records; ``last`` closes every position."""
        n0 = self._run(PHASE_CLOSE, last)
        return range(n0, int(self.ints[L.N_ORDERS]))

    # -- views ------------------------------------------------------------------------------------
    @property
    def equity(self) -> float:
        a = self.acct
        return float(a[0, L.A_CASH] + a[0, L.A_VAL])

    def equity_curve(self) -> np.ndarray:
        return self.curves[: self.t + 1].copy()

    def order_records(self) -> np.ndarray:
        return self.orders[: int(self.ints[L.N_ORDERS])].copy()

    def trade_records(self) -> np.ndarray:
        return self.trades[: int(self.ints[L.N_TRADES])].copy()

    def positions(self) -> dict[str, float]:
        return {s: float(q) for s, q in zip(self.symbols, self.pos[:, L.P_QTY], strict=True) if q != 0.0}

    # -- persistence ------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Return the state needed to continue (JSON-serialisable): engine state, counters, last bars."""
        t = self.t
        keep = slice(max(0, t - 1), t + 1)
        return {
            "symbols": list(self.symbols), "t": t, "capital": self.capital,
            "state": _floats(self.state), "ints": [int(x) for x in self.ints],
            "times": self.times[keep], "mkt": [[_floats(r) for r in m] for m in self.mkt3[:, keep]],
            "orders": [_floats(r) for r in self.order_records()],
            "trades": [_floats(r) for r in self.trade_records()],
            "equity": self.equity if t >= 0 else self.capital,
        }

    def restore(self, data: dict[str, Any]) -> None:
        """Continue from :meth:`to_dict`'s output (same symbols and rules)."""
        if list(data["symbols"]) != list(self.symbols):
            raise ValueError("the saved paper account trades other symbols")
        self.state[:] = _arr(data["state"])
        self.ints[:] = np.asarray(data["ints"], dtype=np.int64)
        self.t = int(data["t"])
        self._grow(max(256, 2 * (self.t + 2)))
        n_keep = len(data["times"])
        self.times = [0] * (self.t + 1 - n_keep) + [int(x) for x in data["times"]]
        if n_keep:
            self.mkt3[:, self.t + 1 - n_keep:self.t + 1] = _arr(data["mkt"])
        for name, key in (("orders", "orders"), ("trades", "trades")):
            rows = _arr(data[key]).reshape(-1, getattr(self, name).shape[1])
            buf = np.zeros((max(getattr(self, name).shape[0], 2 * rows.shape[0] + 16), rows.shape[1]))
            buf[: rows.shape[0]] = rows
            setattr(self, name, buf)


def _floats(a: np.ndarray) -> list[float | None]:
    """Return floats for JSON (NaN as None, infinities kept out by the engine)."""
    return [None if x != x else float(x) for x in np.asarray(a, dtype=np.float64).ravel()]


def _arr(x: Any) -> np.ndarray:
    return np.array(x, dtype=np.float64)  # None becomes NaN


def _new_pending(before: np.ndarray, after: np.ndarray, pos: np.ndarray) -> list[Pending]:
    out = []
    for a in range(after.shape[0]):
        if after[a, L.Q_EXIT] >= 0.0 and before[a, L.Q_EXIT] < 0.0:
            side = -1 if pos[a, L.P_QTY] > 0 else 1
            out.append(Pending(a, side, True, int(after[a, L.Q_EXIT])))
        if after[a, L.Q_SIDE] != 0.0 and before[a, L.Q_SIDE] == 0.0:
            out.append(Pending(a, int(after[a, L.Q_SIDE]), False, -1))
    return out
