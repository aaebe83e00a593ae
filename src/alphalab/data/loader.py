"""One entry point for bars wherever they live: bundled samples, synthetic specs, the catalog."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from alphalab.core.bars import BarArrays
from alphalab.core.errors import ConfigError, DataError, NotFoundError
from alphalab.core.timeframe import Timeframe


def _window(frame: pd.DataFrame, start: Any, end: Any) -> pd.DataFrame:
    def ts(value: Any) -> pd.Timestamp:
        try:
            t = pd.Timestamp(value)
        except (ValueError, TypeError, OverflowError):
            t = pd.NaT
        if pd.isna(t):
            raise ConfigError(f"{value!r} is not a date", hint="write dates as YYYY-MM-DD, e.g. 2020-01-31")
        return t.tz_localize("UTC") if t.tz is None else t.tz_convert("UTC")

    if start is not None:
        frame = frame[frame.index >= ts(start)]
    if end is not None:
        frame = frame[frame.index < ts(end)]
    return frame


def _to_timeframe(frame: pd.DataFrame, native: Timeframe, wanted: Timeframe, name: str) -> pd.DataFrame:
    if native == wanted:
        return frame
    if native < wanted and native.divides(wanted):
        from alphalab.data.resampling import resample

        return resample(frame, wanted, source_timeframe=native)
    raise DataError(
        f"{name} has {native} bars, which cannot make {wanted} bars",
        hint=f"ask for {native} or a whole multiple of it",
    )


def _from_catalog(symbol: str, source: str | None, tf: Timeframe) -> pd.DataFrame | None:
    from alphalab.data.catalog import Catalog

    catalog = Catalog()
    found = catalog.find(symbol, source=source)
    if not found:
        return None
    exact = [d for d in found if Timeframe.parse(d.timeframe) == tf]
    usable = exact or sorted(
        (d for d in found if Timeframe.parse(d.timeframe).divides(tf) and Timeframe.parse(d.timeframe) < tf),
        key=lambda d: -Timeframe.parse(d.timeframe).seconds,
    )
    if not usable:
        have = ", ".join(f"{d.source}:{d.symbol} {d.timeframe}" for d in found)
        raise DataError(
            f"no dataset of {symbol} can make {tf} bars (have {have})", hint="import or download finer bars"
        )
    sources = {d.source for d in usable if d.timeframe == usable[0].timeframe}
    if len(sources) > 1:
        raise ConfigError(
            f"{symbol} is in several sources ({', '.join(sorted(sources))})",
            hint=f"name one, e.g. {sorted(sources)[0]}:{symbol}",
        )
    best = usable[0]
    frame = catalog.read(best.source, best.symbol, best.timeframe)
    return _to_timeframe(frame, Timeframe.parse(best.timeframe), tf, f"{best.source}:{symbol}")


def load_bars(
    symbol: str,
    timeframe: str | Timeframe = "1d",
    start: Any = None,
    end: Any = None,
    *,
    adjust: bool = True,
) -> pd.DataFrame:
    """Return the bars of ``symbol`` as a BarFrame with ``start <= time < end``.

    Parameters
    ----------
    symbol
        ``sample:AAPL`` (bundled), ``synthetic:gbm?n=1000&seed=1`` (generated at ``timeframe``),
        ``source:symbol`` such as ``binance:BTC/USDT`` (catalog), or a bare symbol searched in the
        catalog (and then among the samples).
    timeframe
        Bar length; coarser than what is stored means resampled on the fly.
    start, end
        Optional bounds (timestamps or ISO strings, UTC when naive).
    adjust
        Adjust prices for splits and dividends when the data has an ``adj_close`` column.
    """
    from alphalab.data import resampling as rs
    from alphalab.data.samples import load_sample, sample_info

    tf = Timeframe.parse(timeframe)
    frame: pd.DataFrame | None
    if symbol.startswith("synthetic:"):
        from alphalab.data.synthetic import from_spec

        frame = from_spec(symbol, tf)
    elif symbol.lower().startswith("sample:"):
        info = sample_info(symbol)
        frame = _to_timeframe(load_sample(symbol), Timeframe.parse(info.timeframe), tf, info.name)
    else:
        source, _, bare = symbol.rpartition(":") if ":" in symbol else ("", "", symbol)
        frame = _from_catalog(bare, source or None, tf)
        if frame is None and not source:
            try:
                info = sample_info(bare)
            except NotFoundError:
                info = None
            if info is not None:
                frame = _to_timeframe(load_sample(info.name), Timeframe.parse(info.timeframe), tf, info.name)
        if frame is None:
            raise NotFoundError(
                f"no data for {symbol!r} in the catalog",
                hint="see `alphalab data list` and `alphalab data samples`, or import / download it",
            )
    if adjust:
        frame = rs.adjust(frame)
    whole = frame
    frame = _window(frame, start, end)
    if len(frame) == 0 and len(whole) and (start is not None or end is not None):
        raise DataError(
            f"{symbol} has no {tf} bars in the window start={start} end={end}",
            hint=f"its data covers {whole.index[0]:%Y-%m-%d %H:%M} to {whole.index[-1]:%Y-%m-%d %H:%M} (UTC)",
        )
    frame.attrs["symbol"] = symbol
    return frame


def load_arrays(
    symbols: Sequence[str],
    timeframe: str | Timeframe = "1d",
    start: Any = None,
    end: Any = None,
    *,
    adjust: bool = True,
) -> BarArrays:
    """Load several symbols with :func:`load_bars` and align them on one time axis (missing bars are NaN)."""
    if not symbols:
        raise ConfigError("no symbols given", hint="name at least one symbol")
    frames = {s: load_bars(s, timeframe, start, end, adjust=adjust) for s in symbols}
    return BarArrays.from_frames(frames, timeframe)
