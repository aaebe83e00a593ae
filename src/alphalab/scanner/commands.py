"""The work behind ``alphalab scan replay | study``; each returns the command's JSON-ready document."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from alphalab.core.errors import ConfigError
from alphalab.scanner.scanner import Event, ScannerConfig, replay
from alphalab.scanner.study import event_study, panel_from_frames


def load_config(path: Path | None, detectors: Sequence[str] = ()) -> ScannerConfig:
    """Read a scanner config (JSON), or the defaults; ``detectors`` keeps only the named ones."""
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"scanner config {path}: {exc}", hint="give a JSON file of the scanner settings") from exc
    try:
        config = ScannerConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        msg = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"scanner config {path}: {field + ': ' if field else ''}{msg}",
                          hint="see ScannerConfig in alphalab.scanner.scanner for the fields") from None
    if detectors:
        from alphalab.scanner.detectors import get

        names = [get(d).name for d in detectors]
        kept = [d for d in config.detectors if d.name in names]
        config = config.model_copy(update={"detectors": kept,
                                           "handlers": [h for h in config.handlers if h.detector in names]})
    return config


def load_frames(symbols: Sequence[str], timeframe: str, start: str | None, end: str | None) -> dict[str, pd.DataFrame]:
    """Load each symbol's bars (anything ``alphalab.data.load_bars`` reads)."""
    from alphalab.data import load_bars

    frames = {s: load_bars(s, timeframe, start, end) for s in symbols}
    empty = [s for s, f in frames.items() if len(f) == 0]
    if empty:
        raise ConfigError(f"no bars for {', '.join(empty)} {timeframe} in the chosen dates", hint="widen --start/--end")
    return frames


def _run(frames: dict[str, pd.DataFrame], config: ScannerConfig) -> tuple[list[Event], Any]:
    symbols, times, panel = panel_from_frames(frames)
    return replay(symbols, times, panel, config), (symbols, times, panel)


def scan_replay(frames: dict[str, pd.DataFrame], config: ScannerConfig, timeframe: str) -> dict[str, Any]:
    """Run the scanner over recorded bars; return the events and their counts by detector."""
    events, (symbols, times, _) = _run(frames, config)
    return {"symbols": symbols, "timeframe": timeframe, "bars": len(times),
            "detectors": [d.name for d in config.detectors], "events": [_public(e) for e in events],
            "counts": dict(sorted(Counter(e.detector for e in events).items()))}


def _public(e: Event) -> dict[str, Any]:
    d = e.to_dict()
    d["time"] = pd.Timestamp(e.time_ns, tz="UTC").isoformat()
    return d


def scan_study(frames: dict[str, pd.DataFrame], config: ScannerConfig, timeframe: str,
               horizons: Sequence[int]) -> dict[str, Any]:
    """Run the scanner over recorded bars and return the event study table as records."""
    events, (symbols, times, panel) = _run(frames, config)
    table = event_study(events, symbols, times, panel["close"], horizons)
    return {"symbols": symbols, "timeframe": timeframe, "bars": len(times), "events": len(events),
            "horizons": [int(h) for h in horizons], "rows": table.to_dict(orient="records")}


def _read_json(path: Path, what: str) -> Any:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{what} {path}: {exc}", hint=f"give the {what} as a JSON object keyed by symbol") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{what} {path}: expected a JSON object keyed by symbol, got {type(data).__name__}")
    return data


def scan_universe(markets_path: Path, tickers_path: Path, config: Any, cap: int) -> dict[str, Any]:
    """Rank the markets by the tickers' quote volume and shard the short list into connections of <= ``cap``."""
    from alphalab.scanner.universe import eligible, rank, shard

    markets, tickers = _read_json(markets_path, "markets"), _read_json(tickers_path, "tickers")
    short = rank(markets, tickers, config)
    conns = shard(short, cap)
    return {"markets": len(markets), "eligible": len(eligible(markets, config)), "symbols": short,
            "cap": cap, "connections": conns, "largest_connection": max((len(c) for c in conns), default=0)}
