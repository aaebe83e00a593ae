"""``alphalab scan``: run the anomaly scanner over recorded bars (replay) and study what its events are worth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from alphalab.cli._common import JsonOpt, emit, table

scan_app = typer.Typer(name="scan", help="Anomaly scanner: replay detectors over bars, study their events.",
                       no_args_is_help=True)

SymbolsOpt = Annotated[list[str], typer.Option("--symbol", help="Symbol, e.g. sample:AAPL (repeat for more).")]
TfOpt = Annotated[str, typer.Option("--timeframe", "-t", help="Bar length, e.g. 1h or 1d.")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="Scanner settings (JSON); default: every detector.")]
DetOpt = Annotated[list[str] | None, typer.Option("--detector", help="Run only this detector (repeat).")]
StartOpt = Annotated[str | None, typer.Option("--start", help="First date (inclusive).")]
EndOpt = Annotated[str | None, typer.Option("--end", help="Last date.")]


def register(app: typer.Typer) -> None:
    app.add_typer(scan_app, name="scan")


def _inputs(symbols: list[str], timeframe: str, config: Path | None, detectors: list[str] | None,
            start: str | None, end: str | None) -> tuple[Any, Any]:
    from alphalab.cli._validate import check_dates
    from alphalab.scanner.commands import load_config, load_frames

    check_dates(start, end)
    return load_frames(symbols, timeframe, start, end), load_config(config, detectors or [])


@scan_app.command("replay")
def replay_cmd(symbol: SymbolsOpt, timeframe: TfOpt = "1d", config: ConfigOpt = None, detector: DetOpt = None,
               start: StartOpt = None, end: EndOpt = None, as_json: JsonOpt = False) -> None:
    """Run the detectors over recorded bars, batch by batch as the live path does; list the events."""
    from alphalab.scanner.commands import scan_replay

    frames, cfg = _inputs(symbol, timeframe, config, detector, start, end)
    payload = scan_replay(frames, cfg, timeframe)

    def render() -> None:
        table(f"{len(payload['events'])} events over {payload['bars']} bars of {', '.join(payload['symbols'])}",
              ["detector", "events"], list(payload["counts"].items()))
        table("last events", ["time", "symbol", "detector", "direction", "value", "severity", "regime"],
              [(e["time"], e["symbol"], e["detector"], e["direction"], e["value"], e["severity"], e["regime"])
               for e in payload["events"][-20:]])

    emit(payload, as_json=as_json, render=render)


@scan_app.command("study")
def study_cmd(symbol: SymbolsOpt, timeframe: TfOpt = "1d", config: ConfigOpt = None, detector: DetOpt = None,
              horizon: Annotated[list[int] | None, typer.Option("--horizon", help="Bars ahead (repeat).")] = None,
              start: StartOpt = None, end: EndOpt = None, as_json: JsonOpt = False) -> None:
    """Forward returns after each event type, by regime, beside every bar's forward return."""
    from alphalab.scanner.commands import scan_study

    frames, cfg = _inputs(symbol, timeframe, config, detector, start, end)
    payload = scan_study(frames, cfg, timeframe, horizon or [1, 5, 20])

    def render() -> None:
        table(f"event study: {payload['events']} events over {payload['bars']} bars",
              ["detector", "direction", "regime", "horizon", "n", "mean", "median", "hit rate", "t"],
              [(r["detector"], r["direction"], r["regime"], r["horizon"], r["n"], r["mean"], r["median"],
                r["hit_rate"], r["t_stat"]) for r in payload["rows"]])

    emit(payload, as_json=as_json, render=render)


@scan_app.command("universe")
def universe_cmd(
    markets: Annotated[Path, typer.Option("--markets", help="ccxt load_markets() output (JSON).")],
    tickers: Annotated[Path, typer.Option("--tickers", help="ccxt fetch_tickers() output (JSON).")],
    quote: Annotated[list[str] | None, typer.Option("--quote", help="Quote currency (repeat); default USDT.")] = None,
    market_type: Annotated[list[str] | None, typer.Option("--type", help="spot, swap or future (repeat).")] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Symbols kept by 24 h quote volume.")] = 500,
    cap: Annotated[int, typer.Option("--cap", min=1, help="Most subscriptions per connection.")] = 200,
    as_json: JsonOpt = False,
) -> None:
    """Rank a venue's markets by one bulk tickers snapshot and shard the short list into connections."""
    from alphalab.scanner.commands import scan_universe
    from alphalab.scanner.universe import UniverseConfig

    try:
        config = UniverseConfig(quotes=tuple(quote or ["USDT"]), types=tuple(market_type or ["spot", "swap"]), top=top)
    except ValueError as exc:
        from alphalab.core.errors import ConfigError

        raise ConfigError(f"--type: {market_type} is not a list of spot, swap, future",
                          hint="use --type spot, --type swap or --type future") from exc
    payload = scan_universe(markets, tickers, config, cap)

    def render() -> None:
        table(f"{len(payload['symbols'])} of {payload['eligible']} eligible markets ({payload['markets']} listed) "
              f"on {len(payload['connections'])} connections of <= {cap}",
              ["connection", "symbols", "first", "last"],
              [(i, len(c), c[0], c[-1]) for i, c in enumerate(payload["connections"])])

    emit(payload, as_json=as_json, render=render)
