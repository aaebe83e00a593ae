"""The Evaluator interface: what research machinery calls to score one parameter set.

An evaluator is a picklable callable ``(strategy, params, symbol, timeframe, window) -> metrics``
where ``window`` is a :class:`Window` of bar positions (or None for all bars). It may also offer

- ``evaluate_many(strategy, params_list, symbol, timeframe, window) -> list[metrics]`` to score many
  parameter sets in one call (the engine evaluator runs them as one compiled sweep),
- ``returns(strategy, params, symbol, timeframe, window) -> pandas.Series`` of per-bar returns
  inside the window (walk-forward stitches these into its out-of-sample equity curve),
- ``fingerprint(strategy, symbol, timeframe, window) -> str``: a hash of the strategy document,
  the data and the engine version, which keys stored trials,
- ``periods_per_year(symbol, timeframe) -> float``: the bars per year of the data it scores, which
  walk-forward annualises with (:func:`periods_per_year_of`; else the calendar rule).

Metrics dicts hold floats. Besides the analytics metrics, an evaluator adds the sufficient
statistics that the overfitting statistics need (see :func:`return_statistics`): ``ret_sharpe``,
``ret_n``, ``ret_skew``, ``ret_kurt`` and, per block b of ``N_BLOCKS``, ``ret_s{b}``,
``ret_q{b}`` and ``ret_n{b}`` (sum, sum of squares and count of the returns in the block).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

N_BLOCKS = 16


@dataclass(frozen=True, slots=True)
class Window:
    """Bar positions ``[start, stop)`` to score; bars from ``warmup_start`` feed indicators only.

    Bars at or after ``stop`` must never be seen: the evaluator slices them off before running.
    """

    start: int
    stop: int
    warmup_start: int | None = None

    @property
    def first_bar(self) -> int:
        return self.start if self.warmup_start is None else min(self.warmup_start, self.start)

    def key(self) -> str:
        return f"{self.first_bar}:{self.start}:{self.stop}"


@runtime_checkable
class Evaluator(Protocol):
    """Score one parameter set of one strategy on one symbol, timeframe and window."""

    def __call__(
        self,
        strategy: Any,
        params: Mapping[str, Any],
        symbol: str,
        timeframe: str,
        window: Window | None,
    ) -> dict[str, float]: ...


def evaluate_batch(
    evaluator: Any,
    strategy: Any,
    params_list: Sequence[Mapping[str, Any]],
    symbol: str,
    timeframe: str,
    window: Window | None,
) -> list[dict[str, float] | Exception]:
    """Score many parameter sets, through ``evaluate_many`` when the evaluator has it.

    A failure of one parameter set is returned as its exception; KeyboardInterrupt propagates.
    """
    many = getattr(evaluator, "evaluate_many", None)
    if many is not None and len(params_list) > 1:
        try:
            return list(many(strategy, list(params_list), symbol, timeframe, window))
        except Exception:  # fall back to one at a time to find the failing set
            pass
    out: list[dict[str, float] | Exception] = []
    for p in params_list:
        try:
            out.append(dict(evaluator(strategy, p, symbol, timeframe, window)))
        except Exception as exc:
            out.append(exc)
    return out


def fingerprint_of(evaluator: Any, strategy: Any, symbol: str, timeframe: str, window: Window | None) -> str:
    """Return the evaluator's fingerprint of a study, or a description of its inputs."""
    fp = getattr(evaluator, "fingerprint", None)
    if fp is not None:
        return str(fp(strategy, symbol, timeframe, window))
    return f"{type(evaluator).__name__}|{strategy}|{symbol}|{timeframe}"


def return_statistics(returns: np.ndarray, n_blocks: int = N_BLOCKS) -> dict[str, float]:
    """Return the per-bar Sharpe, moments and per-block sums of a return series (NaNs ignored).

    Parameters
    ----------
    returns
        One-dimensional array of per-bar simple returns.
    n_blocks
        Number of consecutive equal blocks (the last block takes the remainder).
    """
    r = np.asarray(returns, dtype=float)
    r = r[~np.isnan(r)]
    n = r.size
    out: dict[str, float] = {"ret_n": float(n)}
    mean = float(r.mean()) if n else float("nan")
    sd = float(r.std(ddof=1)) if n > 1 else float("nan")
    out["ret_sharpe"] = mean / sd if n > 1 and sd > 0 else 0.0
    if n > 2 and sd > 0:
        z = (r - mean) / r.std()
        out["ret_skew"] = float(np.mean(z**3))
        out["ret_kurt"] = float(np.mean(z**4))
    else:
        out["ret_skew"], out["ret_kurt"] = 0.0, 3.0
    edges = np.linspace(0, n, n_blocks + 1).astype(int)
    for b in range(n_blocks):
        seg = r[edges[b] : edges[b + 1]]
        out[f"ret_s{b}"] = float(seg.sum())
        out[f"ret_q{b}"] = float((seg * seg).sum())
        out[f"ret_n{b}"] = float(seg.size)
    return out


def periods_per_year_of(evaluator: Any, symbol: str, timeframe: str) -> float:
    """Return the bars per year of the data ``evaluator`` scores for ``symbol`` and ``timeframe``.

    The evaluator's own ``periods_per_year(symbol, timeframe)`` when it offers one (the engine
    evaluator: the config's override, else the calendar of its bars), else the calendar rule of
    :func:`alphalab.analytics.metrics.periods_per_year_for` (6240 for hourly FX, 252 for daily stocks).
    """
    own = getattr(evaluator, "periods_per_year", None)
    if callable(own):
        return float(own(symbol, timeframe))
    from alphalab.analytics.metrics import periods_per_year_for

    return periods_per_year_for(timeframe, (symbol,))
