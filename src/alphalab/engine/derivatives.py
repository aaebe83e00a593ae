"""Funding, perpetual margin and liquidation, and stock borrow cost over a backtest's trade log.

This is a post-processing layer: it takes the trade log and the bars of one symbol and returns
the trade log with ``funding``, ``borrow`` and ``liquidation_price`` columns, liquidated trades
cut at their liquidation price (reason ``liquidation``, with the liquidation fee), ``pnl`` net
of all of it, and the equity adjustment per bar (add it to the run's equity curve). The rules are
the jitted functions of :mod:`alphalab.engine.derivatives_nb`; fees come from the engine's own
``fee_of``. Being after the fact, it does not re-size later trades after a liquidation or a
funding payment (the engine's sizing saw the unadjusted equity).
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alphalab.core.errors import ConfigError
from alphalab.engine import derivatives_nb as D
from alphalab.engine.rules_nb import fee_of
from alphalab.engine.simulate import Costs


@dataclass(frozen=True, slots=True)
class MarginTier:
    """One bracket of a venue's margin table: positions up to ``max_notional``."""

    max_notional: float
    maintenance_rate: float
    max_leverage: float
    maintenance_amount: float = 0.0


def margin_tiers(rows: Sequence[MarginTier | dict[str, Any]]) -> np.ndarray:
    """Validate a tier table (from config: a list of mappings) and return it as the rules' array."""
    tiers = [r if isinstance(r, MarginTier) else _tier_from(r, i) for i, r in enumerate(rows)]
    if not tiers:
        raise ConfigError("the margin tier table is empty", hint="give at least one tier")
    prev = 0.0
    for i, t in enumerate(tiers):
        if not (t.max_notional > prev and 0 <= t.maintenance_rate < 1 and t.max_leverage >= 1):
            raise ConfigError(
                f"margin tier {i} is invalid ({t})",
                hint="tiers need increasing max_notional, 0 <= maintenance_rate < 1 and max_leverage >= 1",
            )
        prev = t.max_notional
    return np.array([[t.max_notional, t.maintenance_rate, t.max_leverage, t.maintenance_amount] for t in tiers])


def tiers_from_file(path: str | Path) -> np.ndarray:
    """Read a margin tier table from a JSON or TOML config file (``tiers = [{max_notional = ...}, ...]``)."""
    p = Path(path)
    try:
        text = p.read_text()
        data: Any = tomllib.loads(text) if p.suffix == ".toml" else json.loads(text)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the margin tier table {p}: {exc}",
                          hint="give a JSON list of tiers or a TOML file with a [[tiers]] table") from None
    rows = data.get("tiers") if isinstance(data, dict) else data
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ConfigError(f"{p}: the margin tier table must be a list of tiers",
                          hint="each tier: max_notional, maintenance_rate, max_leverage[, maintenance_amount]")
    try:
        return margin_tiers(rows)
    except ConfigError as exc:
        raise ConfigError(f"{p}: {exc.message}", hint=exc.hint) from None


def _tier_from(row: dict[str, Any], i: int) -> MarginTier:
    try:
        return MarginTier(**row)
    except TypeError:
        raise ConfigError(
            f"margin tier {i} has fields {sorted(row)}",
            hint="use max_notional, maintenance_rate, max_leverage and optionally maintenance_amount",
        ) from None


@dataclass(frozen=True)
class DerivativesConfig:
    """What the layer applies: ``perpetual`` (funding, margin, liquidation) or ``stock`` (borrow)."""

    kind: str = "perpetual"
    leverage: float = 1.0
    tiers: Sequence[MarginTier | dict[str, Any]] = field(default_factory=tuple)
    liquidation_fee_bps: float = 0.0
    borrow_rate: float = 0.0
    days_per_year: float = 365.0
    costs: Costs = field(default_factory=Costs)

    def __post_init__(self) -> None:
        if self.kind not in ("perpetual", "stock"):
            raise ConfigError(f"derivatives kind must be 'perpetual' or 'stock', got {self.kind!r}",
                              hint="use kind='perpetual' for swaps, 'stock' for borrow costs")
        for name in ("leverage", "days_per_year"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0):
                raise ConfigError(f"derivatives field {name!r} must be > 0, got {v!r}", hint=f"set {name}")
        if min(self.liquidation_fee_bps, self.borrow_rate) < 0:
            raise ConfigError("liquidation_fee_bps and borrow_rate cannot be negative", hint="use values >= 0")


