"""User tasks as plain functions: what the CLI commands do, callable from Python or a notebook.

Each function parses user-level inputs (symbols, parameter strings, paths), calls the domain
packages and returns a JSON-ready summary. The CLI only parses arguments and prints these.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alphalab.core.errors import ConfigError
from alphalab.runs import new_run_dir, resolve


@dataclass
class BacktestRequest:
    """Everything ``alphalab backtest`` accepts."""

    strategy: str | None
    symbols: list[str]
    timeframe: str = "1d"
    start: str | None = None
    end: str | None = None
    params: list[str] = field(default_factory=list)
    capital: float = 100_000.0
    fee_bps: float | None = None
    slippage_bps: float | None = None
    fill: str = "next_open"
    router: Path | None = None
    regimes: str | None = None
    out: Path | None = None


def parse_param_overrides(items: list[str]) -> dict[str, Any]:
    """Parse ``name=value`` strings; values are read as JSON when they can be (numbers, true/false)."""
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise ConfigError(f"--param {item!r} is not of the form name=value", hint="e.g. --param fast=10")
        name, raw = item.split("=", 1)
        name = name.strip()
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ConfigError(f"--param {item!r}: {name!r} is not a parameter name")
        try:
            out[name] = json.loads(raw)
        except json.JSONDecodeError:
            out[name] = raw
    return out


def run_backtest_request(req: BacktestRequest) -> dict[str, Any]:
    """Run one backtest as ``alphalab backtest`` does; return the JSON summary.

    The summary has the keys ``strategy, name, symbols, timeframe, metrics, trades, report,
    result, run_hash`` (and ``fill``).
    """
    from alphalab.analytics import compute_metrics, write_report
    from alphalab.core.enums import FillTiming
    from alphalab.data import load_arrays
    from alphalab.engine import BacktestConfig

    if req.fill not in {f.value for f in FillTiming}:
        raise ConfigError(f"--fill {req.fill!r} is not known", hint="use next_open or close")
    bars = load_arrays(req.symbols, req.timeframe, start=req.start, end=req.end)
    config = BacktestConfig(
        capital=req.capital,
        fee_bps=req.fee_bps,
        slippage_bps=req.slippage_bps,
        fill=FillTiming(req.fill),
    )
    params = parse_param_overrides(req.params)
    regimes = _regimes_for(req, bars)
    if req.router is not None:
        from alphalab.regimes.router import run_router_backtest

        result = run_router_backtest(req.router, bars, config, regimes=regimes)
    else:
        if not req.strategy:
            raise ConfigError("no strategy given", hint="pass --strategy ID or --router FILE")
        from alphalab.api import run
        from alphalab.strategies.loading import load_strategy

        # the one dispatch the notebook API uses too: SDL -> run_backtest, Python -> run_strategy
        result, _ = run(load_strategy(req.strategy), bars, config, params, regimes)
    metrics = compute_metrics(result)
    run_dir = new_run_dir("backtest", f"{result.strategy_id}-{'_'.join(req.symbols)}-{req.timeframe}", req.out)
    result_path = result.save(run_dir / "result")
    report_path = write_report(result, run_dir / "report.html", metrics=metrics, regimes=regimes)
    extra: dict[str, Any] = {}
    if regimes:
        from alphalab.regimes.breakdown import regimes_summary

        extra["by_regime"] = regimes_summary(result, regimes)
    return {
        "strategy": result.strategy_id,
        "name": result.strategy_name,
        "symbols": list(result.symbols),
        "timeframe": str(result.timeframe),
        "metrics": metrics,
        "trades": len(result.trades),
        "report": str(report_path),
        "result": str(result_path),
        "run_hash": result.run_hash,
        "fill": str(getattr(result.fill_timing, "value", result.fill_timing)),
        **extra,
    }


def _regimes_for(req: BacktestRequest, bars: Any) -> dict[str, Any] | None:
    """Label every symbol's bars with the requested detector, or the routing table's detector."""
    method = req.regimes
    detector = None
    if req.router is not None and method is None:
        from alphalab.regimes.router import load_table

        detector = load_table(req.router).detector
        if detector is None:
            return None
    elif method is None:
        return None
    from alphalab.regimes.detection import detect, detect_with

    if detector is not None:
        return {s: detect_with(bars.frame(s), detector) for s in bars.symbols}
    if method not in {"hmm", "rule"}:
        raise ConfigError(f"--regimes {method!r} is not a detector", hint="use hmm or rule")
    return {s: detect(bars.frame(s), method) for s in bars.symbols}


def rebuild_report(result_dir: Path | str, out: Path | None = None) -> dict[str, Any]:
    """Rebuild the HTML report and exports of a saved result directory."""
    from alphalab.analytics import compute_metrics, export, write_report
    from alphalab.core.errors import NotFoundError
    from alphalab.engine.result import BacktestResult

    result_dir = resolve(result_dir, "backtest")
    if (result_dir / "result").is_dir():  # a run folder: its saved result is inside
        result_dir = result_dir / "result"
    if not result_dir.exists():
        raise NotFoundError(
            f"no saved result at {result_dir}", hint="pass the 'result' path printed by backtest"
        )
    result = BacktestResult.load(result_dir)
    target = out or result_dir.parent
    target.mkdir(parents=True, exist_ok=True)
    metrics = compute_metrics(result)
    report = write_report(result, target / "report.html", metrics=metrics)
    exported = export(result, target / "export")
    return {"report": str(report), "exports": [str(p) for p in exported], "run_hash": result.run_hash}


def monthly_reports(
    *, mapping: Path | None, strategies: list[str], symbols: list[str], timeframe: str, out: Path | None
) -> dict[str, Any]:
    """Refresh each chosen strategy's backtest and write the monthly reports plus an index page."""
    from alphalab.research import monthly_report

    target = new_run_dir("monthly", "monthly", out)
    if mapping is not None:
        return dict(monthly_report(mapping, target))
    if not strategies or not symbols:
        raise ConfigError("nothing to report on", hint="pass --mapping FILE, or --strategy and --symbol")
    return dict(monthly_report(list(strategies), target, symbols=tuple(symbols), timeframe=timeframe))
