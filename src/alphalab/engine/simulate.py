"""Dispatch layer of the fast path: typed inputs, shape checks, then one call of the numba kernel.

Shapes are checked here, before numba sees the data, so a wrong input gives a readable
:class:`~alphalab.core.errors.EngineError` instead of a typing error from the compiler.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from alphalab.core.errors import EngineError
from alphalab.engine import layout as L
from alphalab.engine.loop_nb import NREC, REC_CASH, REC_GROSS, REC_POSITIONS, simulate_nb, simulate_one_nb

_SL_TYPES = {"none": L.SL_NONE, "percent": L.SL_PCT, "atr": L.SL_ATR, "price": L.SL_ABS}
_TP_TYPES = {"none": L.TP_NONE, "percent": L.TP_PCT, "r_multiple": L.TP_R, "price": L.TP_ABS}
_SIZE_TYPES = {
    "fixed_fraction": L.SIZE_FRACTION,
    "risk_per_trade": L.SIZE_RISK,
    "fixed_quantity": L.SIZE_QTY,
    "fixed_notional": L.SIZE_NOTIONAL,
    "kelly": L.SIZE_KELLY,
}
_SLIP_TYPES = {
    "bps": L.SLIP_BPS,
    "atr_fraction": L.SLIP_ATR,
    "range_fraction": L.SLIP_RANGE,
    "volume_impact": L.SLIP_VOLUME,
}


@dataclass(frozen=True)
class EntryRules:
    """Sizing and exit rules attached to an entry (read at the signal bar).

    ``stop_loss`` / ``trailing`` types: ``"none"``, ``"percent"`` (``value`` is a fraction),
    ``"atr"`` (``value`` is a multiple of the ATR at the signal bar) or, for the stop loss,
    ``"price"`` (an absolute level). ``take_profit``: ``"percent"``, ``"r_multiple"`` (of the
    initial stop distance) or ``"price"``. ``size``: ``fixed_fraction`` (of equity),
    ``risk_per_trade`` (equity x value / stop distance), ``fixed_quantity``, ``fixed_notional``
    or ``kelly`` (``value`` is the Kelly multiplier). ``size_cap`` caps Kelly's fraction of equity and
    the notional of risk-per-trade entries (as a fraction of equity; 0: no cap).
    """

    stop_loss: str = "none"
    stop_value: float = 0.0
    take_profit: str = "none"
    target_value: float = 0.0
    trailing: str = "none"
    trailing_value: float = 0.0
    time_stop_bars: int = 0
    size: str = "fixed_fraction"
    size_value: float = 1.0
    size_cap: float = 0.25
    kelly_lookback: int = 50
    exit_on_opposite: bool = True

    def vector(self) -> np.ndarray:
        """Return the rules as the kernel's parameter vector (layout ``R_*``)."""
        try:
            v = np.zeros(L.NPARAM)
            v[L.R_SL_TYPE] = _SL_TYPES[self.stop_loss]
            v[L.R_SL_VAL] = self.stop_value
            v[L.R_TP_TYPE] = _TP_TYPES[self.take_profit]
            v[L.R_TP_VAL] = self.target_value
            v[L.R_TR_TYPE] = {"none": 0, "percent": 1, "atr": 2}[self.trailing]
            v[L.R_TR_VAL] = self.trailing_value
            v[L.R_TSTOP] = self.time_stop_bars
            v[L.R_SIZE_TYPE] = _SIZE_TYPES[self.size]
            v[L.R_SIZE_VAL] = self.size_value
            v[L.R_KCAP] = self.size_cap
            v[L.R_KLOOK] = self.kelly_lookback
            v[L.R_OPP] = 1.0 if self.exit_on_opposite else 0.0
        except KeyError as exc:
            raise EngineError(f"unknown entry rule type {exc.args[0]!r}") from None
        if self.size == "risk_per_trade" and self.stop_loss == "none":
            raise EngineError("risk_per_trade sizing needs a stop loss", hint="add exits.stop_loss")
        return v

    @property
    def needs_atr(self) -> bool:
        return "atr" in (self.stop_loss, self.trailing)