@dataclass(frozen=True, slots=True)
class DerivativesResult:
    """The adjusted trade log and the per-bar equity adjustment (a level: add it to equity)."""

    trades: pd.DataFrame
    equity_adjustment: pd.Series

    def adjust_equity(self, equity: pd.Series) -> pd.Series:
        return equity + self.equity_adjustment.reindex(equity.index).ffill().fillna(0.0)


def _ns(index: Any) -> np.ndarray:
    return np.ascontiguousarray(pd.DatetimeIndex(index).as_unit("ns").asi8)


def _funding_arrays(funding: pd.Series | None) -> tuple[np.ndarray, np.ndarray]:
    if funding is None or len(funding) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    f = funding.dropna().sort_index()
    f = f[~f.index.duplicated(keep="last")]
    return _ns(f.index), np.ascontiguousarray(f.to_numpy(dtype=float))


def apply_derivatives(
    trades: pd.DataFrame, bars: pd.DataFrame, config: DerivativesConfig, *, funding: pd.Series | None = None
) -> DerivativesResult:
    """Apply funding (at the times of ``funding``, rates as fractions), liquidation and borrow cost.

    ``trades`` is a trade log of the symbol whose ``bars`` are given (entry/exit times are bar open
    times of ``bars``); ``funding`` is a rate series indexed by funding time (see
    :mod:`alphalab.data.funding`).
    """
    btimes = _ns(bars.index)
    close = np.ascontiguousarray(bars["close"].to_numpy(dtype=float))
    ftimes, frates = _funding_arrays(funding if config.kind == "perpetual" else None)
    tiers = margin_tiers(config.tiers) if config.kind == "perpetual" and config.tiers else None
    bar_ns = np.int64(np.median(np.diff(btimes))) if len(btimes) > 1 else np.int64(0)
    bar_s = float(bar_ns) / 1e9
    cvec = config.costs.vector()
    adj = np.zeros(len(bars))
    out = trades.copy()
    cols: dict[str, list[Any]] = {k: [] for k in ("funding", "borrow", "liquidation_price")}
    for i, tr in enumerate(trades.itertuples(index=False)):
        side = 1 if tr.side == "long" else -1
        eb, xb = _bar_of(bars, tr.entry_time, i), _bar_of(bars, tr.exit_time, i)
        liq, t_exit = np.nan, btimes[xb]
        if tiers is not None:
            liq, t_liq = _liquidate(out, i, tr, side, eb, xb, tiers, config, cvec, bars, adj)
            if t_liq >= 0:  # liquidated inside bar t_liq: still open at its open time
                xb, t_exit = t_liq, btimes[t_liq] + 1
        fbars, fpaid = D.funding_flows(side, float(tr.quantity), btimes[eb], t_exit, ftimes, frates, btimes,
                                       bar_ns, close)
        for fb, fp in zip(fbars, fpaid, strict=True):
            adj[fb:] -= fp
        paid = float(fpaid.sum())
        borrow = 0.0
        if config.kind == "stock" and side < 0 and config.borrow_rate > 0:
            per_bar = np.array([D.borrow_cost(-float(tr.quantity), close[t], config.borrow_rate, bar_s,
                                              config.days_per_year) for t in range(eb, xb)])
            borrow = float(per_bar.sum())
            adj[eb:xb] -= np.cumsum(per_bar)
            adj[xb:] -= borrow
        cols["funding"].append(paid)
        cols["borrow"].append(borrow)
        cols["liquidation_price"].append(liq)
    for k, v in cols.items():
        out[k] = np.asarray(v, dtype=float)
    out["pnl"] = out["pnl"] - out["funding"] - out["borrow"]
    return DerivativesResult(out, pd.Series(adj, index=bars.index, name="equity_adjustment"))


