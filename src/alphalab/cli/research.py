"""``alphalab optimize | walkforward | montecarlo | fitness``: research at scale.

Every command names its strategy the same way (``alphalab optimize ema_cross`` or
``--strategy/-S ema_cross``) and its symbol with ``--symbol/-s``. Each run writes into its own
folder under ``results/<command>/<run id>/``; ``latest`` points at the newest one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from alphalab.cli._common import (
    JsonOpt,
    StrategyArg,
    StrategyOpt,
    SymbolOpt,
    emit,
    fmt_metric,
    strategy_of,
    table,
)
from alphalab.cli._validate import check_options, emit_warnings, require_some_success, warnings_for_trials

Tf = Annotated[str, typer.Option("--timeframe", "-t", help="Bar timeframe.")]
Space = Annotated[list[str] | None, typer.Option("--space", help="name=low:high:step | name=a,b,c | name=v.")]
Objective = Annotated[str, typer.Option("--objective", help="Metric[:min|max], comma-separated for several.")]
Constraint = Annotated[list[str] | None, typer.Option("--constraint", help="e.g. 'max_drawdown<0.25'.")]
ExecutorOpt = Annotated[str, typer.Option("--executor", help="local (processes) or ray.")]
Address = Annotated[str | None, typer.Option("--address", help="Ray address (host:port or auto).")]
Workers = Annotated[int | None, typer.Option("--workers", help="Worker processes (default: all cores).")]
Out = Annotated[Path | None, typer.Option("--out", help="Folder for the report and tables (default: a new run folder).")]
Trials = Annotated[int | None, typer.Option(
    "--trials", help="Trials of random/lhs/tpe/nsga2; for grid, the most sets (a larger grid is coarsened).")]

OPTIMIZE_TRIALS = 300  # default budget: about a minute on the bundled daily data
FOLD_TRIALS = 60  # default budget per walk-forward fold


def register(app: typer.Typer) -> None:
    app.command("optimize", help="Search a strategy's parameters; report DSR, PBO and stable regions.")(optimize)
    app.command("walkforward", help="Walk-forward optimisation and out-of-sample test.")(walkforward)
    app.command("montecarlo", help="Monte Carlo of a backtest's trades or returns.")(montecarlo)
    app.command("fitness", help="Strategy x symbol x timeframe (x regime) fitness matrix.")(fitness)


def _run_dir(kind: str, label: str, out: Path | None) -> Path:
    from alphalab.runs import new_run_dir

    return new_run_dir(kind, label, out)


def _space(strategy: Any, overrides: list[str] | None, sampler: str, budget: int | None, default: int,
           quiet: bool) -> Any:
    """The strategy's search space (SDL parameters or typed Params); a grid larger than the budget is
    coarsened (and the user told so)."""
    import sys

    from alphalab.research.event_eval import space_for

    sp = space_for(strategy, overrides or [])
    if sampler != "grid":
        return sp
    cap = budget if budget is not None else default
    full = sp.grid_size()
    if full <= cap:
        return sp
    sp = sp.coarsened(cap)
    if not quiet:
        sys.stderr.write(f"note: {_label(strategy)}'s grid of {full:,} sets coarsened to {sp.grid_size():,} "
                         f"(--trials N sets the cap, --space the ranges)\n")
    return sp


def _label(strategy: Any) -> str:
    return strategy if isinstance(strategy, str) else str(getattr(strategy, "__name__", strategy))


def _study(strategy: str, symbol: str, timeframe: str) -> tuple[Any, Any]:
    """Return the strategy to research (a Python class for a Python id or .py file) and its evaluator."""
    from alphalab.research.event_eval import evaluator_for, resolve_research_strategy

    strat = resolve_research_strategy(strategy)
    return strat, evaluator_for(strat).preload([symbol], timeframe)


def _executor(name: str, address: str | None, workers: int | None) -> Any:
    from alphalab.core.errors import AlphaLabError, ResearchError
    from alphalab.research.executors import make_executor

    try:
        return make_executor(name, workers=workers, address=address)
    except AlphaLabError:
        raise
    except (ConnectionError, OSError, RuntimeError, TimeoutError) as exc:
        where = f"at --address {address}" if address else "locally"
        raise ResearchError(
            f"cannot start or reach a Ray cluster {where} ({type(exc).__name__}: {exc})",
            hint="start one with `ray start --head`, leave out --address for a local Ray instance, "
            "or use --executor local",
        ) from None


def optimize(
    strategy_arg: StrategyArg = None,
    strategy: StrategyOpt = None,
    symbol: SymbolOpt = "sample:AAPL",
    timeframe: Tf = "1d",
    space: Space = None,
    sampler: Annotated[str, typer.Option("--sampler", help="grid, random, lhs, tpe or nsga2.")] = "grid",
    trials: Trials = None,
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
    from alphalab.research.report import write_optimization_report

    name = strategy_of(strategy_arg, strategy)
    assert name is not None
    check_options(trials=trials, workers=workers, seed=seed)
    strat, ev = _study(name, symbol, timeframe)
    sp = _space(strat, space, sampler, trials, OPTIMIZE_TRIALS, as_json)
    res = run_optimize(ev, strat, symbol, timeframe, space=sp, sampler=sampler, n_trials=trials,
                       objectives=objective, constraints=constraint or [], seed=seed,
                       executor=_executor(executor, address, workers), progress=not as_json,
                       n_bars=ev.bars(symbol, timeframe).n_bars)
    d = _run_dir("optimize", f"{Path(name).stem}-{symbol}-{timeframe}", out)
    res.trials.drop(columns=[c for c in res.trials.columns if c.startswith("m_ret_")]).to_csv(d / "trials.csv")
    summary = res.summary()
    summary["warnings"] = warnings_for_trials(res.trials, res.objectives[0].metric)
    emit_warnings(summary["warnings"])
    summary.update(run=str(d), trials_csv=str(d / "trials.csv"))
    summary["report"] = str(write_optimization_report(d / "report.html", name, symbol, timeframe, res, sp))
    require_some_success(res.trials, "trials", reason="error", written=str(d / "trials.csv"))

    def render() -> None:
        typer.echo(f"{summary['trials']} trials ({summary['evaluated']} evaluated, {summary['cached']} from the "
                   f"store), {summary['feasible']} feasible")
        for key in ("best", "stable"):
            if summary.get(key):
                table(f"{key} parameters", ["parameter", "value"], list(summary[key]["params"].items()))
        over = summary["overfitting"]
        table("overfitting (DSR: chance the best Sharpe is real; PBO: chance the pick is overfit)",
              ["statistic", "value"], [(k, fmt_metric(k, v)) for k, v in over.items()])
        typer.echo(f"report: {summary['report']}")

    emit(summary, as_json=as_json, render=render)


def walkforward(
    strategy_arg: StrategyArg = None,
    strategy: StrategyOpt = None,
    symbol: SymbolOpt = "sample:AAPL",
    timeframe: Tf = "1d",
    space: Space = None,
    train: Annotated[int, typer.Option("--train", help="In-sample bars.")] = 1000,
    test: Annotated[int, typer.Option("--test", help="Out-of-sample bars.")] = 250,
    step: Annotated[int | None, typer.Option("--step", help="Bars between folds (default: test).")] = None,
    mode: Annotated[str, typer.Option("--mode", help="rolling or anchored.")] = "rolling",
    purge: Annotated[int, typer.Option("--purge")] = 0,
    embargo: Annotated[int, typer.Option("--embargo")] = 0,
    sampler: Annotated[str, typer.Option("--sampler", help="grid, random, lhs, tpe or nsga2.")] = "grid",
    trials: Annotated[int | None, typer.Option(
        "--trials", help="Trials per fold (grid: the most sets per fold; a larger grid is coarsened).")] = None,
    objective: Objective = "sharpe",
    constraint: Constraint = None,
    executor: ExecutorOpt = "local",
    address: Address = None,
    workers: Workers = None,
    out: Out = None,
    as_json: JsonOpt = False,
) -> None:
    """Walk-forward optimisation and out-of-sample test."""
    import pandas as pd
    import plotly.graph_objects as go

    from alphalab.research.report import write_html
    from alphalab.research.walkforward import walk_forward

    name = strategy_of(strategy_arg, strategy)
    assert name is not None
    check_options(train=train, test=test, step=step, purge=purge, embargo=embargo, trials=trials, workers=workers)
    strat, ev = _study(name, symbol, timeframe)
    sp = _space(strat, space, sampler, trials, FOLD_TRIALS, as_json)
    bars = ev.bars(symbol, timeframe)
    res = walk_forward(ev, strat, symbol, timeframe, space=sp, n_bars=bars.n_bars, train=train, test=test,
                       step=step, mode=mode, purge=purge, embargo=embargo, sampler=sampler, n_trials=trials,
                       objectives=objective, constraints=constraint or [],
                       executor=_executor(executor, address, workers), progress=not as_json,
                       periods_per_year=_periods_per_year(bars))
    d = _run_dir("walkforward", f"{Path(name).stem}-{symbol}-{timeframe}", out)
    summary = res.summary()
    eq = res.oos_equity
    fig = go.Figure(go.Scatter(x=eq.index, y=eq.to_numpy(), name="OOS equity"))
    fig.update_layout(title="Stitched out-of-sample equity")
    summary["run"] = str(d)
    summary["report"] = str(write_html(d / "report.html", f"Walk-forward of {name}", summary, [fig]))
    folds = summary.get("folds", [])
    require_some_success(pd.DataFrame(folds), "walk-forward folds", reason="status", written=summary["report"])

    def render() -> None:
        rows = [(r["fold"], r.get("params"), r.get("is_sharpe"), r.get("oos_sharpe")) for r in folds]
        table("folds", ["fold", "params", "IS sharpe", "OOS sharpe"], rows)
        typer.echo(f"walk-forward efficiency: {res.efficiency:.3f}; report: {summary['report']}")

    emit(summary, as_json=as_json, render=render)


def _periods_per_year(bars: Any) -> float:
    """Bars per year of the data's own timeframe and calendar (annualises every walk-forward figure)."""
    from alphalab.engine.assemble import periods_per_year

    return float(periods_per_year(bars.timeframe, tuple(bars.symbols)))


