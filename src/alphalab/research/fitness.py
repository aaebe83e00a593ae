"""The fitness matrix: how well each strategy fits each symbol, timeframe (and regime).

Each cell (strategy x symbol x timeframe x regime) runs a small grid optimisation in one task;
the cell keeps its stable-region choice, that choice's metrics, its stability and overfitting
statistics, and is ranked within its symbol and timeframe. A cell whose data is missing or
corrupt, or that runs past ``timeout`` seconds, is recorded as skipped with its reason and the
run goes on. Finished cells are stored (keyed by strategy, symbol, timeframe, regime, space and
evaluator fingerprint), so a re-run only computes what is missing.

Regimes: ``regimes`` is a detector (a method name such as ``"rule"`` or ``"hmm"``, a detector
configuration or its dict) or precomputed label series per symbol. Each cell is then
(strategy, symbol, timeframe, regime) for every label of ``regime_labels`` (default: the four
regime labels) and is evaluated on that regime's bars only: entries are kept on bars of the regime
and a position still open when the regime ends is closed with reason ``regime_switch`` (exactly
:mod:`alphalab.research.regime_run`; the evaluator must offer ``for_regime``). The detector is
recorded in the table's ``detector`` column so that mapping exports carry it. A plain list of
labels only adds cells (for evaluators that know their labels already).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alphalab.research.executors import Executor, LocalExecutor, Progress, TaskFailure
from alphalab.research.objectives import parse_constraints, parse_objectives
from alphalab.research.optimize import optimize
from alphalab.research.space import SearchSpace
from alphalab.research.store import TrialStore, trial_key

ALL_REGIMES = "all"


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell of the matrix."""

    strategy: str
    symbol: str
    timeframe: str
    regime: str = ALL_REGIMES

    def key(self) -> str:
        return f"{self.strategy}|{self.symbol}|{self.timeframe}|{self.regime}"


@dataclass(frozen=True)
class FitnessJob:
    """What every worker receives once: the evaluator, the spaces and the selection settings."""

    evaluator: Any
    spaces: dict[str, SearchSpace]
    objective: str = "sharpe"
    constraints: tuple[str, ...] = ()


def run_cell(job: FitnessJob, cell: Cell) -> dict[str, Any]:
    """Optimise one cell in this process and return its row (status ``skipped`` on any failure)."""
    row: dict[str, Any] = {"strategy": cell.strategy, "symbol": cell.symbol, "timeframe": cell.timeframe,
                           "regime": cell.regime}
    ev = job.evaluator
    if cell.regime != ALL_REGIMES and hasattr(ev, "for_regime"):
        ev = ev.for_regime(cell.regime)
    try:
        res = optimize(ev, cell.strategy, cell.symbol, cell.timeframe, space=job.spaces[cell.strategy],
                       objectives=job.objective, constraints=list(job.constraints),
                       executor=LocalExecutor(1), chunk_size=64)
    except Exception as exc:
        return {**row, "status": "skipped", "reason": f"{type(exc).__name__}: {exc}"}
    ok = res.trials["status"] == "ok"
    if not ok.any():
        first = res.trials["error"].dropna().astype(str)
        reason = first.iloc[0] if len(first) else "every trial failed"
        return {**row, "status": "skipped", "reason": reason}
    chosen = res.stable if res.stable >= 0 else res.best
    if chosen < 0:
        return {**row, "status": "no_feasible", "reason": "no trial met the constraints", "trials": len(res.trials)}
    metrics = res.metrics_of(chosen)
    row.update(status="ok", reason="", trials=len(res.trials), params=json.dumps(res.best_params()))
    row.update({k: metrics.get(k, float("nan")) for k in sorted(metrics)})
    row["stability"] = float(res.trials["stability"].iloc[chosen])
    row["dsr"] = res.overfitting.get("dsr")
    row["pbo"] = res.overfitting.get("pbo")
    return row


def _rank(table: pd.DataFrame, objective: str, direction: str) -> pd.DataFrame:
    if objective not in table or "status" not in table:
        return table.assign(rank=np.nan)
    score = pd.to_numeric(table[objective], errors="coerce").where(table["status"] == "ok")
    ranks = score.groupby([table["symbol"], table["timeframe"], table["regime"]]).rank(
        ascending=direction == "min", method="min"
    )
    return table.assign(rank=ranks)


