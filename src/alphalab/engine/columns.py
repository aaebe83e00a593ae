"""Many signal columns on one symbol's bars, each with its own cash: a sweep without tiling the bars.

``simulate_columns`` gives what :func:`alphalab.engine.simulate.simulate` gives for the bars tiled
K times with one cash group per column, but each column runs through the one-column loop
(``column_nb``) on the shared (T, 1) bars: no (T, K) copies of the bars, and each column's signals
and curve are read and written contiguously (signals in column-major (T, K) arrays, e.g. the
transpose of a (K, T) array, need no copy at all).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from alphalab.core.errors import EngineError
from alphalab.engine import layout as L
from alphalab.engine.loop_nb import REC_CASH, REC_GROSS, REC_POSITIONS, simulate_one_nb
from alphalab.engine.simulate import (
    CURVES,
    Costs,
    EntryRules,
    SimOutput,
    SimSettings,
    _as_mask,
    _capacity,
    _exit_stack,
    _market,
    _record_flags,
    build_params,
)


def _column(x: np.ndarray | None, k: int) -> np.ndarray | None:
    """Column ``k`` of a (T, K) array as a (T, 1) array (a view when the column is contiguous)."""
    return None if x is None else np.ascontiguousarray(x[:, k : k + 1])


def _signals(x: np.ndarray | None, n_bars: int, name: str, k: int | None) -> np.ndarray | None:
    if x is None:
        return None
    arr = np.asarray(x, dtype=np.bool_)
    if arr.ndim != 2 or arr.shape[0] != n_bars or (k is not None and arr.shape[1] != k):
        raise EngineError(f"{name} has shape {arr.shape}, expected ({n_bars}, {k if k is not None else 'K'})")
    return arr


def simulate_columns(
    open_: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    volume: np.ndarray,
    entry_long: np.ndarray,
    exit_long: np.ndarray | None = None,
    entry_short: np.ndarray | None = None,
    exit_short: np.ndarray | None = None,
    *,
    rules: EntryRules | Sequence[EntryRules] = EntryRules(),
    costs: Costs = Costs(),
    settings: SimSettings = SimSettings(),
    capital: float | Sequence[float] = 100_000.0,
    atr: np.ndarray | Sequence[np.ndarray | None] | None = None,
    lot_size: float = 0.0,
    min_notional: float = 0.0,
    record: Sequence[str] = CURVES,
) -> SimOutput:
    """Simulate K signal columns over one symbol's bars, each column with its own cash group.

    Parameters
    ----------
    open_, high, low, close, volume
        The symbol's bars, (T,) or (T, 1) float64.
    entry_long, exit_long, entry_short, exit_short
        (T, K) booleans, one column per signal set (short ones may be None: no short signals).
    rules
        One :class:`EntryRules` for every column or one per column.
    capital
        Starting cash of every column, or one per column.
    atr
        None, one (T,) / (T, 1) array for every column, a (T, K) array or a sequence of K arrays
        (or Nones).

    Returns
    -------
    SimOutput
        Curves (T, K) (column-major), group ``k`` is column ``k``; trade and order records come
        column by column, each in time order (``TR_COL`` / ``O_COL`` = ``k``). Every column equals
        a one-column ``simulate`` of its own signals, bit for bit.
    """
    bars = tuple(np.ascontiguousarray(np.reshape(np.asarray(x, dtype=np.float64), (-1, 1))) for x in
                 (open_, high, low, close, volume))
    n_bars = bars[3].shape[0]
    el = _signals(entry_long, n_bars, "entry_long", None)
    assert el is not None
    n_cols = el.shape[1]
    xl, es, xs = (_signals(x, n_bars, n, n_cols) for x, n in
                  ((exit_long, "exit_long"), (entry_short, "entry_short"), (exit_short, "exit_short")))
    per_rules, caps = _per_column(rules, capital, n_cols)
    atrs = _atr_columns(atr, n_bars, n_cols)
    flags = _record_flags(record)
    curves = tuple(np.empty((n_bars if on else 0, n_cols), order="F")  # each column contiguous
                   for on in (True, flags[REC_CASH], flags[REC_GROSS], flags[REC_POSITIONS]))
    sigs = [_column_signals(el, xl, es, xs, k, n_bars) for k in range(n_cols)]
    trades, orders = _run_columns(bars, sigs, per_rules, caps, atrs, costs, settings,
                                  np.array([[lot_size, min_notional]], dtype=np.float64), curves)
    eq, cash, gross, posq = curves
    return SimOutput(trades, orders, eq, cash, gross, posq, np.arange(n_cols, dtype=np.int64), caps)


def _column_signals(el: np.ndarray, xl: np.ndarray | None, es: np.ndarray | None, xs: np.ndarray | None, k: int,
                    n_bars: int) -> tuple[np.ndarray, ...]:
    """Column ``k``'s (entry_long, entry_short, exit_long, exit_short) as the kernel takes them."""
    shape = (n_bars, 1)
    return (_as_mask(_column(el, k), shape, "entry_long"),
            np.zeros((0, 1), dtype=np.bool_) if es is None else _as_mask(_column(es, k), shape, "entry_short"),
            _exit_stack(_column(xl, k), shape, "exit_long"),
            np.zeros((1, 0, 1), dtype=np.bool_) if xs is None else _exit_stack(_column(xs, k), shape, "exit_short"))


