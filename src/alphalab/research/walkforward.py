"""Walk-forward analysis: optimise in-sample, test out-of-sample, fold after fold.

Windows are bar positions. In *rolling* mode every in-sample (IS) window has the same length and
slides by ``step``; in *anchored* mode it always starts at bar 0 and grows. Between an IS window and
its out-of-sample (OOS) window lie ``purge + embargo`` bars that belong to neither: ``purge`` covers
look-back/label overlap at the boundary, ``embargo`` the serial correlation after it. The IS
optimisation only ever receives windows that stop before the OOS window begins; the OOS run may
use earlier bars to warm its indicators up but scores only its own bars.

Walk-forward efficiency = OOS annualised return / IS annualised return (per fold, and overall as
the ratio of the means); parameter stability = how little the chosen parameters move across folds.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from alphalab.core.errors import ConfigError
from alphalab.research.evaluator import Window, periods_per_year_of
from alphalab.research.executors import Executor, LocalExecutor
from alphalab.research.optimize import optimize
from alphalab.research.series import series_metrics
from alphalab.research.space import SearchSpace


@dataclass(frozen=True, slots=True)
class Fold:
    """One walk-forward fold: its in-sample and out-of-sample windows."""

    index: int
    train: Window
    test: Window


def split(
    n_bars: int,
    *,
    train: int,
    test: int,
    step: int | None = None,
    mode: str = "rolling",
    purge: int = 0,
    embargo: int = 0,
) -> list[Fold]:
    """Return the walk-forward folds over ``n_bars`` bars.

    Parameters
    ----------
    n_bars
        Number of bars available.
    train, test
        In-sample length (the first one, in anchored mode) and out-of-sample length, in bars.
    step
        Bars between consecutive folds (default ``test``, so OOS windows tile without overlap).
    mode
        ``"rolling"`` or ``"anchored"``.
    purge, embargo
        Bars left out between each IS window and its OOS window.
    """
    if mode not in ("rolling", "anchored"):
        raise ConfigError(f"unknown walk-forward mode {mode!r}", hint="choose rolling or anchored")
    if train < 2 or test < 1 or purge < 0 or embargo < 0:
        raise ConfigError("walk-forward needs train >= 2, test >= 1 and non-negative purge and embargo")
    step = step or test
    gap = purge + embargo
    folds = []
    k = 0
    while True:
        start = 0 if mode == "anchored" else k * step
        stop = train + k * step
        t0 = stop + gap
        if t0 + test > n_bars:
            break
        folds.append(Fold(k, Window(start, stop), Window(t0, t0 + test, warmup_start=start)))
        k += 1
    if not folds:
        raise ConfigError(
            f"{n_bars} bars are too few for train={train}, test={test}, gap={gap}",
            hint="shorten the windows or use more data",
        )
    return folds


def _annualised(returns: np.ndarray, periods_per_year: float) -> float:
    return series_metrics(returns, periods_per_year)["cagr"]


def parameter_stability(chosen: Sequence[dict[str, Any]], space: SearchSpace) -> dict[str, float]:
    """Return per-parameter stability in [0, 1] across folds and their mean under ``"overall"``.

    Numeric: 1 - standard deviation of the chosen values / the parameter's range. Choices: the
    share of folds that chose the most frequent value.
    """
    out: dict[str, float] = {}
    for name, p in space.params.items():
        vals = [c[name] for c in chosen if name in c]
        if not vals:
            continue
        if p.kind == "choice" or p.low is None or p.high is None or p.high == p.low:
            out[name] = Counter(map(str, vals)).most_common(1)[0][1] / len(vals)
        else:
            out[name] = float(max(0.0, 1.0 - np.std(np.asarray(vals, float)) / (p.high - p.low)))
    out["overall"] = float(np.mean(list(out.values()))) if out else float("nan")
    return out


@dataclass
class WalkForwardResult:
    """Folds with their choices and scores, the stitched OOS returns and the summary numbers."""

    folds: pd.DataFrame
    oos_returns: pd.Series
    metrics: dict[str, float]
    efficiency: float
    stability: dict[str, float]

    @property
    def oos_equity(self) -> pd.Series:
        return (1.0 + self.oos_returns.fillna(0.0)).cumprod().rename("equity")

    def summary(self) -> dict[str, Any]:
        return {
            "folds": self.folds.to_dict("records"),
            "oos_metrics": self.metrics,
            "walk_forward_efficiency": self.efficiency,
            "parameter_stability": self.stability,
        }


def walk_forward(
    evaluator: Any,
    strategy: Any,
    symbol: str,
    timeframe: str,
    *,
    space: SearchSpace,
    n_bars: int,
    train: int,
    test: int,
    step: int | None = None,
    mode: str = "rolling",
    purge: int = 0,
    embargo: int = 0,
    sampler: str = "grid",
    n_trials: int | None = None,
    objectives: str | Iterable[str] = "sharpe",
    constraints: Iterable[str] = (),
    seed: int = 0,
    executor: Executor | None = None,
    stable: bool = True,
    periods_per_year: float | None = None,
    progress: bool = False,
) -> WalkForwardResult:
    """Run a walk-forward analysis; the evaluator must offer ``returns(...)`` for the OOS curve.

    Annualised figures (IS/OOS sharpe and return, the OOS metrics) use ``periods_per_year`` when
    given, else the data's own (:func:`alphalab.research.evaluator.periods_per_year_of`: hourly FX
    6240, daily stocks 252).
    """
    if not hasattr(evaluator, "returns"):
        raise ConfigError("walk-forward needs an evaluator with a returns() method")
    ppy = float(periods_per_year) if periods_per_year else periods_per_year_of(evaluator, symbol, timeframe)
    executor = executor or LocalExecutor()
    rows, pieces, chosen = [], [], []
    cons = list(constraints)
    folds = list(split(n_bars, train=train, test=test, step=step, mode=mode, purge=purge, embargo=embargo))
    started = time.monotonic()
    for k, fold in enumerate(folds):
        if progress:
            _fold_line(k, len(folds), time.monotonic() - started)
        res = optimize(
            evaluator, strategy, symbol, timeframe, space=space, sampler=sampler, n_trials=n_trials,
            objectives=objectives, constraints=cons, seed=seed, executor=executor, window=fold.train,
            progress=progress,
        )
        params = res.best_params(stable=stable)
        if not params:
            rows.append({"fold": fold.index, "status": "no feasible trial"})
            continue
        chosen.append(params)
        is_r = evaluator.returns(strategy, params, symbol, timeframe, fold.train)
        oos_r = evaluator.returns(strategy, params, symbol, timeframe, fold.test)
        pieces.append(oos_r)
        rows.append(_fold_row(fold, params, is_r, oos_r, len(res.trials), ppy))
    return _summarise(rows, pieces, chosen, space, ppy)


def _fold_line(done: int, total: int, elapsed: float) -> None:
    """Print the fold counter with an ETA from the folds finished so far (stderr)."""
    eta = f", about {elapsed / done * (total - done):.0f} s left" if done else ""
    sys.stderr.write(f"walk-forward fold {done + 1}/{total}{eta}\n")


def _fold_row(
    fold: Fold, params: dict[str, Any], is_r: pd.Series, oos_r: pd.Series, trials: int, periods_per_year: float
) -> dict[str, Any]:
    """Return the table row of a fold that found parameters: windows, returns, efficiency, Sharpe."""
    is_ann = _annualised(is_r.to_numpy(), periods_per_year)
    oos_ann = _annualised(oos_r.to_numpy(), periods_per_year)
    return {
        "fold": fold.index, "status": "ok",
        "is_start": fold.train.start, "is_stop": fold.train.stop,
        "oos_start": fold.test.start, "oos_stop": fold.test.stop,
        "params": params, "is_annual_return": is_ann, "oos_annual_return": oos_ann,
        "efficiency": oos_ann / is_ann if is_ann not in (0.0,) else float("nan"),
        "is_sharpe": series_metrics(is_r.to_numpy(), periods_per_year)["sharpe"],
        "oos_sharpe": series_metrics(oos_r.to_numpy(), periods_per_year)["sharpe"],
        "trials": trials,
    }


def _summarise(
    rows: list[dict[str, Any]],
    pieces: list[pd.Series],
    chosen: list[dict[str, Any]],
    space: SearchSpace,
    periods_per_year: float,
) -> WalkForwardResult:
    """Join the OOS pieces into one curve and compute its metrics, the overall efficiency and stability."""
    folds = pd.DataFrame(rows)
    if not pieces:
        raise ConfigError("no fold found a feasible parameter set", hint="relax the constraints")
    oos = pd.concat(pieces).sort_index()
    oos = oos[~oos.index.duplicated(keep="first")]
    ok = folds[folds["status"] == "ok"]
    is_mean = float(ok["is_annual_return"].mean())
    eff = float(ok["oos_annual_return"].mean()) / is_mean if is_mean != 0 else float("nan")
    return WalkForwardResult(
        folds, oos, series_metrics(oos.to_numpy(), periods_per_year), eff, parameter_stability(chosen, space)
    )
