"""``alphalab demo``: the offline tour on the bundled data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from alphalab.cli._common import JsonOpt, emit


def register(app: typer.Typer) -> None:
    app.command("demo", help="Run built-in strategies on the bundled data and write HTML reports (offline).")(
        demo
    )


def demo(
    out: Annotated[Path | None, typer.Option("--out", help="Directory for the reports.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run built-in strategies on the bundled data and write HTML reports (offline)."""
    from alphalab.demo import run_demo

    summary = run_demo(out=out, progress=not as_json)
    emit(summary, as_json=as_json, render=lambda: None)
