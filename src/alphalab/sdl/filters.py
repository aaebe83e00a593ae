"""Entry masks from the strategy's filters: trading sessions and allowed regimes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from alphalab.sdl.models import WEEKDAYS, SessionFilter


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def session_mask(sessions: SessionFilter | None, time_ns: np.ndarray) -> np.ndarray:
    """Return a bool (time,) mask: True where a bar's open time falls in an allowed session.

    Windows are ``start <= time < end`` in the filter's time zone; ``end < start`` wraps midnight.
    """
    n = int(time_ns.shape[0])
    if sessions is None:
        return np.ones(n, dtype=bool)
    local = pd.DatetimeIndex(time_ns.astype("datetime64[ns]")).tz_localize("UTC").tz_convert(sessions.timezone)
    mask = np.ones(n, dtype=bool)
    if sessions.days is not None:
        allowed = [WEEKDAYS.index(d) for d in sessions.days]
        mask &= np.isin(np.asarray(local.day_of_week), allowed)
    if sessions.windows:
        minute = np.asarray(local.hour) * 60 + np.asarray(local.minute)
        inside = np.zeros(n, dtype=bool)
        for w in sessions.windows:
            start, end = _minutes(w.start), _minutes(w.end)
            if start <= end:
                inside |= (minute >= start) & (minute < end)
            else:
                inside |= (minute >= start) | (minute < end)
        mask &= inside
    return mask


def regime_mask(allowed: list[str] | None, regimes: np.ndarray | None, shape: tuple[int, int]) -> np.ndarray:
    """Return a bool (time, asset) mask: True where the regime label is allowed (or nothing is filtered).

    When the strategy restricts regimes but no labels are given, nothing is masked.
    """
    if allowed is None or regimes is None:
        return np.ones(shape, dtype=bool)
    labels = np.asarray(regimes, dtype=object)
    if labels.ndim == 1:
        labels = np.repeat(labels[:, None], shape[1], axis=1)
    if labels.shape != shape:
        from alphalab.core.errors import ValidationError

        raise ValidationError(f"regime labels have shape {labels.shape}, the bars {shape}")
    return np.isin(labels.astype(str), allowed)
