"""Technical indicators: numba batch kernels, O(1) streaming twins and one registry.

>>> from alphalab.indicators import compute, registry
>>> out = compute("sma", {"close": [1.0, 2.0, 3.0]}, period=2)
>>> out["value"].tolist()
[nan, 1.5, 2.5]

NaN inputs mark missing bars: the output there is NaN and the indicator continues over the
valid bars as if the missing bar did not exist (see :mod:`alphalab.indicators.nb_core`).
"""

from __future__ import annotations

from alphalab.indicators import registry
from alphalab.indicators._defs import IndicatorDef, ParamDef
from alphalab.indicators.registry import compute, get, names

__all__ = ["IndicatorDef", "ParamDef", "compute", "get", "names", "registry"]
