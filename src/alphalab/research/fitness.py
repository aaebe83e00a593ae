"""The fitness matrix: how well each strategy fits each symbol, timeframe (and regime).

Each cell (strategy x symbol x timeframe x regime) runs a small grid optimisation in one task;
the cell keeps its stable-region choice, that choice's metrics, its stability and overfitting
statistics, and is ranked within its symbol and timeframe. A cell whose data is missing or
corrupt, or that runs past ``timeout`` seconds, is recorded as skipped with its reason and the
run goes on. Finished cells are stored (keyed by strategy, symbol, timeframe, regime, space and
evaluator fingerprint), so a re-run only computes what is missing.

``regimes`` is the hook for the regimes engine: by default every cell has ``regime="all"``; a
list of labels adds one cell per label (the column is already in every table, mapping and store
key). Evaluators do not filter by regime yet; the regimes engineer wires that in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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
    try:
        res = optimize(job.evaluator, cell.strategy, cell.symbol, cell.timeframe, space=job.spaces[cell.strategy],
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
    regimes: Iterable[str] | None = None,
    objective: str = "sharpe",
    constraints: Iterable[str] = (),
    executor: Executor | None = None,
    timeout: float | None = 600.0,
    progress: bool = False,
    store: TrialStore | None = None,
) -> pd.DataFrame:
    """Return the fitness table: one row per cell with metrics, stability, status, reason and rank."""
    obj = parse_objectives(objective)[0]
    parse_constraints(constraints)  # fail early on a malformed constraint
    job = FitnessJob(evaluator, dict(spaces), obj.metric, tuple(constraints))
    labels = list(regimes) if regimes else [ALL_REGIMES]
    cells = [Cell(s, y, t, r) for s in strategies for y in symbols for t in timeframes for r in labels]
    fp = json.dumps({"spaces": {k: repr(v) for k, v in sorted(spaces.items())}, "objective": objective,
                     "constraints": list(constraints), "evaluator": repr(evaluator)}, sort_keys=True)
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
    return _rank(table, obj.metric, obj.direction)


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