def _run_columns(
    bars: tuple[np.ndarray, ...], sigs: list[tuple[np.ndarray, ...]], per_rules: list[EntryRules], caps: np.ndarray,
    atrs: list[np.ndarray | None], costs: Costs, settings: SimSettings, inst: np.ndarray,
    curves: tuple[np.ndarray, ...],
) -> tuple[np.ndarray, np.ndarray]:
    """Run the one-column kernel per column, writing into the columns of ``curves``; return the records.

    Each column's records go to its own slice of shared buffers, sized so that they cannot overflow
    (a trade starts with an entry signal, and a column has at most one entry and one exit order per
    trade); ``TR_COL`` / ``O_COL`` are set to the column afterwards.
    """
    n_bars = bars[3].shape[0]
    room = np.array([_capacity(s[0], s[1]) for s in sigs], dtype=np.int64)
    start = np.concatenate([[0], np.cumsum(room)])
    trades, orders = np.empty((int(start[-1]), L.NTR)), np.empty((2 * int(start[-1]), L.NOR))
    fixed = (np.zeros((1, 1), dtype=np.int64), np.zeros((1, 1), dtype=np.bool_), np.zeros(1, dtype=np.int64))
    vecs = (costs.vector(), settings.vector(), inst)
    kernel: Any = simulate_one_nb
    used_tr, used_or = [np.empty(0, dtype=np.int64)], [np.empty(0, dtype=np.int64)]
    for k, sig in enumerate(sigs):
        params = build_params(per_rules[k], (n_bars, 1))
        lo, hi = int(start[k]), int(start[k + 1])
        counts, _pos = kernel(
            _market(bars, atrs[k], params, costs, (n_bars, 1)), *sig, fixed[0], fixed[1], params, fixed[2],
            caps[k : k + 1], *vecs, trades[lo:hi], orders[2 * lo : 2 * hi], *(c[:, k : k + 1] for c in curves))
        if counts[L.OVERFLOW]:
            raise EngineError("record buffers of a column overflowed", hint="report this as a bug")
        trades[lo : lo + counts[L.N_TRADES], L.TR_COL] = k
        orders[2 * lo : 2 * lo + counts[L.N_ORDERS], L.O_COL] = k
        used_tr.append(np.arange(lo, lo + counts[L.N_TRADES]))
        used_or.append(np.arange(2 * lo, 2 * lo + counts[L.N_ORDERS]))
    return trades[np.concatenate(used_tr)], orders[np.concatenate(used_or)]


def _per_column(rules: EntryRules | Sequence[EntryRules], capital: float | Sequence[float],
                n_cols: int) -> tuple[list[EntryRules], np.ndarray]:
    """Return the entry rules and the starting cash of each column."""
    per_rules = [rules] * n_cols if isinstance(rules, EntryRules) else list(rules)
    if len(per_rules) != n_cols:
        raise EngineError(f"{len(per_rules)} entry rules given for {n_cols} columns")
    caps = np.broadcast_to(np.asarray(capital, dtype=np.float64), (n_cols,)).copy()
    if np.any(caps <= 0):
        raise EngineError("capital must be positive")
    return per_rules, caps


def _atr_columns(atr: np.ndarray | Sequence[np.ndarray | None] | None, n_bars: int,
                 n_cols: int) -> list[np.ndarray | None]:
    """Return one (T, 1) ATR array (or None) per column."""
    if atr is None:
        return [None] * n_cols
    if isinstance(atr, np.ndarray):
        if atr.ndim == 1 or atr.shape[1:] == (1,):
            shared = np.reshape(atr, (-1, 1))
            return [shared] * n_cols
        if atr.shape != (n_bars, n_cols):
            raise EngineError(f"atr has shape {atr.shape}, expected ({n_bars},), ({n_bars}, 1) or ({n_bars}, {n_cols})")
        return [atr[:, k : k + 1] for k in range(n_cols)]
    seq = list(atr)
    if len(seq) != n_cols:
        raise EngineError(f"{len(seq)} ATR arrays given for {n_cols} columns")
    return [None if x is None else np.reshape(x, (-1, 1)) for x in seq]
