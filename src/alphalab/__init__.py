"""AlphaLab: research a trading strategy, prove it honestly, run the same strategy on paper and live.

The public API is kept small; heavier parts are imported from their domain packages
(``alphalab.data``, ``alphalab.sdl``, ``alphalab.engine``, ``alphalab.analytics``,
``alphalab.research``, ``alphalab.regimes``).
"""

from alphalab.core import BarArrays, Instrument, Side, Timeframe
from alphalab.core.errors import AlphaLabError

__version__ = "0.1.0"

__all__ = ["AlphaLabError", "BarArrays", "Instrument", "Side", "Timeframe", "__version__"]
