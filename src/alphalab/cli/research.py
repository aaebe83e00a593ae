"""``alphalab optimize | walkforward | montecarlo | fitness | mapping``: research at scale."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from alphalab.cli._common import JsonOpt, emit, table
from alphalab.cli._validate import (
    check_mapping,
    check_options,
    emit_warnings,
    require_some_success,
    warnings_for_trials,
)

Symbol = Annotated[str, typer.Option("--symbol", "-s", help="Symbol, e.g. sample:AAPL.")]
Tf = Annotated[str, typer.Option("--timeframe", "-t", help="Bar timeframe.")]
Space = Annotated[list[str] | None, typer.Option("--space", help="name=low:high:step | name=a,b,c | name=v.")]
Objective = Annotated[str, typer.Option("--objective", help="Metric[:min|max], comma-separated for several.")]
Constraint = Annotated[list[str] | None, typer.Option("--constraint", help="e.g. 'max_drawdown<0.25'.")]
ExecutorOpt = Annotated[str, typer.Option("--executor", help="local (processes) or ray.")]
Address = Annotated[str | None, typer.Option("--address", help="Ray address (host:port or auto).")]
Workers = Annotated[int | None, typer.Option("--workers", help="Worker processes (default: all cores).")]
Out = Annotated[Path | None, typer.Option("--out", help="Directory for the HTML report and tables.")]


def register(app: typer.Typer) -> None:
    app.command("optimize", help="Search a strategy's parameters; report DSR, PBO and stable regions.")(optimize)
    app.command("walkforward", help="Walk-forward optimisation and out-of-sample test.")(walkforward)
    app.command("montecarlo", help="Monte Carlo of a backtest's trades or returns.")(montecarlo)
    app.command("fitness", help="Strategy x symbol x timeframe fitness matrix.")(fitness)
    mapping_app = typer.Typer(help="Best-config mappings: export, run, validate.", no_args_is_help=True)
    mapping_app.command("export", help="Build a mapping from a fitness table.")(mapping_export)
    mapping_app.command("run", help="Re-run the configurations of a mapping file.")(mapping_run)
    mapping_app.command("validate", help="Check a mapping file against the schema.")(mapping_validate)
    app.add_typer(mapping_app, name="mapping")


def _out(out: Path | None, name: str) -> Path:
    from alphalab import paths

    return out if out is not None else paths.results_dir() / "research" / name


def _space(strategy: Any, overrides: list[str] | None) -> Any:
    from alphalab.research.event_eval import space_for

    return space_for(strategy, overrides or [])


def _study(strategy: str, symbol: str, timeframe: str) -> tuple[Any, Any]:
    """Return the strategy to research (a Python class for a Python id or .py file) and its evaluator."""
    from alphalab.research.event_eval import evaluator_for, resolve_research_strategy

    strat = resolve_research_strategy(strategy)
    return strat, evaluator_for(strat).preload([symbol], timeframe)


def _executor(name: str, address: str | None, workers: int | None) -> Any:
    from alphalab.research.executors import make_executor

    return make_executor(name, workers=workers, address=address)


def optimize(
    strategy: Annotated[str, typer.Argument(help="Strategy id, SDL file or Python strategy file (.py).")],
    symbol: Symbol = "sample:AAPL",
    timeframe: Tf = "1d",
    space: Space = None,
    sampler: Annotated[str, typer.Option("--sampler", help="grid, random, lhs, tpe or nsga2.")] = "grid",
    trials: Annotated[int | None, typer.Option("--trials", help="Trials of non-grid samplers.")] = None,
    objective: Objective = "sharpe",
    constraint: Constraint = None,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    executor: ExecutorOpt = "local",
    address: Address = None,
    workers: Workers = None,
    out: Out = None,
    as_json: JsonOpt = False,
) -> None:
    """Search a strategy's parameters; report DSR, PBO and stable regions."""
    from alphalab.research.optimize import optimize as run_optimize
    from alphalab.research.report import write_html
    from alphalab.research.stability import heatmap_html

    check_options(trials=trials, workers=workers, seed=seed)
    strat, ev = _study(strategy, symbol, timeframe)
    sp = _space(strat, space)
    res = run_optimize(ev, strat, symbol, timeframe, space=sp, sampler=sampler, n_trials=trials,
                       objectives=objective, constraints=constraint or [], seed=seed,
                       executor=_executor(executor, address, workers), progress=not as_json,
                       n_bars=ev.bars(symbol, timeframe).n_bars)
    d = _out(out, f"optimize_{Path(strategy).stem}")
    d.mkdir(parents=True, exist_ok=True)
    res.trials.drop(columns=[c for c in res.trials.columns if c.startswith("m_ret_")]).to_csv(d / "trials.csv")
    summary = res.summary()
    summary["warnings"] = warnings_for_trials(res.trials, res.objectives[0].metric)
    emit_warnings(summary["warnings"])
    names = [n for n in sp.names if len(sp.params[n].grid_values()) > 1]
    if len(names) >= 2:
        metric = f"m_{res.objectives[0].metric}"
        summary["heatmap"] = str(heatmap_html(res.trials, f"p_{names[0]}", f"p_{names[1]}", metric,
                                              d / "heatmap.html"))
    summary["report"] = str(write_html(d / "report.html", f"Optimisation of {strategy}", summary))
    summary["trials_csv"] = str(d / "trials.csv")

    def render() -> None:
        for key in ("best", "stable"):
            if summary.get(key):
                table(f"{key} parameters", ["parameter", "value"], list(summary[key]["params"].items()))
        over = summary["overfitting"]
        table("overfitting", ["statistic", "value"], [(k, v) for k, v in over.items()])
        typer.echo(f"report: {summary['report']}")

    emit(summary, as_json=as_json, render=render)