def montecarlo(
    strategy_arg: StrategyArg = None,
    strategy: StrategyOpt = None,
    symbol: SymbolOpt = "sample:AAPL",
    timeframe: Tf = "1d",
    method: Annotated[str, typer.Option("--method", help="reshuffle, bootstrap, block, stationary.")] = "reshuffle",
    sims: Annotated[int, typer.Option("--sims", help="Simulated paths.")] = 1000,
    block: Annotated[int, typer.Option("--block", help="(Mean) block length.")] = 10,
    on: Annotated[str, typer.Option("--on", help="trades or returns (per bar).")] = "trades",
    ruin: Annotated[float, typer.Option("--ruin", help="Drawdown counted as ruin (0.5 = 50%).")] = 0.5,
    confidence: Annotated[float, typer.Option("--confidence", help="Two-sided interval level.")] = 0.95,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    out: Out = None,
    as_json: JsonOpt = False,
) -> None:
    """Monte Carlo of a backtest's trades or returns."""
    import plotly.graph_objects as go

    from alphalab.core.errors import ConfigError
    from alphalab.research.montecarlo import backtest_values, monte_carlo
    from alphalab.research.report import write_html

    name = strategy_of(strategy_arg, strategy)
    assert name is not None
    check_options(sims=sims, block=block, ruin=ruin, seed=seed)
    if on not in ("trades", "returns"):
        raise ConfigError(f"--on {on!r} is not trades or returns", hint="use --on trades or --on returns")
    strat, ev = _study(name, symbol, timeframe)
    values, ppy = backtest_values(ev.run(strat, {}, symbol, timeframe, None), on)
    mc = monte_carlo(values, method=method, n_sims=sims, block=block, seed=seed, ruin_drawdown=ruin,
                     periods_per_year=ppy, confidence=confidence)
    summary = mc.summary()
    summary["units"] = {"final_equity": "multiple of the starting capital (1.0 = break-even)",
                        "max_drawdown": "fraction of the running peak (0.25 = 25%)",
                        "sharpe": "annualised Sharpe ratio"}
    titles = {"final_equity": "Final equity (x starting capital)", "max_drawdown": "Max drawdown (fraction)",
              "sharpe": "Annualised Sharpe ratio"}
    figs = [go.Figure(go.Histogram(x=arr, nbinsx=60)).update_layout(title=titles[k])
            for k, arr in (("final_equity", mc.final_equity), ("max_drawdown", mc.max_drawdown),
                           ("sharpe", mc.sharpe))]
    d = _run_dir("montecarlo", f"{Path(name).stem}-{symbol}-{timeframe}", out)
    summary["run"] = str(d)
    summary["report"] = str(write_html(d / "report.html", f"Monte Carlo of {name}", summary, figs))

    def render() -> None:
        level = f"{confidence:.0%}"
        rows = [(label, f(summary[k]["median"]), f(summary[k]["ci_low"]), f(summary[k]["ci_high"]))
                for k, label, f in (("final_equity", "final equity (x start)", _times),
                                    ("max_drawdown", "max drawdown", _pct),
                                    ("sharpe", "Sharpe (annualised)", lambda v: f"{v:.2f}"))]
        table(f"{method} Monte Carlo, {sims:,} paths of {len(values):,} {on}, {level} interval",
              ["statistic", "median", f"{level} low", f"{level} high"], rows)
        typer.echo(f"probability of ruin ({ruin:.0%} drawdown): {mc.probability_of_ruin:.1%}")

    emit(summary, as_json=as_json, render=render)


