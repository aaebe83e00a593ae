"""``alphalab risk``: VaR / CVaR by four methods, component VaR, and stress tests of weights or a portfolio."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from alphalab.cli._common import JsonOpt, emit, table

risk_app = typer.Typer(help="Risk analytics: value at risk, expected shortfall, stress tests.", no_args_is_help=True)

_Symbols = Annotated[list[str] | None, typer.Option("--symbol", "-s", help="Symbol to hold (repeat).")]
_Weights = Annotated[list[str] | None, typer.Option("--weight", "-w", help="SYMBOL=WEIGHT (repeat; default equal).")]
_Portfolio = Annotated[Path | None, typer.Option("--portfolio", "-p", help="Portfolio file: backtest it, use its run.")]
_Start = Annotated[str | None, typer.Option("--start", help="First date (inclusive).")]
_End = Annotated[str | None, typer.Option("--end", help="Last date (inclusive).")]


def register(app: typer.Typer) -> None:
    app.add_typer(risk_app, name="risk")


def _inputs(symbol: list[str] | None, weight: list[str] | None, portfolio: Path | None, start: str | None,
            end: str | None) -> tuple[Any, Any, dict[str, float], str]:
    from alphalab.portfolio import risk_inputs as ri

    if portfolio is not None:
        from alphalab.data.loader import load_arrays
        from alphalab.portfolio.backtest import run_portfolio
        from alphalab.portfolio.load import load_portfolio

        spec = load_portfolio(portfolio)
        symbols = sorted({s for sl in spec.sleeves for s in sl.symbols})
        result = run_portfolio(spec, load_arrays(symbols, spec.sleeves[0].timeframe, start, end))
        ret, contrib, weights = ri.portfolio_inputs(result)
        return ret, contrib, weights, f"portfolio {spec.name}"
    weights = ri.parse_weights(list(weight or []), list(symbol or []))
    ret, contrib = ri.weighted_returns(ri.closes(list(weights), "1d", start, end), weights)
    return ret, contrib, weights, ", ".join(f"{k} {v:g}" for k, v in weights.items())


@risk_app.command("var")
def var(
    symbol: _Symbols = None, weight: _Weights = None, portfolio: _Portfolio = None, start: _Start = None,
    end: _End = None,
    level: Annotated[float, typer.Option("--level", help="Confidence level, e.g. 0.95 or 0.99.")] = 0.95,
    method: Annotated[list[str] | None, typer.Option("--method", help="historical, parametric, cornish_fisher, "
                                                     "filtered_historical (repeat; default all).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Print one-bar VaR and CVaR by each method, and the component VaR by asset (or sleeve)."""
    from alphalab.portfolio import risk

    ret, contrib, weights, label = _inputs(symbol, weight, portfolio, start, end)
    rows = [risk.value_at_risk(ret, level, m) for m in (method or list(risk.METHODS))]
    comp = risk.component_var(contrib, level)
    payload = {"input": label, "weights": weights, "level": level, "bars": int(ret.notna().sum()),
               "var": {r.method: {"var": r.var, "cvar": r.cvar} for r in rows},
               "component_var": {str(k): dict(v) for k, v in comp.to_dict("index").items()}}

    def render() -> None:
        table(f"one-bar VaR at {level:.0%}: {label}", ["method", "VaR", "CVaR"],
              [(r.method, f"{r.var:.4%}", f"{r.cvar:.4%}") for r in rows])
        table("component VaR (parametric, Euler)", ["part", "component", "share"],
              [(k, f"{v['component']:.4%}", f"{v['share']:.1%}") for k, v in comp.to_dict("index").items()])

    emit(payload, as_json=as_json, render=render)


@risk_app.command("stress")
def stress(
    symbol: _Symbols = None, weight: _Weights = None, portfolio: _Portfolio = None, start: _Start = None,
    end: _End = None,
    shock: Annotated[list[str] | None, typer.Option("--shock", help="User shock SYMBOL=RETURN, e.g. AAPL=-0.3 "
                                                    "(repeat; all shocks form one scenario).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Replay historical crises (2000-02, 2008-09, 2020 where the data covers them) and user shocks on weights."""
    from alphalab.portfolio import risk_inputs as ri
    from alphalab.portfolio.stress import stress_table

    _ret, _contrib, weights, label = _inputs(symbol, weight, portfolio, start, end)
    shocks = [ri.parse_weights(list(shock), [])] if shock else []
    prices = ri.closes(list(weights), "1d")  # the whole history: crises may precede --start
    tab = stress_table(prices, weights, shocks=shocks)
    records = tab.to_dict("records")

    def render() -> None:
        table(f"stress tests: {label}", ["scenario", "return", "max drawdown", "missing"],
              [(r["scenario"], _pct(r["portfolio_return"]), _pct(r["max_drawdown"]), r["missing"] or "-")
               for r in records])
        sys.stdout.write("assets missing from a window are held flat (0 return)\n")

    emit({"input": label, "weights": weights, "scenarios": records}, as_json=as_json, render=render)


def _pct(x: Any) -> str:
    return "n/a" if x != x else f"{x:.2%}"
