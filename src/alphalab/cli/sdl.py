"""``alphalab sdl``: the Strategy Definition Language's schema and a validator for strategy files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from alphalab.cli._common import JsonOpt, emit, to_json

sdl_app = typer.Typer(help="Strategy Definition Language: print the JSON Schema, validate strategy files.",
                      no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(sdl_app, name="sdl")


@sdl_app.command("schema")
def schema(
    out: Annotated[Path | None, typer.Option("--out", help="Write the schema to this file instead of stdout.")] = None,
) -> None:
    """Print the JSON Schema of SDL documents (generated from the models)."""
    from alphalab.sdl.schema import json_schema

    text = to_json(json_schema())
    if out is None:
        sys.stdout.write(text + "\n")
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")
        sys.stderr.write(f"wrote {out}\n")


def validate_file(path: Path) -> dict[str, Any]:
    """Validate one strategy file; return ``{file, valid, id, name, problems}``."""
    from alphalab.core.errors import AlphaLabError, ValidationError
    from alphalab.sdl.loader import load

    row: dict[str, Any] = {"file": str(path), "valid": False, "id": None, "name": None, "problems": []}
    try:
        spec = load(path)
    except ValidationError as exc:
        row["problems"] = [
            {"where": p.where, "message": p.message, "hint": p.hint, "value": _jsonable(p.value)}
            for p in exc.problems
        ] or [{"where": "", "message": exc.message, "hint": exc.hint, "value": None}]
        return row
    except AlphaLabError as exc:
        row["problems"] = [{"where": "", "message": exc.message, "hint": exc.hint, "value": None}]
        return row
    row.update(valid=True, id=spec.id, name=spec.name)
    return row


def _jsonable(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | type(None) | list | dict) else repr(value)


@sdl_app.command("validate")
def validate(
    files: Annotated[list[Path], typer.Argument(help="SDL JSON files to check.")],
    as_json: JsonOpt = False,
) -> None:
    """Check strategy files; print every problem of every file; exit 1 when any is invalid."""
    rows = [validate_file(f) for f in files]
    ok = all(r["valid"] for r in rows)

    def render() -> None:
        for r in rows:
            if r["valid"]:
                sys.stdout.write(f"{r['file']}: ok ({r['id']}: {r['name']})\n")
                continue
            n = len(r["problems"])
            sys.stdout.write(f"{r['file']}: {n} problem{'s' if n != 1 else ''}\n")
            for p in r["problems"]:
                line = f"{p['where']}: {p['message']}" if p["where"] else p["message"]
                hint = f" ({p['hint']})" if p["hint"] else ""
                sys.stdout.write(f"  - {line}{hint}\n")

    emit({"valid": ok, "files": rows}, as_json=as_json, render=render)
    if not ok:
        raise typer.Exit(code=1)
