"""Technical indicators: numba batch kernels, O(1) streaming twins and one registry.

>>> from alphalab.indicators import compute, registry
>>> out = compute("sma", {"close": [1.0, 2.0, 3.0]}, period=2)
>>> out["value"].tolist()
[nan, 1.5, 2.5]

NaN inputs mark missing bars: the output there is NaN and the indicator continues over the
valid bars as if the missing bar did not exist (see :mod:`alphalab.indicators.nb_core`), so an
asset that starts later gets the values of its own trimmed series.

Deliberate differences from TA-Lib (all tested):

- Zero denominators use exact zero tests (no 1e-8 floors, so coins priced at 1e-5 work); the
  TA-Lib in use (0.6 C library) agrees, and tests pin low-priced and fractional-volume cases.
- Ties: MFI and OBV decide a move from consecutive typical prices (closes) and CCI measures its
  window relative to the newest typical price; values within 8 ulps of each other
  (:data:`alphalab.indicators.nb_core.TIE_REL`) are a tie, not a move, because a typical price
  ``(h + l + c) / 3`` carries ulps of rounding. TA-Lib uses the exact sign. Larger noise in the
  data (split-adjusted AAPL has typical-price "moves" of 13-220 ulps) is counted as a move, as in
  TA-Lib, so the MFI parity test rounds that noise away and the raw data is pinned to pandas.
- Rolling variance (stddev, zscore, bbands, hv) and the regression slope do not use TA-Lib's
  running sums of x and x², which cancel most digits on FX-like prices: they keep shifted sums
  with an error budget and recompute a window exactly when needed (see
  :mod:`alphalab.indicators.nb_stats`); results agree with exact rational arithmetic to 1e-9
  relative, a flat window gives exactly 0, and agree with TA-Lib wherever TA-Lib is accurate.
- Seeding, warm-up and multi-output alignment follow TA-Lib: EMAs seed with the SMA of the first
  ``period`` values, MACD seeds its fast EMA at bar ``slow - 1`` as TA-Lib does, and MACD, STOCH
  and STOCHRSI start all outputs at the common warm-up.
- Ichimoku is causal (see the ``ichimoku`` description). CCI's streaming twin costs O(period) per
  update (mean deviation needs the window); every other twin is O(1) amortised.
"""

from __future__ import annotations

from alphalab.indicators import registry
from alphalab.indicators._defs import IndicatorDef, ParamDef
from alphalab.indicators.registry import compute, get, names

__all__ = ["IndicatorDef", "ParamDef", "compute", "get", "names", "registry"]
