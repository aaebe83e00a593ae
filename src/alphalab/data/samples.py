"""Real market data bundled with AlphaLab, so that the demo, examples and tests run offline.

See ``samples/SOURCES.md`` for the origin, licence and sha256 of each file. Stock samples keep
their raw (unadjusted) OHLC prices and an ``adj_close`` column; ``load_bars`` adjusts them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from alphalab.core.errors import NotFoundError

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"


@dataclass(frozen=True, slots=True)
class SampleInfo:
    """One bundled sample."""

    name: str
    symbol: str
    timeframe: str
    calendar: str
    description: str
    source: str
    licence: str
    file: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_WIKI = ("Quandl WIKI prices via bokeh_sampledata (stocks.csv.gz)", "public domain")
_ARCH = ("arch package (arch/data)", "NCSA (University of Illinois/NCSA Open Source License)")
_SAMPLES = (
    SampleInfo(
        "sample:AAPL",
        "AAPL",
        "1d",
        "XNYS",
        "Apple Inc., daily, 2000-03 to 2013-03, raw OHLC + adj_close",
        *_WIKI,
        "AAPL.parquet",
    ),
    SampleInfo(
        "sample:MSFT",
        "MSFT",
        "1d",
        "XNYS",
        "Microsoft, daily, 2000-03 to 2013-03, raw OHLC + adj_close",
        *_WIKI,
        "MSFT.parquet",
    ),
    SampleInfo(
        "sample:IBM",
        "IBM",
        "1d",
        "XNYS",
        "IBM, daily, 2000-03 to 2013-03, raw OHLC + adj_close",
        *_WIKI,
        "IBM.parquet",
    ),
    SampleInfo(
        "sample:GOOG",
        "GOOG",
        "1d",
        "XNYS",
        "Alphabet (Google), daily, 2004-08 to 2013-03, raw OHLC + adj_close",
        *_WIKI,
        "GOOG.parquet",
    ),
    SampleInfo(
        "sample:SP500", "SP500", "1d", "XNYS", "S&P 500 index, daily, 1999 to 2018", *_ARCH, "SP500.parquet"
    ),
    SampleInfo(
        "sample:NASDAQ",
        "NASDAQ",
        "1d",
        "XNYS",
        "NASDAQ Composite index, daily, 1999 to 2018",
        *_ARCH,
        "NASDAQ.parquet",
    ),
    SampleInfo(
        "sample:EURUSD",
        "EURUSD",
        "1h",
        "24/5",
        "EUR/USD ask, hourly, 2017",
        "gym-anytrading (FOREX_EURUSD_1H_ASK.csv)",
        "MIT",
        "EURUSD.parquet",
    ),
)


def list_samples() -> list[SampleInfo]:
    """Return every bundled sample."""
    return list(_SAMPLES)


def sample_info(name: str) -> SampleInfo:
    """Return the sample called ``name`` (``sample:AAPL`` or ``AAPL``), or raise NotFoundError."""
    key = name.split(":", 1)[1] if name.lower().startswith("sample:") else name
    for info in _SAMPLES:
        if info.symbol.upper() == key.upper():
            return info
    raise NotFoundError(
        f"no bundled sample {name!r}", hint="available: " + ", ".join(s.name for s in _SAMPLES)
    )


def load_sample(name: str) -> pd.DataFrame:
    """Return a bundled sample as a BarFrame (raw prices; ``adj_close`` where the source has it)."""
    import pyarrow.parquet as pq

    from alphalab.data.catalog import _frame_from_table

    info = sample_info(name)
    table = pq.read_table(SAMPLES_DIR / info.file)
    if "time" not in table.column_names:  # written by pandas: the index is a column named 'time'
        raise NotFoundError(f"sample file {info.file} has no time column", hint="rebuild the samples")
    frame = _frame_from_table(table.select(["time", *[c for c in table.column_names if c != "time"]]))
    frame.attrs.update(source=f"sample:{info.symbol}", symbol=info.symbol, timeframe=info.timeframe)
    return frame
