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
