"""``alphalab ml``: features with a leakage check, purged-CV evaluation, training into the model registry."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from alphalab.cli._common import JsonOpt, emit, table

ml_app = typer.Typer(
    name="ml",
    help="Machine learning without leakage: features, purged cross-validation, model registry.",
    no_args_is_help=True,
)

SymbolOpt = Annotated[str, typer.Option("--symbol", help="Symbol, e.g. sample:AAPL.")]
TfOpt = Annotated[str, typer.Option("--timeframe", "-t", help="Bar length, e.g. 1h or 1d.")]
FeatOpt = Annotated[
    Path | None, typer.Option("--features", help="Feature set JSON ({'features': [...]}); default: a built-in set.")
]
ModelOpt = Annotated[str, typer.Option("--model", "-m", help="lightgbm or logistic.")]
FoldsOpt = Annotated[int, typer.Option("--folds", min=2, max=50, help="Purged k-fold splits.")]
EmbargoOpt = Annotated[int, typer.Option("--embargo", min=0, help="Embargo after each test fold, in bars.")]
HorizonOpt = Annotated[int, typer.Option("--horizon", min=1, help="Label: return from the next open over N bars.")]


def register(app: typer.Typer) -> None:
    app.add_typer(ml_app, name="ml")


def _scores(title: str, cv: dict[str, Any]) -> None:
    table(title, ["", "accuracy", "log loss", "AUC"], [
        (cv["model"], cv["accuracy"], cv["log_loss"], cv["auc"]),
        ("naive baseline", cv["baseline_accuracy"], cv["baseline_log_loss"], cv["baseline_auc"]),
    ])
    typer.echo(f"beats the naive baseline (log loss): {'yes' if cv['beats_baseline'] else 'no'}")


@ml_app.command("features")
def features(
    symbol: SymbolOpt, timeframe: TfOpt = "1d", feature_file: FeatOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the features (.csv or .parquet).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Compute a feature set over a symbol's bars and check that no feature uses the future."""
    from alphalab.ml.commands import features as run

    payload = run(symbol, timeframe, feature_file, out)

    def render() -> None:
        table(f"{symbol} {timeframe}: {len(payload['features'])} features at {payload['time']}",
              ["feature", "value"], list(payload["last"].items()))
        leaks = payload["leaks"]
        typer.echo("leakage check: " + ("no feature uses the future" if not leaks else
                   "LEAK in " + ", ".join(x["feature"] for x in leaks)))

    emit(payload, as_json=as_json, render=render)


@ml_app.command("evaluate")
def evaluate(
    symbol: SymbolOpt, timeframe: TfOpt = "1d", feature_file: FeatOpt = None, model: ModelOpt = "lightgbm",
    folds: FoldsOpt = 5, embargo: EmbargoOpt = 5, horizon: HorizonOpt = 1, as_json: JsonOpt = False,
) -> None:
    """Score a model by purged k-fold CV and walk-forward, next to a naive baseline and buy-and-hold."""
    from alphalab.ml.commands import evaluate as run

    payload = run(symbol, timeframe, feature_file, model, folds, embargo, horizon)

    def render() -> None:
        _scores(f"{symbol}: purged {folds}-fold CV (embargo {embargo} bars)", payload["cv"])
        wf = payload["walk_forward"]
        table("walk-forward (long when p > 0.5, enter at the next open)", ["", "value"], list(wf.items()))

    emit(payload, as_json=as_json, render=render)


@ml_app.command("train")
def train(
    symbol: SymbolOpt,
    name: Annotated[str, typer.Option("--name", help="Registered model name.")],
    timeframe: TfOpt = "1d", feature_file: FeatOpt = None, model: ModelOpt = "lightgbm",
    folds: FoldsOpt = 5, embargo: EmbargoOpt = 5, horizon: HorizonOpt = 1,
    promote: Annotated[str | None, typer.Option("--promote", help="Alias to give the new version.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Cross-validate, fit on the whole history and register a new model version with its card."""
    from alphalab.ml.commands import train as run

    payload = run(symbol, timeframe, feature_file, name, model, folds, embargo, horizon, promote)

    def render() -> None:
        _scores(f"{symbol}: purged {folds}-fold CV", payload["cv"])
        alias = f" ({payload['alias']})" if payload["alias"] else ""
        typer.echo(f"registered {payload['name']} version {payload['version']}{alias}")

    emit(payload, as_json=as_json, render=render)


@ml_app.command("promote")
def promote(
    name: Annotated[str, typer.Argument(help="Registered model name.")],
    version: Annotated[int, typer.Argument(help="Version to promote.")],
    alias: Annotated[str, typer.Option("--alias", help="Alias, e.g. champion.")] = "champion",
    as_json: JsonOpt = False,
) -> None:
    """Point an alias (default champion) at a model version."""
    from alphalab.ml.commands import promote as run

    payload = run(name, version, alias)
    emit(payload, as_json=as_json, render=lambda: typer.echo(f"{name}: {alias} -> version {version}"))


@ml_app.command("models")
def models(as_json: JsonOpt = False) -> None:
    """List registered models with their versions, aliases and latest CV scores."""
    from alphalab.ml.registry import list_models

    rows = list_models()
    emit(rows, as_json=as_json, render=lambda: table("registered models", ["name", "kind", "versions", "aliases", "AUC"], [
        (r["name"], r["kind"], ",".join(map(str, r["versions"])),
         ", ".join(f"{k}->{v}" for k, v in r["aliases"].items()), r["cv"].get("auc")) for r in rows
    ]))


@ml_app.command("retrain")
def retrain(
    name: Annotated[str, typer.Option("--name", help="Registered model name.")],
    symbol: SymbolOpt, timeframe: TfOpt = "1d", folds: FoldsOpt = 5, embargo: EmbargoOpt = 5,
    alias: Annotated[str, typer.Option("--alias", help="Alias to retrain and move when better.")] = "champion",
    as_json: JsonOpt = False,
) -> None:
    """Retrain the aliased model on fresh data; move the alias only if the new version scores better."""
    from alphalab.ml.commands import retrain as run

    payload = run(name, symbol, timeframe, folds, embargo, alias)

    def render() -> None:
        if payload["previous_log_loss_unseen"] is None:
            verdict = "no unseen decisions to compare"
        else:
            verdict = (f"log loss on {payload['unseen_decisions']} unseen decisions: new "
                       f"{payload['new_log_loss_unseen']:.4f} vs previous {payload['previous_log_loss_unseen']:.4f}")
        moved = f"{alias} -> {payload['version']}" if payload["promoted"] else f"{alias} stays on {payload['previous']}"
        typer.echo(f"{name}: registered version {payload['version']}; {verdict}; {moved}")

    emit(payload, as_json=as_json, render=render)
