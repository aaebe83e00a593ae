"""``alphalab strategies``: list the strategies the registry finds and show one in full."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from alphalab.cli._common import JsonOpt, emit, table, to_json

strategies_app = typer.Typer(help="List and inspect strategies (built-in, user files, plug-ins).",
                             no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(strategies_app, name="strategies")


def _param_text(params: dict[str, dict[str, Any]]) -> str:
    parts = []
    for name, p in params.items():
        rng = f" [{p['min']}..{p['max']}]" if "min" in p and "max" in p else ""
        parts.append(f"{name}={p.get('default')}{rng}")
    return ", ".join(parts)


@strategies_app.command("list")
def list_cmd(as_json: JsonOpt = False) -> None:
    """List every strategy with its id, display name, kind, status, parameters and source."""
    from alphalab.strategies.registry import list_strategies

    infos = list_strategies()
    rows = [i.to_dict() for i in infos]

    def render() -> None:
        table(
            "Strategies",
            ["id", "name", "kind", "status", "parameters", "source"],
            [[i.id, i.name, i.kind, i.status, _param_text(i.parameters), i.source] for i in infos if i.ok],
        )
        for i in infos:
            if not i.ok:
                sys.stderr.write(f"skipped {i.source}: {i.error}\n")

    emit(rows, as_json=as_json, render=render)


@strategies_app.command("show")
def show(
    strategy_id: Annotated[str, typer.Argument(help="Strategy id (or path to an SDL file).")],
    as_json: JsonOpt = False,
) -> None:
    """Show one strategy: its full SDL document, or a Python strategy's declaration."""
    from alphalab.sdl.models import StrategySpec
    from alphalab.strategies.registry import get

    obj = get(strategy_id)
    if isinstance(obj, StrategySpec):
        payload: dict[str, Any] = {"kind": "sdl", "source": obj.source,
                                   "spec": obj.model_dump(mode="json", by_alias=True, exclude_none=True)}
        title = f"{obj.name} ({obj.id}) — {obj.status}"
    else:
        payload = {"kind": "python", "id": obj.strategy_id(), "name": obj.display_name(), "status": obj.status,
                   "description": obj.description, "module": obj.__module__,
                   "parameters": {k: {"type": p.type, "default": p.default, "min": p.min, "max": p.max,
                                      "step": p.step, "choices": p.choices} for k, p in obj.parameters.items()}}
        title = f"{obj.display_name()} ({obj.strategy_id()}) — {obj.status}"

    def render() -> None:
        sys.stdout.write(title + "\n" + to_json(payload) + "\n")

    emit(payload, as_json=as_json, render=render)
