"""``alphalab portfolio``: the portfolio document's schema and a validator for portfolio files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from alphalab.cli._common import JsonOpt, emit, to_json

portfolio_app = typer.Typer(help="Portfolios: several strategies on shared capital behind one risk gate.",
                            no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(portfolio_app, name="portfolio")


@portfolio_app.command("schema")
def schema() -> None:
    """Print the JSON Schema of portfolio documents (generated from the models)."""
    from alphalab.portfolio.spec import json_schema

    sys.stdout.write(to_json(json_schema()) + "\n")


def validate_file(path: Path) -> dict[str, Any]:
    """Validate one portfolio (or mapping) file; return ``{file, valid, name, sleeves, problems}``."""
    from alphalab.core.errors import AlphaLabError, ValidationError
    from alphalab.portfolio.load import load_portfolio

    row: dict[str, Any] = {"file": str(path), "valid": False, "name": None, "sleeves": [], "problems": []}
    try:
        spec = load_portfolio(path)
    except ValidationError as exc:
        row["problems"] = [{"where": p.where, "message": p.message, "hint": p.hint} for p in exc.problems] or [
            {"where": "", "message": exc.message, "hint": exc.hint}]
        return row
    except AlphaLabError as exc:
        row["problems"] = [{"where": "", "message": exc.message, "hint": exc.hint}]
        return row
    row.update(valid=True, name=spec.name, sleeves=[s.id for s in spec.sleeves])
    return row


@portfolio_app.command("validate")
def validate(
    files: Annotated[list[Path], typer.Argument(help="Portfolio (or best-config mapping) JSON files to check.")],
    as_json: JsonOpt = False,
) -> None:
    """Check portfolio files; print every problem of every file; exit 1 when any is invalid."""
    rows = [validate_file(f) for f in files]

    def render() -> None:
        for r in rows:
            if r["valid"]:
                sys.stdout.write(f"{r['file']}: ok ({r['name']}: {len(r['sleeves'])} sleeve(s))\n")
                continue
            sys.stdout.write(f"{r['file']}: {len(r['problems'])} problem(s)\n")
            for p in r["problems"]:
                line = f"{p['where']}: {p['message']}" if p["where"] else p["message"]
                sys.stdout.write(f"  - {line}{' (' + p['hint'] + ')' if p['hint'] else ''}\n")

    emit({"files": rows, "valid": all(r["valid"] for r in rows)}, as_json=as_json, render=render)
    if not all(r["valid"] for r in rows):
        raise typer.Exit(1)


@portfolio_app.command("backtest")
def backtest(
    file: Annotated[Path, typer.Argument(help="Portfolio (or best-config mapping) JSON file.")],
    start: Annotated[str | None, typer.Option("--start", help="First date (inclusive).")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last date (inclusive).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Directory for the CSV/JSON exports.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Backtest a portfolio on shared capital with the risk gate on every entry."""
    from alphalab.data.loader import load_arrays
    from alphalab.portfolio.backtest import run_portfolio
    from alphalab.portfolio.load import load_portfolio
    from alphalab.portfolio.summary import export_portfolio, portfolio_summary

    spec = load_portfolio(file)
    symbols = sorted({sym for s in spec.sleeves for sym in s.symbols})
    data = load_arrays(symbols, spec.sleeves[0].timeframe, start, end)
    result = run_portfolio(spec, data)
    summary = portfolio_summary(result)
    if out is not None:
        summary["files"] = [str(p) for p in export_portfolio(result, out)]

    def render() -> None:
        from alphalab.cli._common import table

        m = summary["metrics"]
        keys = ("total_return", "cagr", "sharpe", "max_drawdown", "trades")
        table(f"{spec.name}: {len(spec.sleeves)} sleeve(s) on {', '.join(symbols)}", ["metric", "value"],
              [(k, m.get(k)) for k in keys if k in m] + [("final_equity", summary["final_equity"])])
        table("by sleeve", ["sleeve", "pnl", "trades", "share"],
              [(k, v["pnl"], v["trades"], v["share"]) for k, v in summary["by_sleeve"].items()])
        events = summary["risk_events"] or {"none": 0}
        table("risk events (resizes and denials by rule)", ["rule", "count"], list(events.items()))
        warnings = summary["correlation_warnings"]
        sys.stdout.write(f"sleeve correlation above {spec.allocation.correlation_warning:g}: "
                         f"{len(warnings)} time(s)\n")
        for w in warnings[:5]:
            sys.stdout.write(f"  {w['time']}: {w['a']} ~ {w['b']} {w['correlation']:.2f}\n")
        for note in summary["notes"]:
            sys.stdout.write(f"note: {note}\n")
        for path in summary.get("files", []):
            sys.stdout.write(f"wrote {path}\n")

    emit(summary, as_json=as_json, render=render)


@portfolio_app.command("optimize")
def optimize(
    file: Annotated[Path, typer.Argument(help="Portfolio (or best-config mapping) JSON file.")],
    start: Annotated[str | None, typer.Option("--start", help="First date (inclusive).")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last date (inclusive).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Compute sleeve weights by the portfolio's allocation method (weights only, no backtest of the mix)."""
    from alphalab.data.loader import load_arrays
    from alphalab.portfolio.load import load_portfolio
    from alphalab.portfolio.optimize import optimize_portfolio

    spec = load_portfolio(file)
    symbols = sorted({sym for s in spec.sleeves for sym in s.symbols})
    payload = optimize_portfolio(spec, load_arrays(symbols, spec.sleeves[0].timeframe, start, end))

    def render() -> None:
        from alphalab.cli._common import table

        table(f"{spec.name}: {payload['method']} weights", ["sleeve", "weight"],
              [(k, f"{v:.4f}") for k, v in payload["weights"].items()])
        if payload["fallback_reason"]:
            sys.stdout.write(f"fallback from {payload['requested']}: {payload['fallback_reason']}\n")

    emit(payload, as_json=as_json, render=render)
