"""Parameter optimisation: sample, evaluate in chunks on an executor, persist, select, deflate.

Memory bound: the driver holds the planned parameter list (a few hundred bytes per trial) and the
trial table (one row of metrics per trial, ~1 KB with the block statistics); each worker holds the
evaluator's data once plus one chunk of ``chunk_size`` parameter sets. The engine evaluator runs
a chunk as one compiled sweep whose arrays are (bars x chunk_size) float64, so a worker's peak is
about ``bars x chunk_size x 8 bytes x k`` (k ~ 10 working arrays) above its data: 1M bars and a
chunk of 64 is ~5 GB worst case, so the default chunk adapts: ``chunk_size = clamp(2e7 / bars, 1,
256)`` keeps it near 1.6 GB per worker at most and far less for typical sizes (see docs/research.md).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from alphalab.core.errors import ConfigError, ResearchError
from alphalab.research.evaluator import Window, evaluate_batch, fingerprint_of
from alphalab.research.executors import Executor, LocalExecutor, Progress, TaskFailure
from alphalab.research.objectives import (
    Constraint,
    Objective,
    best_index,
    feasible_mask,
    parse_constraints,
    parse_objectives,
)
from alphalab.research.overfitting import overfitting_report
from alphalab.research.samplers import ADAPTIVE, OptunaSampler, plan
from alphalab.research.space import SearchSpace, Value
from alphalab.research.stability import neighbourhood_scores, select_stable, stability
from alphalab.research.store import TrialStore, canonical_params, trial_key


@dataclass(frozen=True)
class Study:
    """What is being optimised: the part every worker receives once."""

    evaluator: Any
    strategy: Any
    symbol: str
    timeframe: str
    window: Window | None = None

    def fingerprint(self) -> str:
        w = self.window.key() if self.window else "all"
        base = fingerprint_of(self.evaluator, self.strategy, self.symbol, self.timeframe, self.window)
        return f"{base}|{self.symbol}|{self.timeframe}|{w}"


@dataclass
class OptimizeResult:
    """Trial table (one row per proposed trial, in proposal order) and the selection made from it."""

    trials: pd.DataFrame
    params: list[str]
    objectives: list[Objective]
    constraints: list[Constraint]
    best: int
    stable: int
    overfitting: dict[str, Any]
    n_evaluated: int
    n_cached: int
    seconds: float
    extra: dict[str, Any] = field(default_factory=dict)

    def best_params(self, *, stable: bool = True) -> dict[str, Value]:
        """Return the selected parameters: the stable-region centre when available, else the best."""
        i = self.stable if stable and self.stable >= 0 else self.best
        if i < 0:
            return {}
        row = self.trials.iloc[i]
        return {p: _py(row[f"p_{p}"]) for p in self.params}

    def metrics_of(self, i: int) -> dict[str, float]:
        row = self.trials.iloc[i]
        return {c[2:]: _py(row[c]) for c in self.trials.columns if c.startswith("m_") and "ret_" not in c}

    def summary(self) -> dict[str, Any]:
        """Return a JSON-able summary (selection, overfitting statistics, counts)."""
        out: dict[str, Any] = {
            "trials": len(self.trials),
            # trials with results in the table (this run's and the store's), then how they split
            "evaluated": int((self.trials["status"] == "ok").sum()) if "status" in self.trials else 0,
            "new": self.n_evaluated,
            "cached": self.n_cached,
            "seconds": self.seconds,
            "objectives": [f"{o.metric}:{o.direction}" for o in self.objectives],
            "constraints": [str(c) for c in self.constraints],
            "feasible": int(self.trials["feasible"].sum()) if len(self.trials) else 0,
            "best": None,
            "stable": None,
            "overfitting": self.overfitting,
        }
        if self.best >= 0:
            out["best"] = {"params": self.best_params(stable=False), "metrics": self.metrics_of(self.best)}
        if self.stable >= 0:
            out["stable"] = {"params": self.best_params(), "metrics": self.metrics_of(self.stable)}
        out.update(self.extra)
        return out


def _py(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def evaluate_chunk(study: Study, chunk: Sequence[tuple[str, Mapping[str, Value]]]) -> list[dict[str, Any]]:
    """Evaluate one chunk of (trial_key, params) pairs and return its store rows."""
    t0 = time.perf_counter()
    results = evaluate_batch(
        study.evaluator, study.strategy, [p for _, p in chunk], study.symbol, study.timeframe, study.window
    )
    per = (time.perf_counter() - t0) / max(len(chunk), 1)
    rows = []
    for (key, params), res in zip(chunk, results, strict=True):
        row: dict[str, Any] = {"trial_key": key, "params": canonical_params(params)}
        row.update({f"p_{k}": v for k, v in params.items()})
        if isinstance(res, Exception):
            row.update(status="error", error=f"{type(res).__name__}: {res}")
        else:
            row.update(status="ok", error="")
            row.update({f"m_{k}": float(v) for k, v in res.items()})
        row["elapsed_s"] = per
        rows.append(row)
    return rows


def default_chunk_size(n_missing: int, workers: int, n_bars: int | None = None) -> int:
    """Return a chunk size that spreads work over the workers and bounds per-worker memory."""
    cap = 256 if not n_bars else int(min(256, max(1, 2e7 // max(n_bars, 1))))
    return max(1, min(cap, math.ceil(n_missing / (4 * workers)) if n_missing else 1))


def _run_missing(
    study: Study,
    todo: Sequence[tuple[str, Mapping[str, Value]]],
    store: TrialStore,
    executor: Executor,
    chunk_size: int,
    bar: Progress,
) -> dict[str, dict[str, Any]]:
    """Evaluate ``todo`` in chunks, appending each finished chunk to the store; return rows by key."""
    chunks = [todo[i : i + chunk_size] for i in range(0, len(todo), chunk_size)]
    rows: dict[str, dict[str, Any]] = {}
    for i, res in executor.map(evaluate_chunk, study, chunks):
        if isinstance(res, TaskFailure):
            for key, params in chunks[i]:
                rows[key] = {"trial_key": key, "params": canonical_params(params), "status": "error"}
                rows[key].update({f"p_{k}": v for k, v in params.items()}, error=res.reason)
        else:
            store.append(res)  # persisted before anything else can go wrong
            rows.update({r["trial_key"]: r for r in res})
        bar.advance(len(chunks[i]))
    return rows


def _table(
    proposals: list[tuple[str, Mapping[str, Value]]], known: Mapping[str, Mapping[str, Any]], names: list[str]
) -> pd.DataFrame:
    records = []
    for no, (key, params) in enumerate(proposals):
        row = dict(known.get(key, {"trial_key": key, "status": "missing", "error": ""}))
        row.update({f"p_{k}": params[k] for k in names}, trial_no=no, trial_key=key)
        records.append(row)
    frame = pd.DataFrame(records)
    first = ["trial_no", "trial_key", *[f"p_{n}" for n in names], "status", "error"]
    rest = sorted(c for c in frame.columns if c not in first)
    return frame[[c for c in first if c in frame] + rest]


def _known_rows(store: TrialStore) -> dict[str, dict[str, Any]]:
    frame = store.load()
    if frame.empty or "status" not in frame:
        return {}
    # failed trials are retried on a re-run: their cause (a missing file, a bug) may be gone
    # every column is kept, NaN included: a metric undefined for every trial (alpha without a
    # benchmark) stays a column of the resumed table, as in the first run's
    frame = frame[frame["status"] == "ok"]
    return {str(r["trial_key"]): dict(r) for r in frame.to_dict("records")}


def optimize(
    evaluator: Any,
    strategy: Any,
    symbol: str,
    timeframe: str,
    *,
    space: SearchSpace,
    sampler: str = "grid",
    n_trials: int | None = None,
    objectives: str | Iterable[str] | Sequence[Objective] = "sharpe",
    constraints: Iterable[str] | Sequence[Constraint] = (),
    seed: int = 0,
    executor: Executor | None = None,
    chunk_size: int | None = None,
    window: Window | None = None,
    store: TrialStore | None = None,
    progress: bool = False,
    n_bars: int | None = None,
) -> OptimizeResult:
    """Search ``space`` for the best parameters of ``strategy`` on one symbol and timeframe.

    Finished trials are read from the trial store and not evaluated again, so an interrupted run
    resumes where it stopped. Returns the full trial table with feasibility, neighbourhood scores
    and stability, the best and the stable-region selections, and the DSR and PBO of the search.
    """
    t0 = time.perf_counter()
    objs = _objectives(objectives)
    cons = _constraints(constraints)
    if not space.params:
        raise ConfigError("the search space is empty", hint="declare parameters or pass --space name=spec")
    _check_space_names(strategy, space)
    study = Study(evaluator, strategy, symbol, timeframe, window)
    fp = study.fingerprint()
    store = store or TrialStore.for_study(fp)
    executor = executor or LocalExecutor()
    known = _known_rows(store)
    before = set(known)
    if sampler in ADAPTIVE:
        proposals, new = _run_adaptive(
            study, fp, space, sampler, n_trials, objs, cons, seed, known, store, executor, progress
        )
    else:
        proposals = [(trial_key(fp, p), p) for p in plan(space, sampler, n_trials, seed)]
        todo = list({k: (k, p) for k, p in proposals if k not in known}.values())
        size = chunk_size or default_chunk_size(len(todo), executor.workers, n_bars)
        with Progress(len(todo), f"optimise {symbol} {timeframe}", progress) as bar:
            new = _run_missing(study, todo, store, executor, size, bar)
    known = {**known, **new}
    table = _table(proposals, known, space.names)
    if len(table) and not (table["status"] == "ok").any():
        first = table["error"].dropna().astype(str)
        raise ResearchError(
            f"every trial failed; the first error: {first.iloc[0] if len(first) else 'unknown'}",
            hint="run one backtest of the strategy to see the problem",
        )
    n_cached = len({k for k, _ in proposals if k in before})
    return select(table, space.names, objs, cons, n_evaluated=len(new), n_cached=n_cached,
                  seconds=time.perf_counter() - t0, grid=sampler == "grid")


def _check_space_names(strategy: Any, space: SearchSpace) -> None:
    """Raise when the space names a parameter the SDL strategy does not declare (every trial would fail).

    Strategies the engine cannot resolve as SDL (a test evaluator's names, Python strategies) are
    left to their evaluator.
    """
    from alphalab.core.errors import AlphaLabError
    from alphalab.sdl import StrategySpec

    spec = strategy
    if not isinstance(spec, StrategySpec):
        from alphalab.engine.backtest import resolve_spec

        try:
            spec = resolve_spec(strategy, None)
        except (AlphaLabError, TypeError):
            return
    unknown = [n for n in space.names if n not in spec.parameters]
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0], list(spec.parameters), n=1)
        raise ConfigError(f"strategy {spec.id} has no parameter {unknown[0]!r} (search space: {', '.join(space.names)})",
                          hint=f"did you mean {close[0]!r}?" if close else f"declared: {', '.join(spec.parameters)}")


def _objectives(objectives: str | Iterable[str] | Sequence[Objective]) -> list[Objective]:
    items = list(objectives) if not isinstance(objectives, str) else [objectives]
    if items and all(isinstance(o, Objective) for o in items):
        return items  # type: ignore[return-value]
    return parse_objectives([str(o) for o in items])


def _constraints(constraints: Iterable[str] | Sequence[Constraint]) -> list[Constraint]:
    items = list(constraints)
    if items and all(isinstance(c, Constraint) for c in items):
        return items  # type: ignore[return-value]
    return parse_constraints([str(c) for c in items])


def _run_adaptive(
    study: Study,
    fp: str,
    space: SearchSpace,
    sampler: str,
    n_trials: int | None,
    objs: list[Objective],
    cons: list[Constraint],
    seed: int,
    known: dict[str, dict[str, Any]],
    store: TrialStore,
    executor: Executor,
    progress: bool,
) -> tuple[list[tuple[str, Mapping[str, Value]]], dict[str, dict[str, Any]]]:
    """Ask Optuna for batches of ``workers`` trials, evaluate what is not stored, tell the results."""
    opt = OptunaSampler(space, sampler, objs, cons, seed)
    total = int(n_trials or 100)
    proposals: list[tuple[str, Mapping[str, Value]]] = []
    new: dict[str, dict[str, Any]] = {}
    with Progress(total, f"{sampler} {study.symbol} {study.timeframe}", progress) as bar:
        while len(proposals) < total:
            batch = opt.ask(min(executor.workers, total - len(proposals)))
            keyed = [(t, trial_key(fp, p), p) for t, p in batch]
            todo = list({k: (k, p) for _, k, p in keyed if k not in known and k not in new}.values())
            if todo:
                new.update(_run_missing(study, todo, store, executor, 1, bar))
            for ticket, key, params in keyed:
                row = new.get(key) or known.get(key)
                ok = row is not None and row.get("status") == "ok"
                metrics = {k[2:]: v for k, v in row.items() if k.startswith("m_")} if ok and row else None
                opt.tell(ticket, metrics)
                proposals.append((key, params))
            bar.advance(len(batch) - len(todo))
    return proposals, new


def select(
    table: pd.DataFrame,
    names: list[str],
    objs: list[Objective],
    cons: list[Constraint],
    *,
    n_evaluated: int = 0,
    n_cached: int = 0,
    seconds: float = 0.0,
    grid: bool = True,
) -> OptimizeResult:
    """Mark feasible trials, score neighbourhoods and pick the best and the stable-region centre."""
    for o in objs:
        if f"m_{o.metric}" not in table and (table["status"] == "ok").any():
            raise ConfigError(f"unknown objective metric {o.metric!r}")
    has_metrics = f"m_{objs[0].metric}" in table
    mask = feasible_mask(table, cons) if has_metrics else np.zeros(len(table), bool)
    table = table.assign(feasible=mask)
    best = best_index(table, objs, mask) if has_metrics else -1
    stable = -1
    if has_metrics:
        o = objs[0]
        params = [f"p_{n}" for n in names]
        signed = o.sign * pd.to_numeric(table[f"m_{o.metric}"], errors="coerce").to_numpy(float)
        smooth = neighbourhood_scores(table.assign(__v=signed), params, "__v", mask=mask)
        table = table.assign(neighbourhood=o.sign * smooth, stability=stability(signed, smooth))
        if grid:
            stable = select_stable(table, params, f"m_{o.metric}", direction=o.direction, mask=mask)
    over = overfitting_report(table, best) if has_metrics else {}
    return OptimizeResult(table, names, objs, cons, best, stable, over, n_evaluated, n_cached, seconds)