def walkforward(
    strategy: Annotated[str, typer.Argument(help="Strategy id, SDL file or Python strategy file (.py).")],
    symbol: Symbol = "sample:AAPL",
    timeframe: Tf = "1d",
    space: Space = None,
    train: Annotated[int, typer.Option("--train", help="In-sample bars.")] = 500,
    test: Annotated[int, typer.Option("--test", help="Out-of-sample bars.")] = 125,
    step: Annotated[int | None, typer.Option("--step", help="Bars between folds (default: test).")] = None,
    mode: Annotated[str, typer.Option("--mode", help="rolling or anchored.")] = "rolling",
    purge: Annotated[int, typer.Option("--purge")] = 0,
    embargo: Annotated[int, typer.Option("--embargo")] = 0,
    sampler: Annotated[str, typer.Option("--sampler")] = "grid",
    trials: Annotated[int | None, typer.Option("--trials")] = None,
    objective: Objective = "sharpe",
    constraint: Constraint = None,
    executor: ExecutorOpt = "local",
    address: Address = None,
    workers: Workers = None,
    out: Out = None,
    as_json: JsonOpt = False,
) -> None:
    """Walk-forward optimisation and out-of-sample test."""
    import plotly.graph_objects as go

    from alphalab.research.report import write_html
    from alphalab.research.walkforward import walk_forward

    check_options(train=train, test=test, step=step, purge=purge, embargo=embargo, trials=trials, workers=workers)
    strat, ev = _study(strategy, symbol, timeframe)
    res = walk_forward(ev, strat, symbol, timeframe, space=_space(strat, space),
                       n_bars=ev.bars(symbol, timeframe).n_bars, train=train, test=test, step=step, mode=mode,
                       purge=purge, embargo=embargo, sampler=sampler, n_trials=trials, objectives=objective,
                       constraints=constraint or [], executor=_executor(executor, address, workers),
                       progress=not as_json)
    d = _out(out, f"walkforward_{Path(strategy).stem}")
    summary = res.summary()
    eq = res.oos_equity
    fig = go.Figure(go.Scatter(x=eq.index, y=eq.to_numpy(), name="OOS equity"))
    fig.update_layout(title="Stitched out-of-sample equity")
    summary["report"] = str(write_html(d / "report.html", f"Walk-forward of {strategy}", summary, [fig]))

    def render() -> None:
        rows = [(r["fold"], r.get("params"), r.get("is_sharpe"), r.get("oos_sharpe")) for r in summary["folds"]]
        table("folds", ["fold", "params", "IS sharpe", "OOS sharpe"], rows)
        typer.echo(f"walk-forward efficiency: {res.efficiency:.3f}; report: {summary['report']}")

    emit(summary, as_json=as_json, render=render)


