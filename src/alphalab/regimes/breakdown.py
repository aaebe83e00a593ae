"""Every metric by regime: ``regime_breakdown(result, regimes) -> DataFrame`` and its JSON form.

For each regime, the bars labelled with it contribute their equity returns (bar t's return is
the change from the close of t-1 to the close of t, attributed to the regime at t-1, when the
position was decided) and the trades that entered in it contribute the trade metrics. The
regime's growth factors (1 + return) are chained into an equity curve that starts at the run's
capital, so the regimes' total growths multiply to the run's, and the
analytics metric set (``METRIC_KEYS``) is computed from it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from alphalab.regimes.config import REGIME_LABELS


def _bar_labels(result: object, regimes: Mapping[str, pd.Series] | pd.Series) -> np.ndarray:
    """Return one label per bar of the result (the first symbol's, or the given series)."""
    index = result.equity.index  # type: ignore[attr-defined]
    series = regimes if isinstance(regimes, pd.Series) else regimes[result.symbols[0]]  # type: ignore[attr-defined]
    s = series.copy()
    s.index = pd.DatetimeIndex(s.index).tz_localize("UTC") if s.index.tz is None else s.index.tz_convert("UTC")
    return s.reindex(index).fillna("").to_numpy(dtype=object)


def regime_breakdown(
    result: object, regimes: Mapping[str, pd.Series] | pd.Series, *, periods_per_year: float | None = None
) -> pd.DataFrame:
    """Return a DataFrame with one row per regime present and one column per metric (+ ``bars``).

    Parameters
    ----------
    result
        A ``BacktestResult``.
    regimes
        Labels per symbol (the first symbol's labels split the account's bars), or one Series.
    periods_per_year
        Annualisation override (else the result's own).
    """
    from alphalab.analytics.metrics import metrics_from_series, result_periods_per_year

    ppy = result_periods_per_year(result, periods_per_year)
    equity = result.equity["equity"]  # type: ignore[attr-defined]
    labels = _bar_labels(result, regimes)
    eq = equity.to_numpy(dtype=np.float64)
    rets = np.zeros_like(eq)
    rets[1:] = eq[1:] / eq[:-1] - 1.0
    decided = np.empty_like(labels)
    decided[0] = labels[0]
    decided[1:] = labels[:-1]
    trades = result.trades  # type: ignore[attr-defined]
    rows = {}
    present = [lab for lab in (*REGIME_LABELS, "") if (decided == lab).any()]
    for lab in present:
        mask = decided == lab
        mask[0] = False
        curve = float(eq[0]) * np.cumprod(np.concatenate([[1.0], 1.0 + rets[mask]]))
        idx = pd.DatetimeIndex(np.concatenate([equity.index[:1], equity.index[mask]]))
        sub = trades[trades["regime"].fillna("") == lab] if "regime" in trades else trades.iloc[:0]
        metrics = metrics_from_series(pd.Series(curve, index=idx), sub, None, ppy)
        rows[lab or "unknown"] = {"bars": int(mask.sum()), **metrics}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("regime")


def _json_value(value: object) -> object:
    """Return a plain Python value that ``json.dumps(..., allow_nan=False)`` accepts."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, int | str | bool) or value is None:
        return value
    if isinstance(value, pd.Timestamp | pd.Timedelta):
        return value.isoformat()
    return str(value)


def regimes_summary(
    result: object, regimes: Mapping[str, pd.Series] | pd.Series, *, periods_per_year: float | None = None
) -> dict[str, dict[str, object]]:
    """Return every metric by regime as a JSON-ready dict: ``{regime: {metric: value}}``.

    The rows and numbers are those of :func:`regime_breakdown` (bars before the first label are
    the ``unknown`` regime); numpy scalars become Python numbers and NaN or infinite values
    become ``None``, so the dict serialises with strict JSON (``allow_nan=False``). Regimes come
    in ``REGIME_LABELS`` order, then ``unknown``.

    Parameters
    ----------
    result
        A ``BacktestResult``.
    regimes
        Labels per symbol (the first symbol's labels split the account's bars), or one Series.
    periods_per_year
        Annualisation override (else the result's own).
    """
    table = regime_breakdown(result, regimes, periods_per_year=periods_per_year)
    return {
        str(regime): {str(k): _json_value(v) for k, v in row.items()}
        for regime, row in table.to_dict(orient="index").items()
    }
