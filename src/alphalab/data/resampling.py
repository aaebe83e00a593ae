"""Resampling to a coarser timeframe, multi-timeframe alignment without look-ahead, and adjustment.

Labels are bar open times. Buckets are aligned to the Unix epoch (UTC midnight for days and
hours), weeks to Mondays. Aggregation: open = first open, high = max high, low = min low,
close = last close, volume = sum; other columns (``adj_close``) take the last value.

**Alignment rule** (:func:`align_to`): the higher-timeframe bar labelled ``L`` covers
``[L, L + higher_tf)`` and becomes visible on the lower-timeframe bar labelled ``t`` exactly when
``t + lower_tf >= L + higher_tf``, i.e. on the first lower bar whose close time is at or after the
higher bar's close time. Before its first higher bar closes, a lower bar sees NaN.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from alphalab.core.bars import OHLCV, ensure_barframe
from alphalab.core.errors import ConfigError, DataError
from alphalab.core.timeframe import Timeframe
from alphalab.data import calendars

_WEEK_ORIGIN = 4 * 86_400_000_000_000  # 1970-01-05, a Monday
_NS_DAY = 86_400_000_000_000


def _as_bars(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` itself when it already is a BarFrame (no copy), else a converted copy."""
    idx = frame.index
    if (
        isinstance(idx, pd.DatetimeIndex)
        and str(idx.dtype) == "datetime64[ns, UTC]"
        and all(c in frame.columns and frame[c].dtype == np.float64 for c in OHLCV)
    ):
        return frame
    return ensure_barframe(frame)


