"""Labels that respect execution: a decision at the close of bar t trades at the open of bar t+1.

Every label row carries ``start`` (the entry bar's open time) and ``end`` (the time its outcome is
known); purged cross-validation uses this span, and the point-in-time store uses ``end`` as the
label's available time. The ``time`` index is the decision bar's open time, as in a BarFrame.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numba import njit

from alphalab.core.errors import ConfigError


def _bar_delta(index: pd.DatetimeIndex) -> pd.Timedelta:
    if len(index) < 2:
        raise ConfigError("labels need at least two bars")
    return pd.Timedelta(np.median(np.diff(index.as_unit("ns").asi8)), unit="ns")


def forward_return_labels(frame: pd.DataFrame, horizon: int = 1) -> pd.DataFrame:
    """Return ``ret = open[t+1+h] / open[t+1] - 1`` per decision bar t: enter and exit at opens.

    ``start`` is the open time of bar t+1, ``end`` the open time of bar t+1+h (when the exit price is
    known); the last ``horizon + 1`` bars have no label (NaN) because their exit lies beyond the data.
    """
    if horizon < 1:
        raise ConfigError(f"label horizon must be at least 1 bar, got {horizon}")
    opens = frame["open"].to_numpy(dtype=np.float64)
    n = opens.shape[0]
    idx = pd.DatetimeIndex(frame.index)
    ret = np.full(n, np.nan)
    if n > horizon + 1:
        ret[: n - horizon - 1] = opens[1 + horizon :] / opens[1 : n - horizon] - 1.0
    start = idx[np.minimum(np.arange(n) + 1, n - 1)]
    end = idx[np.minimum(np.arange(n) + 1 + horizon, n - 1)]
    out = pd.DataFrame({"ret": ret, "label": np.sign(ret), "start": start, "end": end}, index=idx)
    out.loc[np.isnan(ret), ["start", "end"]] = pd.NaT
    return out


@njit(cache=True)
def _triple_barrier_nb(
    open_: np.ndarray, high: np.ndarray, low: np.ndarray, close: np.ndarray, width: np.ndarray,
    up: float, down: float, horizon: int, label: np.ndarray, ret: np.ndarray, exit_bar: np.ndarray,
) -> None:
    n = open_.shape[0]
    for t in range(n):
        label[t] = np.nan
        ret[t] = np.nan
        exit_bar[t] = -1
        last = t + horizon
        if last >= n or not (width[t] > 0.0):
            continue
        entry = open_[t + 1]
        upper = entry * (1.0 + up * width[t])
        lower = entry * (1.0 - down * width[t])
        for i in range(t + 1, last + 1):
            if low[i] <= lower:  # the stop wins when both barriers lie inside one bar
                label[t] = -1.0
                ret[t] = min(open_[i], lower) / entry - 1.0 if i > t + 1 else lower / entry - 1.0
                exit_bar[t] = i
                break
            if high[i] >= upper:
                label[t] = 1.0
                ret[t] = max(open_[i], upper) / entry - 1.0 if i > t + 1 else upper / entry - 1.0
                exit_bar[t] = i
                break
        if exit_bar[t] < 0:
            ret[t] = close[last] / entry - 1.0
            label[t] = 0.0
            exit_bar[t] = last


def triple_barrier_labels(
    frame: pd.DataFrame, width: np.ndarray | pd.Series, *, up: float = 1.0, down: float = 1.0, horizon: int = 10
) -> pd.DataFrame:
    """Return triple-barrier labels: +1 upper barrier first, -1 lower first, 0 at the vertical barrier.

    Entry is the open of bar t+1; barriers are ``entry * (1 ± mult * width_t)`` with ``width_t`` a
    fraction known at the close of t (e.g. a volatility forecast); bars t+1 .. t+horizon are scanned
    with their high/low, a gap through a barrier exits at the open, and the stop wins a tie.
    ``end`` is the close time of the exit bar (when the outcome is known).
    """
    if horizon < 1 or up <= 0 or down <= 0:
        raise ConfigError(f"triple barrier needs horizon >= 1 and positive multipliers, got {horizon}, {up}, {down}")
    cols = [frame[k].to_numpy(dtype=np.float64) for k in ("open", "high", "low", "close")]
    w = np.ascontiguousarray(np.asarray(width, dtype=np.float64))
    if w.shape != cols[0].shape:
        raise ConfigError(f"barrier width must have one value per bar ({cols[0].shape[0]}), got {w.shape}")
    n = cols[0].shape[0]
    label, ret, exit_bar = np.empty(n), np.empty(n), np.empty(n, dtype=np.int64)
    _triple_barrier_nb(*cols, w, float(up), float(down), int(horizon), label, ret, exit_bar)  # type: ignore[call-arg]
    idx = pd.DatetimeIndex(frame.index)
    delta = _bar_delta(idx)
    ok = exit_bar >= 0
    start = pd.Series(pd.NaT, index=idx, dtype=idx.dtype)
    end = pd.Series(pd.NaT, index=idx, dtype=idx.dtype)
    rows = np.flatnonzero(ok)
    start.iloc[rows] = idx[rows + 1]
    end.iloc[rows] = idx[exit_bar[rows]] + delta
    return pd.DataFrame({"ret": ret, "label": label, "start": start, "end": end}, index=idx)


def meta_labels(side: np.ndarray | pd.Series, barrier: pd.DataFrame) -> pd.DataFrame:
    """Return meta-labels for a primary model: 1 when its side's trade made money, 0 otherwise.

    ``side`` is the primary signal at each decision bar (+1 long, -1 short, 0 none) and
    ``barrier`` the output of :func:`triple_barrier_labels` with symmetric barriers (``up ==
    down``), so the first barrier touched is the same for either side. Rows without a side or a
    label are dropped; ``ret`` is the side's return, ``start``/``end`` the label span.
    """
    s = np.asarray(side, dtype=np.float64)
    if s.shape[0] != len(barrier):
        raise ConfigError(f"meta-labels need one side per bar ({len(barrier)}), got {s.shape[0]}")
    ret = s * barrier["ret"].to_numpy()
    keep = (s != 0) & np.isfinite(ret)
    out = barrier.loc[keep, ["start", "end"]].copy()
    out.insert(0, "side", s[keep])
    out.insert(1, "ret", ret[keep])
    out.insert(2, "label", (ret[keep] > 0).astype(int))
    return out