def montecarlo(
    strategy: Annotated[str, typer.Argument(help="Strategy id, SDL file or Python strategy file (.py).")],
    symbol: Symbol = "sample:AAPL",
    timeframe: Tf = "1d",
    method: Annotated[str, typer.Option("--method", help="reshuffle, bootstrap, block, stationary.")] = "reshuffle",
    sims: Annotated[int, typer.Option("--sims")] = 1000,
    block: Annotated[int, typer.Option("--block", help="(Mean) block length.")] = 10,
    on: Annotated[str, typer.Option("--on", help="trades or returns (per bar).")] = "trades",
    ruin: Annotated[float, typer.Option("--ruin", help="Drawdown counted as ruin.")] = 0.5,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    out: Out = None,
    as_json: JsonOpt = False,
) -> None:
    """Monte Carlo of a backtest's trades or returns."""
    import plotly.graph_objects as go

    from alphalab.research.montecarlo import backtest_values, monte_carlo
    from alphalab.research.report import write_html

    check_options(sims=sims, block=block, ruin=ruin, seed=seed)
    strat, ev = _study(strategy, symbol, timeframe)
    values, ppy = backtest_values(ev.run(strat, {}, symbol, timeframe, None), on)
    mc = monte_carlo(values, method=method, n_sims=sims, block=block, seed=seed, ruin_drawdown=ruin,
                     periods_per_year=ppy)
    summary = mc.summary()
    figs = []
    for name, arr in (("final_equity", mc.final_equity), ("max_drawdown", mc.max_drawdown), ("sharpe", mc.sharpe)):
        figs.append(go.Figure(go.Histogram(x=arr, nbinsx=60)).update_layout(title=name))
    summary["report"] = str(write_html(_out(out, f"montecarlo_{Path(strategy).stem}") / "report.html",
                                       f"Monte Carlo of {strategy}", summary, figs))

    def render() -> None:
        rows = [(k, summary[k]["median"], summary[k]["ci_low"], summary[k]["ci_high"])
                for k in ("final_equity", "max_drawdown", "sharpe")]
        table(f"{method} x {sims}", ["statistic", "median", "ci low", "ci high"], rows)
        typer.echo(f"probability of ruin ({ruin:.0%} drawdown): {mc.probability_of_ruin:.3f}")

    emit(summary, as_json=as_json, render=render)


def fitness(
    strategies: Annotated[list[str], typer.Option("--strategy", help="Strategy ids (repeat).")],
    symbols: Annotated[list[str], typer.Option("--symbol", "-s", help="Symbols (repeat).")],
    timeframes: Annotated[list[str] | None, typer.Option("--timeframe", "-t", help="Timeframes (repeat).")] = None,
    space: Space = None,
    objective: Objective = "sharpe",
    constraint: Constraint = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds per cell before it is skipped.")] = 600.0,
    regimes: Annotated[str | None, typer.Option(
        "--regimes", help="Add the regime dimension: detector method (rule or hmm).")] = None,
    regime_label: Annotated[list[str] | None, typer.Option(
        "--regime-label", help="Regime labels to evaluate (repeat; default: all four).")] = None,
    executor: ExecutorOpt = "local",
    address: Address = None,
    workers: Workers = None,
    out: Out = None,
    as_json: JsonOpt = False,
) -> None:
    """Strategy x symbol x timeframe fitness matrix."""
    from alphalab.research.engine_eval import EngineEvaluator
    from alphalab.research.fitness import fitness_matrix, write_fitness

    check_options(timeout=timeout, workers=workers)

    spaces = {s: _space(s, space) for s in strategies}
    tbl = fitness_matrix(EngineEvaluator(), strategies, symbols, timeframes or ["1d"], spaces,
                         regimes=regimes, regime_labels=regime_label or None,
                         objective=objective, constraints=constraint or [], timeout=timeout,
                         executor=_executor(executor, address, workers), progress=not as_json)
    files = write_fitness(tbl, _out(out, "fitness"), value=objective.split(",")[0].split(":")[0])
    require_some_success(tbl, "fitness cells", written=str(files["csv"]))
    payload = {"cells": tbl.to_dict("records"), "files": {k: str(v) for k, v in files.items()}}

    def render() -> None:
        cols = [c for c in ("strategy", "symbol", "timeframe", "regime", "status", "sharpe", "stability", "rank",
                            "reason")
                if c in tbl]
        table("fitness", cols, tbl[cols].itertuples(index=False))
        typer.echo(f"report: {files['html']}")

    emit(payload, as_json=as_json, render=render)