def bucket_labels(times: np.ndarray, timeframe: Timeframe) -> np.ndarray:
    """Return the open time (int64 ns) of the ``timeframe`` bucket that holds each time."""
    step = timeframe.nanos
    origin = _WEEK_ORIGIN if timeframe.unit == "w" else 0
    return ((times - origin) // step) * step + origin


def _last_bucket_complete(last_open: int, label: int, src: Timeframe, tf: Timeframe, calendar: str) -> bool:
    last_close, end = last_open + src.nanos, label + tf.nanos
    if last_close >= end:
        return True
    if calendar == "24/5":
        rest = np.arange(last_close, end, src.nanos, dtype="int64")
        return bool(calendars.fx_closed(rest).all())
    if calendar == "XNYS" and tf.seconds >= 86400:
        first_day = (last_open // _NS_DAY + 1) * _NS_DAY
        if first_day >= end:
            return True
        sessions = calendars.nyse_sessions(pd.Timestamp(first_day).date(), pd.Timestamp(end - 1).date())
        return len(sessions) == 0
    return False


def resample(
    frame: pd.DataFrame,
    timeframe: str | Timeframe,
    include_partial: bool = False,
    *,
    source_timeframe: str | Timeframe | None = None,
    calendar: str | None = None,
) -> pd.DataFrame:
    """Aggregate bars to a coarser timeframe.

    Parameters
    ----------
    frame
        A sorted BarFrame without duplicate timestamps.
    timeframe
        Target bar length; a whole multiple of the source bar length.
    include_partial
        Keep the last bucket even when it is not complete yet.
    source_timeframe
        Bar length of ``frame``; inferred from the most common step when None.
    calendar
        ``24/7``, ``24/5`` or ``XNYS``, used to decide whether the last bucket is complete (a daily
        NYSE week that ends on a Friday is complete); inferred from the data when None.

    Returns
    -------
    DataFrame
        A BarFrame labelled by bucket open time.
    """
    tf = Timeframe.parse(timeframe)
    bars = _as_bars(frame)
    times = bars.index.asi8
    src = _source_timeframe(times, tf, source_timeframe)
    if times.size == 0:
        return bars.copy()
    out = _aggregate(bars, times, tf)
    if not include_partial and not _last_label_complete(times, int(out.index.asi8[-1]), src, tf, calendar):
        out = out.iloc[:-1]
    return out


def _source_timeframe(
    times: np.ndarray, tf: Timeframe, source_timeframe: str | Timeframe | None
) -> Timeframe:
    """Return the source bar length after checking the bars are sorted and ``tf`` is a multiple of it."""
    from alphalab.data.validation import infer_timeframe

    if times.size > 1 and np.diff(times).min() <= 0:
        raise DataError(
            "resample needs sorted bars without duplicate timestamps",
            hint="validate the data first (alphalab data check)",
        )
    src = Timeframe.parse(source_timeframe) if source_timeframe is not None else infer_timeframe(times)
    if src > tf or not src.divides(tf):
        raise ConfigError(
            f"cannot resample {src} bars to {tf}",
            hint=f"choose a timeframe that is a whole multiple of {src}",
        )
    return src


def _aggregate(bars: pd.DataFrame, times: np.ndarray, tf: Timeframe) -> pd.DataFrame:
    """Aggregate every bucket (the last one too, complete or not) with the compiled kernel."""
    from alphalab.data.nb import resample_ohlcv_nb

    origin = _WEEK_ORIGIN if tf.unit == "w" else 0
    arrays = [np.ascontiguousarray(bars[c].to_numpy(dtype="float64")) for c in OHLCV]
    kernel: Any = resample_ohlcv_nb  # numba dispatchers are untyped for mypy
    labels, o, h, lo, c_, v, last = kernel(times, *arrays, tf.nanos, origin)
    cols = {"open": o, "high": h, "low": lo, "close": c_, "volume": v}
    for c in bars.columns:
        if c not in OHLCV:
            cols[c] = bars[c].to_numpy()[last]
    index = pd.DatetimeIndex(labels.view("datetime64[ns]"), name="time").tz_localize("UTC")
    return pd.DataFrame(cols, index=index)


def _last_label_complete(
    times: np.ndarray, label: int, src: Timeframe, tf: Timeframe, calendar: str | None
) -> bool:
    """Say whether the bucket labelled ``label`` (the last one) is complete, by time or by the calendar."""
    from alphalab.data.validation import infer_calendar

    last_open = int(times[-1])
    if last_open + src.nanos >= label + tf.nanos:
        return True
    cal = calendar or infer_calendar(times, src)
    return _last_bucket_complete(last_open, label, src, tf, cal)


def align_to(
    lower_index: pd.DatetimeIndex,
    higher: pd.DataFrame,
    higher_tf: str | Timeframe,
    *,
    lower_tf: str | Timeframe | None = None,
) -> pd.DataFrame:
    """Show higher-timeframe values on a lower-timeframe index without look-ahead.

    The rule (see the module docstring): a higher bar becomes visible on the first lower bar whose
    close time (open + ``lower_tf``) is at or after the higher bar's close time (open + ``higher_tf``).

    Parameters
    ----------
    lower_index
        Open times of the lower-timeframe bars (UTC, sorted).
    higher
        Higher-timeframe values indexed by their bar open time (a BarFrame, or indicator columns).
    higher_tf
        Bar length of ``higher``.
    lower_tf
        Bar length of the lower bars; inferred from ``lower_index`` when None.

    Returns
    -------
    DataFrame
        ``higher``'s columns on ``lower_index``; NaN where no higher bar has closed yet.
    """
    from alphalab.data.validation import infer_timeframe

    htf = Timeframe.parse(higher_tf)
    lower = pd.DatetimeIndex(lower_index)
    lower = lower.tz_localize("UTC") if lower.tz is None else lower.tz_convert("UTC")
    low_ns = lower.as_unit("ns").asi8
    ltf = Timeframe.parse(lower_tf) if lower_tf is not None else infer_timeframe(low_ns)
    hidx = pd.DatetimeIndex(higher.index)
    hidx = hidx.tz_localize("UTC") if hidx.tz is None else hidx.tz_convert("UTC")
    higher_close = hidx.as_unit("ns").asi8 + htf.nanos
    if higher_close.size and np.any(np.diff(higher_close) <= 0):
        raise DataError("align_to needs the higher-timeframe bars sorted and unique")
    pos = np.searchsorted(higher_close, low_ns + ltf.nanos, side="right") - 1
    out = higher.iloc[np.maximum(pos, 0)].copy()
    out.index = lower
    if (pos < 0).any():
        out.iloc[np.flatnonzero(pos < 0)] = np.nan
    return out


def adjust(frame: pd.DataFrame) -> pd.DataFrame:
    """Adjust raw bars for splits and dividends from their ``adj_close`` column.

    Prices are scaled by ``adj_close / close`` and volume by its inverse, so that the adjusted
    close equals ``adj_close`` and the traded value is unchanged. A frame without ``adj_close`` is
    returned unchanged (copied).
    """
    out = frame.copy()
    if "adj_close" not in out.columns:
        return out
    close = out["close"].to_numpy(dtype="float64")
    factor = np.divide(
        out["adj_close"].to_numpy(dtype="float64"), close, out=np.ones_like(close), where=close != 0
    )
    for c in ("open", "high", "low", "close"):
        out[c] = out[c].to_numpy(dtype="float64") * factor
    out["volume"] = out["volume"].to_numpy(dtype="float64") / factor
    out["adj_close"] = out["close"]
    return out
