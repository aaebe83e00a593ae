"""``alphalab backtest``, ``alphalab lookahead`` and ``alphalab report``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from alphalab.cli._common import (
    JsonOpt,
    StrategyArg,
    StrategyOpt,
    SymbolsOpt,
    emit,
    metric_rows,
    strategy_of,
    table,
)


def register(app: typer.Typer) -> None:
    app.command("backtest", help="Backtest a strategy on one or more symbols and write a report.")(backtest)
    app.command("lookahead", help="Re-run on truncated data and report any decision that changed.")(lookahead)
    app.command("report", help="Rebuild reports: RESULT_DIR, or 'monthly' for the monthly strategy reports.")(
        report
    )


_OptStr = str | None
_SlipOpt = Annotated[
    float | None, typer.Option("--slippage-bps", help="Slippage in basis points (overrides the spec).")
]
_RouterOpt = Annotated[
    Path | None, typer.Option("--router", help="Routing table (JSON): switch configurations by regime.")
]
_RegimesOpt = Annotated[
    _OptStr,
    typer.Option("--regimes", help="Label regimes with a detector (hmm or rule) for filters and reports."),
]
_FillOpt = Annotated[str, typer.Option("--fill", help="next_open (default) or close (flagged in reports).")]
_ParamOpt = Annotated[list[str] | None, typer.Option("--param", help="Override a parameter: name=value.")]


def backtest(
    strategy_arg: StrategyArg = None,
    strategy: StrategyOpt = None,
    symbol: SymbolsOpt = ...,  # type: ignore[assignment]
    timeframe: Annotated[str, typer.Option("--timeframe", "-t", help="Bar timeframe, e.g. 1h or 1d.")] = "1d",
    start: Annotated[
        _OptStr, typer.Option("--start", help="First date (inclusive), e.g. 2010-01-01.")
    ] = None,
    end: Annotated[_OptStr, typer.Option("--end", help="Last date (inclusive).")] = None,
    param: _ParamOpt = None,
    capital: Annotated[float, typer.Option("--capital", help="Starting capital.")] = 100_000.0,
    fee_bps: Annotated[
        float | None, typer.Option("--fee-bps", help="Fee in basis points (overrides the spec).")
    ] = None,
    slippage_bps: _SlipOpt = None,
    fill: _FillOpt = "next_open",
    router: _RouterOpt = None,
    regimes: _RegimesOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="Directory for the result and report.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Backtest a strategy on one or more symbols and write an HTML report."""
    from alphalab.cli._validate import check_options, emit_warnings, warnings_for_result
    from alphalab.workflows import BacktestRequest, run_backtest_request

    check_options(capital=capital, fee_bps=fee_bps, slippage_bps=slippage_bps, start=start, end=end)

    summary = run_backtest_request(
        BacktestRequest(
            strategy=strategy_of(strategy_arg, strategy, required=False),
            symbols=list(symbol),
            timeframe=timeframe,
            start=start,
            end=end,
            params=list(param or []),
            capital=capital,
            fee_bps=fee_bps,
            slippage_bps=slippage_bps,
            fill=fill,
            router=router,
            regimes=regimes,
            out=out,
        )
    )
    summary["warnings"] = warnings_for_result(summary["trades"], summary["metrics"])  # type: ignore[arg-type]
    emit_warnings(summary["warnings"])
    emit(summary, as_json=as_json, render=lambda: _render_backtest(summary))


def _render_backtest(summary: dict[str, object]) -> None:
    metrics = summary["metrics"]
    assert isinstance(metrics, dict)
    title = f"{summary['name']} on {', '.join(summary['symbols'])} ({summary['timeframe']})"  # type: ignore[arg-type]
    table(title, ["metric", "value"], metric_rows(metrics))
    for key in ("trades", "report", "result"):
        typer.echo(f"{key}: {summary[key]}")


def lookahead(
    strategy_arg: StrategyArg = None,
    strategy: StrategyOpt = None,
    symbol: SymbolsOpt = ...,  # type: ignore[assignment]
    timeframe: Annotated[str, typer.Option("--timeframe", "-t")] = "1d",
    cuts: Annotated[int, typer.Option("--cuts", help="Number of cut points (per method).")] = 12,
    method: Annotated[
        list[str] | None,
        typer.Option("--method", help="truncation and/or continuation (default: both)."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random continuations.")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Change the data after many cut points (truncate it, and replace it with a random continuation);
    exit 1 naming the bar and the decision if any decision up to a cut changed."""
    from alphalab.cli._validate import check_options
    from alphalab.data import load_arrays
    from alphalab.engine.lookahead import METHODS, check_lookahead

    check_options(cuts=cuts)

    name = strategy_of(strategy_arg, strategy)
    bars = load_arrays(list(symbol), timeframe)
    rep = check_lookahead(name, bars, n_cuts=cuts, methods=tuple(method or METHODS), seed=seed)
    payload = rep.to_dict()

    def render() -> None:
        if rep.ok:
            typer.echo(f"no look-ahead: {rep.cuts_checked} cut points x {' + '.join(rep.methods)}, "
                       "every decision unchanged")
            return
        first = rep.first
        assert first is not None
        typer.echo(f"look-ahead: bar {first.bar} ({first.time}, {first.method} at cut {first.cut}): "
                   f"{first.what}: full run {first.full!r}, changed run {first.truncated!r}")
        table(
            "decisions that changed",
            ["method", "cut", "bar", "time", "symbol", "what", "full run", "changed run"],
            [(d.method, d.cut, d.bar, d.time, d.symbol, d.what, d.full, d.truncated) for d in rep.differences[:50]],
        )

    emit(payload, as_json=as_json, render=render)
    if not rep.ok:
        raise typer.Exit(1)


def report(
    target: Annotated[str, typer.Argument(
        help="A saved result (or its run folder), 'latest' (the newest backtest), or 'monthly'.")],
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="For 'monthly': a best-config mapping file.")
    ] = None,
    strategy: Annotated[
        list[str] | None, typer.Option("--strategy", "-S", help="For 'monthly': strategy ids (repeat).")
    ] = None,
    symbol: Annotated[list[str] | None, typer.Option("--symbol", "-s", help="For 'monthly': symbols.")] = None,
    timeframe: Annotated[str, typer.Option("--timeframe", "-t")] = "1d",
    out: Annotated[Path | None, typer.Option("--out", help="Output directory.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Rebuild the reports of a saved result, or write the monthly strategy reports."""
    if target != "monthly":
        from alphalab.workflows import rebuild_report

        payload = rebuild_report(target, out)
        emit(payload, as_json=as_json, render=lambda: typer.echo(
            f"report: {payload['report']}\nexports: {len(payload['exports'])} files"))
        return
    import pandas as pd

    from alphalab.cli._common import fmt_metric
    from alphalab.cli._validate import require_some_success
    from alphalab.workflows import monthly_reports

    payload = monthly_reports(
        mapping=mapping, strategies=strategy or [], symbols=symbol or [], timeframe=timeframe, out=out
    )
    rows = payload["reports"]
    cols = ["strategy", "symbol", "timeframe", "status", "total_return", "win_rate", "profit_factor",
            "max_drawdown", "sharpe", "trades"]

    def render() -> None:
        table("monthly reports", cols, [[fmt_metric(c, r.get(c)) for c in cols] for r in rows])
        typer.echo(f"index: {payload['index']}")

    require_some_success(pd.DataFrame(rows), "monthly reports", written=str(payload["index"]))
    emit(payload, as_json=as_json, render=render)