def fitness_matrix(
    evaluator: Any,
    strategies: Sequence[str],
    symbols: Sequence[str],
    timeframes: Sequence[str],
    spaces: dict[str, SearchSpace],
    *,
    regimes: Any = None,
    regime_labels: Sequence[str] | None = None,
    objective: str = "sharpe",
    constraints: Iterable[str] = (),
    executor: Executor | None = None,
    timeout: float | None = 600.0,
    progress: bool = False,
    store: TrialStore | None = None,
) -> pd.DataFrame:
    """Return the fitness table: one row per cell with metrics, stability, status, reason and rank.

    ``regimes`` adds the regime dimension (module docstring); ``regime_labels`` picks its labels.
    """
    obj = parse_objectives(objective)[0]
    parse_constraints(constraints)  # fail early on a malformed constraint
    fp = json.dumps({"spaces": {k: repr(v) for k, v in sorted(spaces.items())}, "objective": objective,
                     "constraints": list(constraints), "evaluator": repr(evaluator)}, sort_keys=True)
    evaluator, labels, detector = _with_regimes(evaluator, regimes, regime_labels)
    if detector:
        fp += f"|regimes={detector}|labels={labels}"
        _preload_labels(evaluator, symbols, timeframes)
    job = FitnessJob(evaluator, dict(spaces), obj.metric, tuple(constraints))
    cells = [Cell(s, y, t, r) for s in strategies for y in symbols for t in timeframes for r in labels]
    store = store or TrialStore.for_study(fp, namespace="fitness")
    done = store.load()
    known = {str(r["trial_key"]): r for r in done.to_dict("records")} if len(done) else {}
    known = {k: r for k, r in known.items() if r.get("status") != "skipped"}
    keyed = [(trial_key(fp, {"cell": c.key()}), c) for c in cells]
    todo = [(k, c) for k, c in keyed if k not in known]
    executor = executor or LocalExecutor()
    with Progress(len(todo), "fitness", progress, unit="cells") as bar:
        for i, res in executor.map(run_cell, job, [c for _, c in todo], timeout=timeout):
            k, c = todo[i]
            if isinstance(res, TaskFailure):
                res = {"strategy": c.strategy, "symbol": c.symbol, "timeframe": c.timeframe, "regime": c.regime,
                       "status": "skipped", "reason": res.reason}
            row = {**res, "trial_key": k}
            if res["status"] != "skipped":  # skipped cells are retried next time (the data may be fixed)
                store.append([_storable(row)])
            known[k] = row
            bar.advance()
    table = pd.DataFrame([known[k] for k, _ in keyed]).drop(columns=["trial_key"])
    if detector:
        table["detector"] = detector
    return _rank(table, obj.metric, obj.direction)


def _with_regimes(evaluator: Any, regimes: Any, regime_labels: Sequence[str] | None) -> tuple[Any, list[str], str]:
    """Return (evaluator with its regime labels source, cell labels, detector description)."""
    if regimes is None:
        return evaluator, [ALL_REGIMES], ""
    if isinstance(regimes, list | tuple) and all(isinstance(r, str) for r in regimes):
        return evaluator, list(regimes), ""  # labels only: the evaluator knows its regimes
    from alphalab.core.errors import ConfigError
    from alphalab.regimes.config import REGIME_LABELS

    labels = list(regime_labels or REGIME_LABELS)
    if not hasattr(evaluator, "for_regime") or not hasattr(evaluator, "detector"):
        raise ConfigError(f"{type(evaluator).__name__} cannot evaluate regime cells",
                          hint="use the EngineEvaluator (it offers for_regime)")
    if isinstance(regimes, Mapping) and all(isinstance(v, pd.Series) for v in regimes.values()):
        text = json.dumps({k: pd.util.hash_pandas_object(v.astype(str)).sum().item() for k, v in regimes.items()},
                          sort_keys=True)
        return replace(evaluator, regimes=dict(regimes), detector=None), labels, f"labels:{text}"
    if isinstance(regimes, str):
        detector: dict[str, Any] = {"method": regimes}
    elif hasattr(regimes, "model_dump"):
        detector = regimes.model_dump(mode="json")
    else:
        detector = dict(regimes)
    from alphalab.regimes.detection import make_config

    detector = make_config(**detector).model_dump(mode="json")  # validated, every field explicit
    return replace(evaluator, detector=detector, regimes=None), labels, json.dumps(detector, sort_keys=True)