def mapping_export(
    fitness_file: Annotated[Path, typer.Argument(help="fitness.csv or fitness.json from `alphalab fitness`.")],
    out: Annotated[Path, typer.Option("--out", help="Mapping file to write.")] = Path("mapping.json"),
    min_trades: Annotated[int, typer.Option("--min-trades")] = 0,
    min_expectancy: Annotated[float | None, typer.Option("--min-expectancy")] = None,
    max_drawdown: Annotated[float | None, typer.Option("--max-drawdown")] = None,
    min_stability: Annotated[float | None, typer.Option("--min-stability")] = None,
    top_k: Annotated[int, typer.Option("--top-k")] = 1,
    as_json: JsonOpt = False,
) -> None:
    """Build a mapping from a fitness table."""

    from alphalab.research.engine_eval import EngineEvaluator
    from alphalab.research.fitness import read_fitness_table
    from alphalab.research.mapping import DataRange, SelectionRules, export_mapping

    check_options(min_trades=min_trades, top_k=top_k, max_drawdown=max_drawdown, min_stability=min_stability)
    tbl = read_fitness_table(fitness_file)
    ev = EngineEvaluator()

    def data_range(symbol: str, tf: str) -> DataRange:
        idx = ev.bars(symbol, tf).index
        return DataRange(start=idx[0].to_pydatetime(), end=idx[-1].to_pydatetime(), bars=len(idx))

    rules = SelectionRules(min_trades=min_trades, min_expectancy=min_expectancy, max_drawdown=max_drawdown,
                           min_stability=min_stability, top_k=top_k)
    mapping = export_mapping(tbl, rules, data_range=data_range, source=str(fitness_file))
    path = mapping.save(out)
    emit({"mapping": str(path), "entries": len(mapping.entries)}, as_json=as_json,
         render=lambda: typer.echo(f"wrote {len(mapping.entries)} entries to {path}"))


def mapping_run(
    file: Annotated[Path, typer.Argument(help="Mapping file.")],
    router: Annotated[bool, typer.Option(
        "--router", help="Run each asset and timeframe through the regime router (regime entries).")] = False,
    on_switch: Annotated[str, typer.Option("--on-switch", help="Router: close or keep at a regime switch.")] = "close",
    regimes: Annotated[str | None, typer.Option(
        "--regimes", help="Detector method (rule or hmm); default: the mapping's detector.")] = None,
    out: Out = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-run the configurations of a mapping file (or route them by regime with --router)."""
    from alphalab.research.mapping import load_mapping
    from alphalab.research.report import write_html

    mapping = load_mapping(file)
    d = _out(out, f"mapping_{file.stem}")
    d.mkdir(parents=True, exist_ok=True)
    if router:
        rows, agg = _run_routed(mapping, on_switch, regimes)
    else:
        from alphalab.research.engine_eval import EngineEvaluator
        from alphalab.research.mapping import run_mapping

        detector = {"method": regimes} if regimes else mapping.detector
        rows, agg = run_mapping(mapping, EngineEvaluator(detector=detector))
    rows.to_csv(d / "mapping_run.csv", index=False)
    require_some_success(rows, "mapping entries", written=str(d / "mapping_run.csv"))
    report = write_html(d / "report.html", f"Mapping run of {file.name}", {"aggregate": agg})
    payload = {"entries": rows.to_dict("records"), "aggregate": agg, "report": str(report)}

    def render() -> None:
        cols = [c for c in ("asset", "timeframe", "regime", "strategy_id", "routes", "status", "sharpe",
                            "max_drawdown", "trades") if c in rows]
        table("mapping run", cols, rows[cols].itertuples(index=False))

    emit(payload, as_json=as_json, render=render)


def _run_routed(mapping: Any, on_switch: str, regimes: str | None) -> tuple[Any, dict[str, float]]:
    from alphalab.core.errors import ConfigError
    from alphalab.research.routing import run_mapping_routed

    if on_switch not in ("close", "keep"):
        raise ConfigError(f"--on-switch {on_switch!r}: choose close or keep")
    rows, _ = run_mapping_routed(mapping, on_switch=on_switch, detector=regimes)  # type: ignore[arg-type]
    ok = rows[rows["status"] == "ok"] if len(rows) else rows
    agg = {"runs": float(len(rows)), "ok": float(len(ok))}
    for k in ("sharpe", "max_drawdown", "trades"):
        if k in ok and len(ok):
            agg[f"mean_{k}"] = float(ok[k].mean())
    return rows, agg


def mapping_validate(
    file: Annotated[Path, typer.Argument(help="Mapping file.")],
    as_json: JsonOpt = False,
) -> None:
    """Check a mapping file against the schema."""
    from alphalab.research.mapping import load_mapping

    mapping = load_mapping(file)  # raises ValidationError with path-precise problems
    check_mapping(mapping, str(file))
    emit({"valid": True, "entries": len(mapping.entries), "schema_version": mapping.schema_version},
         as_json=as_json, render=lambda: typer.echo(f"{file}: valid ({len(mapping.entries)} entries)"))
