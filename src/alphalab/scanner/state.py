"""The scanner's state as arrays: symbol x feature values kept up to date one closed-bar batch at a time."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from alphalab.core.errors import ConfigError
from alphalab.scanner import state_nb as nb
from alphalab.scanner.config import N_FEATURES, StateConfig


@dataclass(frozen=True, slots=True)
class Liquidations:
    """Liquidation (forced) trades of one batch: symbol index, side (-1 forced sell, +1 forced buy), notional."""

    symbol: np.ndarray
    side: np.ndarray
    notional: np.ndarray

    @classmethod
    def empty(cls) -> Liquidations:
        """Return a batch without liquidations."""
        return cls(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0))


@dataclass(frozen=True, slots=True)
class Batch:
    """One closed bar of every symbol (NaN: no bar for that symbol), with optional books and liquidations.

    ``bid`` / ``ask`` are (S, N) quantities at the top N levels (a NaN row: no new snapshot);
    ``iv`` is (S,) implied volatility where a venue provides it (NaN: none).
    """

    time_ns: int
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    bid: np.ndarray | None = None
    ask: np.ndarray | None = None
    liquidations: Liquidations | None = None
    iv: np.ndarray | None = None


def _f64(x: np.ndarray, name: str, n: int) -> np.ndarray:
    a = np.ascontiguousarray(x, dtype=np.float64)
    if a.shape != (n,):
        raise ConfigError(f"scanner batch: {name} has shape {a.shape}, expected ({n},)",
                          hint="give one value per symbol of the universe, NaN where a symbol has no bar")
    return a


@dataclass(slots=True)
class ScanState:
    """Rolling state of ``n`` symbols: counters, ring buffers, the latest books and the feature array.

    ``flow`` (S, 6) holds the batch's liquidation sums (columns 0-3, reset every batch) and the
    latest implied volatility with its rank (columns 4-5, kept until a new value arrives).
    """

    config: StateConfig
    n: int
    count: np.ndarray = field(init=False)
    last: np.ndarray = field(init=False)
    atr: np.ndarray = field(init=False)
    tr_sum: np.ndarray = field(init=False)
    rings: tuple[np.ndarray, ...] = field(init=False)
    feats: np.ndarray = field(init=False)
    updated: np.ndarray = field(init=False)
    book: np.ndarray = field(init=False)
    flow: np.ndarray = field(init=False)
    params: np.ndarray = field(init=False)
    iv_ring: np.ndarray = field(init=False)
    iv_count: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        c, n = self.config, self.n
        self.count = np.zeros(n, np.int64)
        self.last = np.full(n, np.nan)
        self.atr = np.full(n, np.nan)
        self.tr_sum = np.zeros(n)
        widths = (c.vol_window, c.band_window, c.breakout_window, c.breakout_window, c.moment_window,
                  c.rv_window, c.pct_window, c.pct_window, c.ma_period, c.slope_bars + 1, c.rv_pct_window)
        self.rings = tuple(np.full((n, w), np.nan) for w in widths)
        self.feats = np.full((n, N_FEATURES), np.nan)
        self.feats[:, -2:] = -1.0
        self.updated = np.zeros(n, np.bool_)
        self.book = np.full((n, c.book_levels, 2), np.nan)
        self.flow = np.zeros((n, 6))
        self.flow[:, 4:] = np.nan
        self.iv_ring = np.full((n, c.pct_window), np.nan)
        self.iv_count = np.zeros(n, np.int64)
        self.params = np.array([c.atr_period, c.band_k, c.slope_threshold, c.vol_split], dtype=np.float64)

    def update(self, batch: Batch) -> None:
        """Apply one batch: every symbol's bar, books and liquidations, in compiled code."""
        n = self.n
        h, lo = _f64(batch.high, "high", n), _f64(batch.low, "low", n)
        c, v = _f64(batch.close, "close", n), _f64(batch.volume, "volume", n)
        nb.update_nb(h, lo, c, v, self.count, self.last, self.atr, self.tr_sum, self.rings, self.params,
                     self.feats, self.updated)
        if batch.bid is not None and batch.ask is not None:
            bid = np.ascontiguousarray(batch.bid, dtype=np.float64)
            ask = np.ascontiguousarray(batch.ask, dtype=np.float64)
            if bid.ndim != 2 or bid.shape != ask.shape or bid.shape[0] != n or bid.shape[1] > self.config.book_levels:
                raise ConfigError(f"scanner batch: books of shape {bid.shape} / {ask.shape}",
                                  hint=f"give (symbols, levels) arrays with at most {self.config.book_levels} levels")
            nb.store_books(bid, ask, self.book[:, : bid.shape[1]])
        liq = batch.liquidations
        if liq is None or liq.symbol.shape[0] == 0:
            self.flow[:, :4] = 0.0
        else:
            nb.liquidation_flow(np.asarray(liq.symbol, np.int64), np.asarray(liq.side, np.int64),
                                np.asarray(liq.notional, np.float64), self.flow)
        if batch.iv is not None:
            nb.update_iv(_f64(batch.iv, "iv", n), self.iv_ring, self.iv_count, self.flow)