def _preload_labels(evaluator: Any, symbols: Sequence[str], timeframes: Sequence[str]) -> None:
    """Label each symbol once in the driver, so workers receive the labels with the data."""
    for y in symbols:
        for t in timeframes:
            try:
                evaluator.labels(y, t)
            except Exception:  # a broken data set is reported by its cells
                continue


def _storable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (json.dumps(v) if isinstance(v, dict) else v) for k, v in row.items()}


def write_fitness(table: pd.DataFrame, out_dir: Path, *, value: str = "sharpe") -> dict[str, Path]:
    """Write ``fitness.csv``, ``fitness.json`` and ``fitness.html`` (a heatmap per timeframe)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"csv": out_dir / "fitness.csv", "json": out_dir / "fitness.json", "html": out_dir / "fitness.html"}
    table.to_csv(paths["csv"], index=False)
    paths["json"].write_text(table.to_json(orient="records", indent=2))
    ok = table[table["status"] == "ok"] if "status" in table else table
    tfs = sorted(ok["timeframe"].unique()) if len(ok) else ["-"]
    fig = make_subplots(rows=len(tfs), cols=1, subplot_titles=[f"{value} — {t}" for t in tfs])
    for i, tf in enumerate(tfs, start=1):
        part = ok[ok["timeframe"] == tf] if len(ok) else ok
        if len(part) and value in part:
            pivot = part.pivot_table(index="strategy", columns="symbol", values=value, aggfunc="max")
            fig.add_trace(go.Heatmap(z=pivot.to_numpy(), x=list(pivot.columns), y=list(pivot.index),
                                     colorscale="RdYlGn", showscale=i == 1), row=i, col=1)
    skipped = table[table["status"] != "ok"] if "status" in table else table.iloc[0:0]
    notes = "<br>".join(f"{r.strategy} {r.symbol} {r.timeframe}: {r.reason}" for r in skipped.itertuples())
    fig.update_layout(title="Fitness matrix", height=400 * len(tfs) + 100)
    html = fig.to_html(include_plotlyjs=True, full_html=True)
    if notes:
        html = html.replace("</body>", f"<h3>Skipped cells</h3><p>{notes}</p></body>")
    paths["html"].write_text(html)
    return paths


FITNESS_COLUMNS = ("strategy", "symbol", "timeframe", "params")


def read_fitness_table(path: Path) -> pd.DataFrame:
    """Read ``fitness.csv`` / ``fitness.json`` as written by :func:`write_fitness`; raise naming the file.

    Raises
    ------
    DataError
        When the file is missing, unreadable, has none of the columns a fitness table has, holds no
        rows, or every cell in it was skipped.
    """
    from alphalab.core.errors import DataError, NotFoundError

    path = Path(path)
    if not path.exists():
        raise NotFoundError(f"fitness table {path} does not exist", hint="run `alphalab fitness` first")
    hint = "give the fitness.csv or fitness.json that `alphalab fitness` wrote"
    if path.is_dir():
        raise DataError(f"{path}: is a directory, not a fitness table", hint=hint)
    try:
        table = pd.read_json(path) if path.suffix == ".json" else pd.read_csv(path, encoding="utf-8")
    except UnicodeDecodeError:
        raise DataError(f"{path}: is not UTF-8 text", hint=hint) from None
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{path}: is not a readable fitness table ({str(exc).splitlines()[0][:100]})",
                        hint=hint) from None
    missing = [c for c in FITNESS_COLUMNS if c not in table.columns]
    if missing:
        raise DataError(f"{path}: is not a fitness table (no column {', '.join(missing)})", hint=hint)
    if table.empty:
        raise DataError(f"{path}: the fitness table has no rows", hint="run `alphalab fitness` again")
    if "status" in table and not (table["status"] == "ok").any():
        raise DataError(f"{path}: every cell of the fitness table was skipped, there is nothing to export",
                        hint="see the reason column; widen the data or the search space")
    return table