def _times(v: float) -> str:
    return f"{v:.2f}x ({v - 1:+.1%})"


def _pct(v: float) -> str:
    return f"{v:.1%}"


def fitness(
    strategy_args: Annotated[list[str] | None, typer.Argument(
        metavar="STRATEGY", help="Strategy ids (the same as repeating --strategy).", show_default=False)] = None,
    strategies: Annotated[list[str] | None, typer.Option(
        "--strategy", "-S", help="Strategy id (repeat for several).")] = None,
    symbols: Annotated[list[str] | None, typer.Option("--symbol", "-s", help="Symbols (repeat).")] = None,
    timeframes: Annotated[list[str] | None, typer.Option("--timeframe", "-t", help="Timeframes (repeat).")] = None,
    space: Space = None,
    trials: Annotated[int, typer.Option(
        "--trials", help="The most grid sets per cell (a larger grid is coarsened).")] = 100,
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
    """Strategy x symbol x timeframe (x regime) fitness matrix."""
    from alphalab.core.errors import ConfigError
    from alphalab.research.engine_eval import EngineEvaluator
    from alphalab.research.fitness import fitness_matrix, write_fitness

    check_options(timeout=timeout, workers=workers)
    names = list(dict.fromkeys([*(strategy_args or []), *(strategies or [])]))
    if not names or not symbols:
        raise ConfigError("fitness needs strategies and symbols",
                          hint="e.g. alphalab fitness ema_cross rsi_reversion -s sample:AAPL -s sample:MSFT")
    spaces = {s: _space(s, space, "grid", trials, trials, as_json) for s in names}
    tbl = fitness_matrix(EngineEvaluator(), names, symbols, timeframes or ["1d"], spaces,
                         regimes=regimes, regime_labels=regime_label or None,
                         objective=objective, constraints=constraint or [], timeout=timeout,
                         executor=_executor(executor, address, workers), progress=not as_json)
    d = _run_dir("fitness", "-".join(Path(n).stem for n in names)[:60], out)
    files = write_fitness(tbl, d, value=objective.split(",")[0].split(":")[0])
    require_some_success(tbl, "fitness cells", written=str(files["csv"]))
    payload = {"run": str(d), "cells": tbl.to_dict("records"), "files": {k: str(v) for k, v in files.items()}}
    metric = objective.split(",")[0].split(":")[0]

    def render() -> None:
        cols = [c for c in ("strategy", "symbol", "timeframe", "regime", "status", metric, "trades", "stability",
                            "rank", "reason") if c in tbl]
        rows = [[fmt_metric(c, v) if c != "rank" else fmt_metric("trades", v) for c, v in zip(cols, r, strict=True)]
                for r in tbl[cols].itertuples(index=False)]
        table("fitness", cols, rows)
        typer.echo(f"table: {files.get('json', '')}\nreport: {files['html']}")

    emit(payload, as_json=as_json, render=render)



