"""Derivatives rules, written once: funding, tiered margin, isolated liquidation, short borrow cost.

Sign convention: every function returns the *cash paid by the trader* (positive: a cost).

- Funding at a funding time: ``qty * mark * rate`` with ``qty`` signed (> 0 long), so longs pay
  shorts when the rate is positive and receive when it is negative.
- Margin tiers (rows ``max_notional, maintenance_rate, max_leverage, maintenance_amount``, in
  increasing ``max_notional``): a position of notional ``N`` uses the first row with
  ``N <= max_notional``; maintenance margin ``N * maintenance_rate - maintenance_amount``,
  initial margin ``N / leverage`` with leverage at most the row's ``max_leverage``.
- Isolated liquidation price: the price ``P`` at which the position's margin plus its unrealised
  PnL equals the maintenance margin at ``P``:
  ``margin + s q (P - entry) = q P mmr - amount``, i.e.
  ``P = (s q entry - margin - amount) / (q (s - mmr))`` (``s`` = +1 long, -1 short). With
  ``margin = q entry / leverage`` and no amount this is ``entry (1 - 1/lev) / (1 - mmr)`` for a
  long and ``entry (1 + 1/lev) / (1 + mmr)`` for a short.
- Borrow cost of a short per bar: ``|qty| * price * annual_rate * bar_seconds / (days_per_year * 86400)``.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from alphalab.engine._jit import RULE

T_MAX_NOTIONAL, T_MMR, T_MAX_LEV, T_AMOUNT = 0, 1, 2, 3


@nb.njit(**RULE)
def funding_payment(qty: float, mark: float, rate: float) -> float:
    """Return the funding a position of signed ``qty`` pays at ``mark`` and ``rate`` (< 0: received)."""
    return qty * mark * rate


@nb.njit(**RULE)
def tier_row(tiers: np.ndarray, notional: float) -> int:
    """Return the margin tier row of a position of ``notional`` (the last row beyond the table)."""
    n = tiers.shape[0]
    for i in range(n):
        if abs(notional) <= tiers[i, T_MAX_NOTIONAL]:
            return i
    return n - 1


@nb.njit(**RULE)
def maintenance_margin(tiers: np.ndarray, notional: float) -> float:
    """Return the maintenance margin of a position of ``notional`` from the tier table."""
    i = tier_row(tiers, notional)
    return abs(notional) * tiers[i, T_MMR] - tiers[i, T_AMOUNT]


@nb.njit(**RULE)
def initial_margin(tiers: np.ndarray, notional: float, leverage: float) -> float:
    """Return the initial margin of ``notional`` at ``leverage`` (capped by the tier's maximum leverage)."""
    i = tier_row(tiers, notional)
    return abs(notional) / min(leverage, tiers[i, T_MAX_LEV])


@nb.njit(**RULE)
def liquidation_price(side: int, entry: float, qty: float, margin: float, mmr: float, amount: float) -> float:
    """Return the isolated-margin liquidation price (0 when a long can never be liquidated)."""
    q = abs(qty)
    p = (side * q * entry - margin - amount) / (q * (side - mmr))
    return p if p > 0.0 else 0.0


@nb.njit(**RULE)
def liquidation_hit(side: int, liq: float, h: float, lo: float) -> bool:
    """Return True when a bar's range reaches the liquidation price (long: low, short: high)."""
    if not liq > 0.0:
        return False
    return lo <= liq if side > 0 else h >= liq


@nb.njit(**RULE)
def borrow_cost(qty: float, price: float, annual_rate: float, bar_seconds: float, days_per_year: float) -> float:
    """Return the borrow cost of one bar of a position (zero for longs)."""
    if qty >= 0.0:
        return 0.0
    return -qty * price * annual_rate * bar_seconds / (days_per_year * 86400.0)


@nb.njit(cache=True)
def funding_flows(
    side: int, qty: float, t_entry: np.int64, t_exit: np.int64, ftimes: np.ndarray, frates: np.ndarray,
    btimes: np.ndarray, bar_ns: np.int64, close: np.ndarray,
) -> tuple:
    """Return ``(bar, paid)`` arrays of the fundings of a position held from ``t_entry`` to ``t_exit``.

    A funding at time ``T`` applies when ``t_entry <= T < t_exit`` (a position opened at the funding
    time pays, one closed at it does not). The mark is the close of the last bar that has closed by
    ``T`` (open time + ``bar_ns`` <= ``T``), so no later price is used; ``bar`` is the bar that
    contains ``T`` (whose closing equity first shows the payment). Times are int64 nanoseconds,
    ``ftimes`` ascending, ``btimes`` the bars' open times.
    """
    nf = ftimes.shape[0]
    bars = np.empty(nf, dtype=np.int64)
    paid = np.empty(nf)
    n = 0
    m = 0
    k = 0
    nb_ = btimes.shape[0]
    for i in range(nf):
        ft = ftimes[i]
        if ft < t_entry or ft >= t_exit:
            continue
        while m < nb_ and btimes[m] + bar_ns <= ft:
            m += 1
        while k < nb_ and btimes[k] <= ft:
            k += 1
        if m == 0 or k == 0:
            continue
        bars[n] = k - 1
        paid[n] = funding_payment(side * qty, close[m - 1], frates[i])
        n += 1
    return bars[:n], paid[:n]


@nb.njit(cache=True)
def liquidation_bar(
    side: int, liq: float, entry_bar: int, exit_bar: int, exit_at_open: bool, high: np.ndarray, low: np.ndarray
) -> int:
    """Return the first bar whose range reaches ``liq`` while the position is open (-1: none).

    Bars ``entry_bar .. exit_bar - 1`` count whole; the exit bar counts unless the recorded exit
    filled at its open (then the position was already closed when the bar traded).
    """
    last = exit_bar - 1 if exit_at_open else exit_bar
    for t in range(entry_bar, last + 1):
        if liquidation_hit(side, liq, high[t], low[t]):
            return t
    return -1
