"""Higher-timeframe bars for confirmations and indicators, through the data layer's resample and align.

A higher bar's values reach the lower bars only once that higher bar has closed
(``alphalab.data.align_to``), so a confirmation can never peek into an unfinished 4h bar.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphalab.core.bars import BarArrays
from alphalab.core.errors import ValidationError
from alphalab.core.timeframe import Timeframe


@dataclass(frozen=True)
class HigherBars:
    """One asset's bars resampled to a higher timeframe, with the lower bars they align to."""

    symbol: str
    column: int
    bars: BarArrays


def higher_bars(bars: BarArrays, tf: Timeframe) -> list[HigherBars]:
    """Resample every asset of ``bars`` to ``tf`` (one single-column BarArrays per asset)."""
    from alphalab.data import resample

    if tf < bars.timeframe or not bars.timeframe.divides(tf):
        raise ValidationError(
            f"cannot resample {bars.timeframe} bars to {tf}",
            hint=f"a confirmation or indicator timeframe must be a multiple of the data's {bars.timeframe}",
        )
    out = []
    for j, sym in enumerate(bars.symbols):
        frame = bars.frame(sym)
        high = resample(frame, tf, source_timeframe=bars.timeframe) if len(frame) else frame
        out.append(HigherBars(sym, j, BarArrays.from_frame(high, sym, tf) if len(high) else _empty(sym, tf)))
    return out


def _empty(sym: str, tf: Timeframe) -> BarArrays:
    z = np.empty((0, 1))
    return BarArrays(np.empty(0, dtype=np.int64), z, z, z, z, z, symbols=(sym,), timeframe=tf)


def align_values(values: np.ndarray, higher: HigherBars, lower: BarArrays) -> np.ndarray:
    """Return ``values`` (one per higher bar) on the lower bars' time axis, visible once each higher bar closed."""
    from alphalab.data import align_to

    if higher.bars.n_bars == 0:
        return np.full(lower.n_bars, np.nan)
    table = pd.DataFrame({"value": np.asarray(values, dtype=np.float64)}, index=higher.bars.index)
    aligned = align_to(lower.index, table, higher.bars.timeframe, lower_tf=lower.timeframe)
    return np.asarray(aligned["value"].to_numpy(dtype=np.float64), dtype=np.float64)
