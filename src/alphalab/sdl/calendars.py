"""Each asset's own calendar: the rule that makes a symbol's signals independent of the run it is in.

A run aligns several symbols on the union of their timestamps, so a stock beside a 24/7 symbol gets
NaN rows on weekends. The rule, defined here once: **a strategy is evaluated on each asset's own
bars** (the rows where its close is not NaN). Indicators, conditions that look back (``cross_above``
/ ``cross_below``, ``rising`` / ``falling``, ``breakout``), confirmations and filters all compare an
asset's consecutive *valid* bars; rows the asset has no bar for carry no signal (False) and no
indicator value (NaN). A symbol's decisions therefore never depend on which other symbols share the
run. Assets with the same calendar are evaluated together (one group when every asset has every bar).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from alphalab.core.bars import BarArrays


def calendar_groups(bars: BarArrays) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return ``(columns, rows)`` per distinct asset calendar: the assets that share it and its row positions."""
    present = ~np.isnan(np.asarray(bars.close, dtype=np.float64))
    groups: dict[bytes, list[int]] = {}
    for j in range(present.shape[1]):
        groups.setdefault(present[:, j].tobytes(), []).append(j)
    out = []
    for cols in groups.values():
        out.append((np.asarray(cols, dtype=np.int64), np.flatnonzero(present[:, cols[0]])))
    return out


def take(bars: BarArrays, rows: np.ndarray, cols: np.ndarray) -> BarArrays:
    """Return the bars of assets ``cols`` on rows ``rows`` only (copies)."""
    def part(name: str) -> np.ndarray:
        return np.ascontiguousarray(np.asarray(getattr(bars, name))[np.ix_(rows, cols)])

    return replace(bars, time=np.asarray(bars.time)[rows].copy(), open=part("open"), high=part("high"),
                   low=part("low"), close=part("close"), volume=part("volume"),
                   symbols=tuple(bars.symbols[j] for j in cols))


def take_labels(regimes: np.ndarray | None, rows: np.ndarray, cols: np.ndarray) -> np.ndarray | None:
    """Return the regime labels (time,) or (time, asset) of ``rows`` and (when 2-D) ``cols``."""
    if regimes is None:
        return None
    labels = np.asarray(regimes, dtype=object)
    return labels[rows] if labels.ndim == 1 else labels[np.ix_(rows, cols)]


def scatter(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], shape: tuple[int, int]) -> np.ndarray:
    """Put each ``(rows, cols, values)`` part back on the full (time, asset) grid.

    Cells no part covers are False for bool arrays and NaN otherwise.
    """
    dtype = parts[0][2].dtype
    out = np.zeros(shape, dtype=bool) if dtype == np.bool_ else np.full(shape, np.nan, dtype=np.float64)
    for rows, cols, values in parts:
        out[np.ix_(rows, cols)] = values
    return out
