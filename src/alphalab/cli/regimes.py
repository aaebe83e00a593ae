"""``alphalab regimes``: fit a regime detector, label bars, and chart the regimes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from alphalab.cli._common import JsonOpt, emit, table

regimes_app = typer.Typer(
    name="regimes",
    help="Market regimes: fit a causal detector (HMM or rules), label bars, chart them.",
    no_args_is_help=True,
)

SymbolOpt = Annotated[str, typer.Option("--symbol", "-s", help="Symbol, e.g. sample:AAPL or binance:BTC/USDT.")]
TfOpt = Annotated[str, typer.Option("--timeframe", "-t", help="Bar length, e.g. 1h or 1d.")]
MethodOpt = Annotated[str, typer.Option("--method", "-m", help="Detector: hmm (Gaussian HMM) or rule.")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Detector setting KEY=VALUE (repeat). hmm: features=range,return min_train refit_every "
        "train_bars n_starts seed ...; rule: trend=adx|ma_slope adx_threshold vol_split ...",
    ),
]
StartOpt = Annotated[str | None, typer.Option("--start", help="First date (inclusive).")]
EndOpt = Annotated[str | None, typer.Option("--end", help="Last date.")]


def register(app: typer.Typer) -> None:
    app.add_typer(regimes_app, name="regimes")


def _prepare(symbol: str, timeframe: str, method: str, settings: list[str] | None,
             start: str | None, end: str | None) -> tuple[Any, Any]:
    from alphalab.cli._validate import check_dates
    from alphalab.regimes.commands import load_target, parse_settings

    check_dates(start, end)
    config = parse_settings(method, settings or [])
    return load_target(symbol, timeframe, start, end), config


def _render_summary(payload: dict[str, Any]) -> None:
    rows = [(lab, s["bars"], s["share"], s["mean_return"], s["volatility"])
            for lab, s in payload["regimes"].items()]
    table(f"{payload['symbol']} {payload['timeframe']}: {payload['method']} regimes "
          f"({payload['labelled']} of {payload['bars']} bars labelled, {payload['switches']} switches)",
          ["regime", "bars", "share", "mean return", "volatility"], rows)
    fits = payload.get("fits") or []
    if fits:
        last = fits[-1]
        table(f"latest HMM fit at {last['time']} ({len(fits)} fits)",
              ["state", "label", "mean return", "volatility", "share", "expected stay (bars)"],
              [(s["state"], s["label"], s["mean_return"], s["volatility"], s["share"], s["expected_duration"])
               for s in last["states"]])


@regimes_app.command("fit")
def fit(
    symbol: SymbolOpt,
    timeframe: TfOpt = "1d",
    method: MethodOpt = "hmm",
    settings: SetOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fit a detector on a symbol's bars, store the regime series and summarise it."""
    from alphalab.regimes.commands import fit_regimes

    target, config = _prepare(symbol, timeframe, method, settings, start, end)
    payload = fit_regimes(target, config)

    def render() -> None:
        _render_summary(payload)
        typer.echo(f"stored: {payload['stored']}")

    emit(payload, as_json=as_json, render=render)


@regimes_app.command("label")
def label(
    symbol: SymbolOpt,
    out: Annotated[Path, typer.Option("--out", help="Output file: .csv or .json.")],
    timeframe: TfOpt = "1d",
    method: MethodOpt = "hmm",
    settings: SetOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Label a symbol's bars with a detector (cached in the store) and write the labels."""
    from alphalab.regimes.commands import label_regimes

    target, config = _prepare(symbol, timeframe, method, settings, start, end)
    payload = label_regimes(target, config, out)

    def render() -> None:
        _render_summary(payload)
        typer.echo(f"labels: {payload['out']}" + (" (from the store)" if payload["cached"] else ""))

    emit(payload, as_json=as_json, render=render)


@regimes_app.command("show")
def show(
    symbol: SymbolOpt,
    out: Annotated[Path, typer.Option("--out", help="HTML file to write (self-contained).")],
    timeframe: TfOpt = "1d",
    method: MethodOpt = "hmm",
    settings: SetOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write a self-contained HTML chart of the price with shaded regimes (and HMM probabilities)."""
    from alphalab.regimes.commands import show_regimes

    target, config = _prepare(symbol, timeframe, method, settings, start, end)
    payload = show_regimes(target, config, out)
    emit(payload, as_json=as_json, render=lambda: typer.echo(f"chart: {payload['chart']}"))