@dataclass(frozen=True)
class Costs:
    """Fees and slippage of every fill (rates in basis points)."""

    fee_bps: float = 0.0
    maker_fee_bps: float | None = None
    fee_fixed: float = 0.0
    slippage: str = "bps"
    slippage_value: float = 0.0
    participation_cap: float = 0.1
    impact_coef: float = 0.1

    def vector(self) -> np.ndarray:
        """Return the costs as the kernel's vector (layout ``C_*``)."""
        if self.slippage not in _SLIP_TYPES:
            raise EngineError(
                f"unknown slippage model {self.slippage!r}", hint=f"use one of {list(_SLIP_TYPES)}"
            )
        if min(self.fee_bps, self.fee_fixed, self.slippage_value) < 0 or (self.maker_fee_bps or 0) < 0:
            raise EngineError("fees and slippage cannot be negative")
        v = np.zeros(L.NCOST)
        v[L.C_FEE] = self.fee_bps * 1e-4
        v[L.C_MAKER] = (self.fee_bps if self.maker_fee_bps is None else self.maker_fee_bps) * 1e-4
        v[L.C_FIXED] = self.fee_fixed
        v[L.C_SLIP_TYPE] = _SLIP_TYPES[self.slippage]
        v[L.C_SLIP_VAL] = self.slippage_value
        v[L.C_PCAP] = self.participation_cap
        v[L.C_IMPACT] = self.impact_coef
        return v


@dataclass(frozen=True)
class SimSettings:
    """Run-wide switches of a simulation."""

    fill_at_close: bool = False
    allow_short: bool = True
    leverage: float = 1.0
    pyramiding: int = 1
    stop_priority: str = "stop"
    kelly_min_trades: int = 20
    kelly_fallback: float = 0.02

    def vector(self) -> np.ndarray:
        """Return the settings as the kernel's vector (layout ``S_*``)."""
        if self.stop_priority not in ("stop", "target"):
            raise EngineError(f"stop_priority must be 'stop' or 'target', got {self.stop_priority!r}")
        if self.leverage <= 0 or self.pyramiding < 1:
            raise EngineError("leverage must be > 0 and pyramiding >= 1")
        v = np.zeros(L.NSET)
        v[L.S_FILL_CLOSE] = float(self.fill_at_close)
        v[L.S_ALLOW_SHORT] = float(self.allow_short)
        v[L.S_LEVERAGE] = self.leverage
        v[L.S_PYRAMID] = self.pyramiding
        v[L.S_TARGET_FIRST] = float(self.stop_priority == "target")
        v[L.S_KELLY_MIN] = self.kelly_min_trades
        v[L.S_KELLY_FALLBACK] = self.kelly_fallback
        return v


@dataclass
class SimOutput:
    """Raw output of one simulation: record arrays (layouts ``TR_*``, ``O_*``) and curves per group.

    ``cash``, ``gross`` and ``positions`` have zero rows when ``simulate`` was asked not to record them.
    """

    trades: np.ndarray
    orders: np.ndarray
    equity: np.ndarray  # (T, G)
    cash: np.ndarray  # (T, G) or (0, G)
    gross: np.ndarray  # (T, G) or (0, G)
    positions: np.ndarray  # (T, A) or (0, A)
    group: np.ndarray  # (A,)
    capital: np.ndarray  # (G,)
    extras: dict[str, np.ndarray] = field(default_factory=dict)


def _as_mask(x: np.ndarray | None, shape: tuple[int, int], name: str) -> np.ndarray:
    if x is None:
        return np.zeros(shape, dtype=np.bool_)
    arr = np.asarray(x)
    if arr.shape != shape:
        raise EngineError(f"{name} has shape {arr.shape}, expected {shape} (time x asset)")
    return np.ascontiguousarray(arr.astype(np.bool_, copy=False))


def _exit_stack(x: np.ndarray | None, shape: tuple[int, int], name: str) -> np.ndarray:
    if x is None:
        return np.zeros((1, *shape), dtype=np.bool_)
    arr = np.asarray(x)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.shape[1:] != shape:
        raise EngineError(f"{name} has shape {arr.shape}, expected {shape} or (K, {shape[0]}, {shape[1]})")
    return np.ascontiguousarray(arr.astype(np.bool_, copy=False))


