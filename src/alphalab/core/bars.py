"""Bar data in the two shapes AlphaLab uses: a pandas ``BarFrame`` and time x asset arrays.

A BarFrame is a DataFrame with a UTC ``DatetimeIndex`` named ``time`` (the bar's open time) and
float64 columns ``open high low close volume``. ``BarArrays`` holds several symbols aligned on
one time axis as 2-D float64 arrays of shape (time, asset); a bar a symbol does not have is NaN.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphalab.core.errors import DataError
from alphalab.core.timeframe import Timeframe

OHLCV = ("open", "high", "low", "close", "volume")


def ensure_barframe(frame: pd.DataFrame, *, source: str = "<frame>") -> pd.DataFrame:
    """Return ``frame`` as a BarFrame (UTC index named ``time``, float64 OHLCV), or raise DataError."""
    missing = [c for c in OHLCV if c not in frame.columns]
    if missing:
        raise DataError(
            f"{source}: missing column(s) {', '.join(missing)}",
            hint="a bar table needs open, high, low, close and volume",
            source=source,
        )
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise DataError(f"{source}: the index is not a DatetimeIndex", source=source)
    out = frame.loc[:, list(OHLCV) + [c for c in frame.columns if c not in OHLCV]].copy()
    idx = out.index
    idx = idx.tz_localize("UTC") if idx.tz is None else idx.tz_convert("UTC")
    out.index = idx.as_unit("ns").rename("time")
    for c in OHLCV:
        out[c] = out[c].astype("float64")
    return out


@dataclass(frozen=True)
class BarArrays:
    """Several symbols' bars on one time axis, as (time, asset) float64 arrays.

    ``time`` holds int64 nanoseconds since the epoch (UTC) of each bar's open.
    """

    time: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    symbols: tuple[str, ...]
    timeframe: Timeframe

    @property
    def n_bars(self) -> int:
        return int(self.time.shape[0])

    @property
    def n_assets(self) -> int:
        return len(self.symbols)

    @property
    def index(self) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(self.time.astype("datetime64[ns]"), name="time").tz_localize("UTC")

    def column(self, name: str) -> np.ndarray:
        """Return the (time, asset) array of one OHLCV column, or a derived price such as ``hl2``."""
        if name in OHLCV:
            return getattr(self, name)  # type: ignore[no-any-return]
        if name == "hl2":
            return (self.high + self.low) / 2.0  # type: ignore[no-any-return]
        if name == "hlc3":
            return (self.high + self.low + self.close) / 3.0  # type: ignore[no-any-return]
        if name == "ohlc4":
            return (self.open + self.high + self.low + self.close) / 4.0  # type: ignore[no-any-return]
        raise KeyError(name)

    def frame(self, symbol: str) -> pd.DataFrame:
        """Return one symbol as a BarFrame, without the rows it has no bar for."""
        j = self.symbols.index(symbol)
        df = pd.DataFrame({c: getattr(self, c)[:, j] for c in OHLCV}, index=self.index)
        return df[~np.isnan(df["close"].to_numpy())]

    def slice(self, start: int, stop: int) -> BarArrays:
        """Return a copy of the bars with positions in ``[start, stop)``.

        The arrays are copies that own exactly those rows (never views into this run's arrays),
        so nothing reachable from the result (``.base`` included) holds bars outside the window:
        the look-ahead checker's truncated runs are physically truncated.
        """
        def part(a: np.ndarray) -> np.ndarray:
            return np.array(a[start:stop], copy=True, order="C")

        return BarArrays(
            part(self.time), part(self.open), part(self.high), part(self.low), part(self.close),
            part(self.volume), symbols=self.symbols, timeframe=self.timeframe,
        )

    def digest(self) -> str:
        """Return a sha256 of the data, used to key results and cached trials."""
        h = hashlib.sha256()
        h.update(self.time.tobytes())
        for c in OHLCV:
            h.update(np.ascontiguousarray(getattr(self, c)).tobytes())
        h.update(",".join(self.symbols).encode())
        h.update(str(self.timeframe).encode())
        return h.hexdigest()

    @classmethod
    def from_frames(cls, frames: Mapping[str, pd.DataFrame], timeframe: Timeframe | str) -> BarArrays:
        """Align BarFrames of several symbols on the union of their timestamps.

        A symbol without a bar at some time gets NaN there; the engine never trades on such a bar.
        """
        if not frames:
            raise DataError("no bar data given", hint="name at least one symbol")
        tf = Timeframe.parse(timeframe)
        clean = {s: ensure_barframe(f, source=s) for s, f in frames.items()}
        index = clean[next(iter(clean))].index
        for f in list(clean.values())[1:]:
            index = index.union(f.index)
        cols = {c: np.full((len(index), len(clean)), np.nan) for c in OHLCV}
        for j, f in enumerate(clean.values()):
            pos = index.get_indexer(f.index)
            for c in OHLCV:
                cols[c][pos, j] = f[c].to_numpy()
        return cls(
            index.as_unit("ns").asi8.copy(),
            cols["open"],
            cols["high"],
            cols["low"],
            cols["close"],
            cols["volume"],
            symbols=tuple(clean),
            timeframe=tf,
        )

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, symbol: str, timeframe: Timeframe | str) -> BarArrays:
        """Wrap a single BarFrame as a one-column BarArrays.

        A frame that already is a BarFrame (UTC nanosecond ``DatetimeIndex``, float64 OHLCV
        columns) is wrapped without copying its columns: each (T, 1) array shares the column's
        memory (the engine only reads bars). Any other frame goes through ``from_frames``.
        """
        cols = _float_columns(frame)
        if cols is None:
            return cls.from_frames({symbol: frame}, timeframe)
        return cls(
            frame.index.as_unit("ns").asi8.copy(),
            cols["open"],
            cols["high"],
            cols["low"],
            cols["close"],
            cols["volume"],
            symbols=(symbol,),
            timeframe=Timeframe.parse(timeframe),
        )


def _float_columns(frame: pd.DataFrame) -> dict[str, np.ndarray] | None:
    """Return the OHLCV columns of a BarFrame as writable (T, 1) views, or None if one needs a copy."""
    idx = frame.index
    if not isinstance(idx, pd.DatetimeIndex) or str(idx.tz) != "UTC" or idx.unit != "ns":
        return None
    if frame.columns.has_duplicates or any(c not in frame.columns for c in OHLCV):
        return None
    out: dict[str, np.ndarray] = {}
    for c in OHLCV:
        col = frame[c]
        if col.dtype != np.float64:
            return None
        arr = col.to_numpy()
        if not arr.flags.c_contiguous or arr.base is None:
            return None
        view = arr.reshape(-1, 1)
        # pandas hands out read-only views (copy-on-write); the kernels are compiled for writable
        # arrays (a read-only one would be a second specialisation), and never write bars.
        view.flags.writeable = True
        out[c] = view
    return out