def _bar_of(bars: pd.DataFrame, time: Any, row: int) -> int:
    pos = bars.index.get_indexer([pd.Timestamp(time)])[0] if bars.index.is_unique else -1
    if pos < 0:
        raise ConfigError(
            f"trade row {row}: time {time} is not a bar of the given bars (or the bars repeat a time)",
            hint="pass the bars of the trade log's symbol and timeframe, as the backtest used them",
        )
    return int(pos)


def _liquidate(
    out: pd.DataFrame, i: int, tr: Any, side: int, eb: int, xb: int, tiers: np.ndarray, config: DerivativesConfig,
    cvec: np.ndarray, bars: pd.DataFrame, adj: np.ndarray,
) -> tuple[float, int]:
    """Compute the trade's liquidation price; cut it there when a bar crosses it.

    Return the price and the bar of the liquidation (-1: none).
    """
    index = pd.DatetimeIndex(bars.index)
    high, low = bars["high"].to_numpy(dtype=float), bars["low"].to_numpy(dtype=float)
    close, opens = bars["close"].to_numpy(dtype=float), bars["open"].to_numpy(dtype=float)
    q, entry = float(tr.quantity), float(tr.entry_price)
    notional = q * entry
    row = D.tier_row(tiers, notional)
    margin = D.initial_margin(tiers, notional, config.leverage)
    liq = D.liquidation_price(side, entry, q, margin, tiers[row, D.T_MMR], tiers[row, D.T_AMOUNT])
    exit_at_open = bool(float(tr.exit_price) == opens[xb]) or tr.exit_reason in ("signal", "opposite_signal")
    t = D.liquidation_bar(side, liq, eb, xb, exit_at_open, np.ascontiguousarray(high), np.ascontiguousarray(low))
    if t < 0:
        return liq, -1
    maker = tr.exit_reason == "take_profit"
    old_exit_fee = fee_of(q * float(tr.exit_price), maker, cvec)
    liq_fee = q * liq * config.liquidation_fee_bps * 1e-4
    fees = float(tr.fees) - old_exit_fee + liq_fee
    pnl = side * q * (liq - entry) - (float(tr.fees) - old_exit_fee) - liq_fee
    new_value = side * q * (liq - entry) - liq_fee
    for k in range(t, len(adj)):
        old_value = side * q * (close[k] - entry) if k < xb else side * q * (float(tr.exit_price) - entry) - old_exit_fee
        adj[k] += new_value - old_value
    j = out.columns.get_loc
    out.iloc[i, j("exit_time")] = index[t]
    out.iloc[i, j("exit_price")] = liq
    out.iloc[i, j("fees")] = fees
    out.iloc[i, j("pnl")] = pnl
    out.iloc[i, j("exit_reason")] = "liquidation"
    return liq, t


def apply_to_result(
    result: Any, config: DerivativesConfig, *, funding: pd.Series | dict[str, pd.Series] | None = None
) -> tuple[pd.DataFrame, pd.Series]:
    """Apply the layer to every symbol of a ``BacktestResult``; return ``(trades, adjusted equity)``.

    ``funding`` is one rate series for a single-symbol run or a mapping by symbol. The adjusted
    equity is the run's equity plus the summed per-symbol adjustments (cash is shared).
    """
    equity = result.equity["equity"]
    total = pd.Series(0.0, index=equity.index)
    parts = []
    for sym in result.symbols:
        trades = result.trades[result.trades["symbol"] == sym]
        rates = funding.get(sym) if isinstance(funding, dict) else funding
        r = apply_derivatives(trades, result.bars.frame(sym), config, funding=rates)
        parts.append(r.trades)
        total = total + r.equity_adjustment.reindex(equity.index).ffill().fillna(0.0)
    trades = pd.concat(parts).sort_values("id") if parts else result.trades
    return trades, equity + total