def build_params(rules: EntryRules | Sequence[EntryRules] | np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Return the (NPARAM, T or 1, A or 1) parameter array from rules per run, per column or per bar."""
    if isinstance(rules, EntryRules):
        return rules.vector().reshape(L.NPARAM, 1, 1)
    if isinstance(rules, np.ndarray):
        arr = np.ascontiguousarray(rules, dtype=np.float64)
        ok = arr.ndim == 3 and arr.shape[0] == L.NPARAM and arr.shape[1] in (1, shape[0])
        if not ok or arr.shape[2] not in (1, shape[1]):
            raise EngineError(f"entry rule array has shape {arr.shape}, expected ({L.NPARAM}, T|1, A|1)")
        return arr
    seq = list(rules)
    if len(seq) != shape[1]:
        raise EngineError(f"{len(seq)} entry rules given for {shape[1]} columns")
    return np.ascontiguousarray(np.stack([r.vector() for r in seq], axis=1)[:, None, :])


CURVES = ("equity", "cash", "gross", "positions")
_REC_INDEX = {"cash": REC_CASH, "gross": REC_GROSS, "positions": REC_POSITIONS}


def _record_flags(record: Sequence[str]) -> np.ndarray:
    names = (record,) if isinstance(record, str) else tuple(record)
    unknown = [r for r in names if r not in CURVES]
    if unknown:
        raise EngineError(f"unknown curve(s) to record: {unknown}", hint=f"choose from {list(CURVES)}")
    flags = np.zeros(NREC, dtype=np.bool_)
    for name in names:
        if name in _REC_INDEX:
            flags[_REC_INDEX[name]] = True
    return flags


def _capacity(el: np.ndarray, es: np.ndarray) -> int:
    """Return record rows that fit every trade: each trade (and each fill) starts from an entry signal."""
    return int(np.count_nonzero(el)) + int(np.count_nonzero(es)) + 16


def simulate(
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
    rules: EntryRules | Sequence[EntryRules] | np.ndarray = EntryRules(),
    costs: Costs = Costs(),
    settings: SimSettings = SimSettings(),
    capital: float | Sequence[float] = 100_000.0,
    group: Sequence[int] | np.ndarray | None = None,
    atr: np.ndarray | None = None,
    force_exit: np.ndarray | None = None,
    config_index: np.ndarray | None = None,
    lot_size: float | Sequence[float] | np.ndarray = 0.0,
    min_notional: float | Sequence[float] | np.ndarray = 0.0,
    record: Sequence[str] = CURVES,
) -> SimOutput:
    """Simulate signals over (time, asset) arrays with the compiled bar loop.

    Parameters
    ----------
    open_, high, low, close, volume
        Bars as (T, A) float64 arrays; NaN marks a bar a column does not have.
    entry_long, exit_long, entry_short, exit_short
        (T, A) booleans known at the close of each bar; exits may be stacks (K, T, A) selected by
        the configuration index that opened the position.
    rules
        One :class:`EntryRules`, one per column, or a raw (NPARAM, T|1, A|1) array.
    capital, group
        Starting cash per group and the group of each column (default: all columns share one cash).
    atr
        (T, A) ATR used by ATR stops, trailing stops and ATR slippage.
    force_exit
        (T, A) booleans that close positions with reason ``regime_switch``.
    config_index
        (T, A) ints: which exit stack an entry at that bar uses.
    record
        The curves to write besides equity (always written): any of ``"cash"``, ``"gross"``,
        ``"positions"`` (default: all). Curves left out come back with zero rows; sweeps that only
        read equity save the (time x column) writes.

    Returns
    -------
    SimOutput
    """
    shape = np.shape(close)
    if len(shape) != 2:
        raise EngineError(f"bars must be 2-D (time x asset), got shape {shape}")
    params = build_params(rules, shape)
    mkt = _market((open_, high, low, close, volume), atr, params, costs, shape)
    el, es, xl, xs, cfg, force = _signal_arrays(entry_long, exit_long, entry_short, exit_short, config_index,
                                                force_exit, shape)
    grp, cap = _groups(group, capital, shape[1])
    inst = np.empty((shape[1], L.NINST))
    inst[:, L.I_LOT] = np.broadcast_to(np.asarray(lot_size, dtype=np.float64), (shape[1],))
    inst[:, L.I_MIN_NOTIONAL] = np.broadcast_to(np.asarray(min_notional, dtype=np.float64), (shape[1],))
    curves = _curves(_record_flags(record), shape, cap.shape[0])
    args = (
        mkt,
        el,
        es,
        xl,
        xs,
        cfg,
        force,
        params,
        grp,
        cap,
        costs.vector(),
        settings.vector(),
        inst,
    )
    trades, orders, counts = _run_kernel(args, curves, _capacity(el, es))
    eq, cash, gross, posq = curves
    return SimOutput(
        trades[: counts[L.N_TRADES]],  # views of buffers sized to fit: no copy
        orders[: counts[L.N_ORDERS]],
        eq,
        cash,
        gross,
        posq,
        grp,
        cap,
    )


def _signal_arrays(
    entry_long: np.ndarray, exit_long: np.ndarray | None, entry_short: np.ndarray | None,
    exit_short: np.ndarray | None, config_index: np.ndarray | None, force_exit: np.ndarray | None,
    shape: tuple[int, ...],
) -> tuple[np.ndarray, ...]:
    """Check and convert the signal inputs of ``simulate``: (el, es, xl, xs, config index, force exit)."""
    sh = (int(shape[0]), int(shape[1]))
    el = _as_mask(entry_long, sh, "entry_long")
    xl = _exit_stack(exit_long, sh, "exit_long")
    # no short signals: zero-bar arrays (the kernels read them as none; no (T, A) zeros to allocate and scan)
    es = np.zeros((0, sh[1]), dtype=np.bool_) if entry_short is None else _as_mask(entry_short, sh, "entry_short")
    xs = (np.zeros((xl.shape[0], 0, sh[1]), dtype=np.bool_) if exit_short is None
          else _exit_stack(exit_short, sh, "exit_short"))
    if xl.shape[0] != xs.shape[0]:
        raise EngineError("exit_long and exit_short stacks must have the same depth K")
    cfg = np.zeros((1, 1), dtype=np.int64) if config_index is None else np.asarray(config_index, dtype=np.int64)
    if cfg.ndim != 2 or (cfg.size and (cfg.min() < 0 or cfg.max() >= xl.shape[0])):
        raise EngineError(f"config_index must be (T, A) ints in [0, {xl.shape[0]})")
    force = np.zeros((1, 1), dtype=np.bool_) if force_exit is None else _as_mask(force_exit, sh, "force_exit")
    return el, es, xl, xs, np.ascontiguousarray(cfg), force


def _market(
    bars: tuple[np.ndarray, ...],
    atr: np.ndarray | None,
    params: np.ndarray,
    costs: Costs,
    shape: tuple[int, ...],
) -> tuple[np.ndarray, ...]:
    """Return the market tuple (open, high, low, close, volume, atr) as contiguous float64 arrays."""
    mkt_list = []
    for name, arr in zip(("open", "high", "low", "close", "volume"), bars, strict=True):
        a = np.ascontiguousarray(arr, dtype=np.float64)
        if a.shape != shape:
            raise EngineError(f"{name} has shape {a.shape}, expected {shape}")
        mkt_list.append(a)
    uses_atr = bool(np.any(np.isin(params[L.R_SL_TYPE], [L.SL_ATR])) or np.any(params[L.R_TR_TYPE] == 2))
    if atr is None:
        if uses_atr or costs.slippage == "atr_fraction":
            raise EngineError("ATR stops or ATR slippage need an ATR array", hint="pass atr=(T, A) values")
        atr_arr = np.empty((0, shape[1]))  # no ATR: the rules read NaN (rules_nb.atr_at)
    else:
        atr_arr = np.ascontiguousarray(atr, dtype=np.float64)
        if atr_arr.shape != shape:
            raise EngineError(f"atr has shape {atr_arr.shape}, expected {shape}")
    return (*mkt_list, atr_arr)


def _curves(
    rec: np.ndarray, shape: tuple[int, ...], n_g: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Allocate the recorded curves (equity always; the others only when recorded)."""
    n_t = shape[0]
    eq = np.empty((n_t, n_g))
    cash = np.empty((n_t if rec[REC_CASH] else 0, n_g))
    gross = np.empty((n_t if rec[REC_GROSS] else 0, n_g))
    posq = np.empty((n_t if rec[REC_POSITIONS] else 0, shape[1]))
    return eq, cash, gross, posq


def _run_kernel(
    args: tuple[Any, ...], curves: tuple[np.ndarray, ...], n_tr: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run the compiled loop, growing the record buffers when the kernel flags an overflow."""
    kernel: Any = simulate_one_nb if args[0][0].shape[1] == 1 else simulate_nb  # see simulate_one_nb
    n_or = 2 * n_tr
    while True:  # the buffers are large enough on the first pass; the kernel flags an overflow otherwise
        trades = np.empty((n_tr, L.NTR))
        orders = np.empty((n_or, L.NOR))
        counts, _pos = kernel(*args, trades, orders, *curves)
        if not counts[L.OVERFLOW]:
            return trades, orders, counts
        n_tr = max(n_tr * 2, int(counts[L.N_TRADES]) + 1)
        n_or = max(n_or * 2, int(counts[L.N_ORDERS]) + 1)


def _groups(group: Sequence[int] | np.ndarray | None, capital: float | Sequence[float], n: int) -> tuple:
    grp = np.zeros(n, dtype=np.int64) if group is None else np.asarray(group, dtype=np.int64)
    if grp.shape != (n,) or (n and grp.min() < 0):
        raise EngineError(f"group must give a non-negative group number for each of the {n} columns")
    n_groups = int(grp.max()) + 1 if n else 1
    cap = np.broadcast_to(np.asarray(capital, dtype=np.float64), (n_groups,)).copy()
    if np.any(cap <= 0):
        raise EngineError("capital must be positive")
    return np.ascontiguousarray(grp), cap
