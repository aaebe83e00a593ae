"""``alphalab demo``: run several built-in strategies on the bundled real data, offline.

It prints a table of the key metrics, writes one HTML report per run and an index page, and says
where they are. Numba's compile cache makes the second run much faster than the first.
"""

from __future__ import annotations

import html
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alphalab.runs import new_run_dir
from alphalab.workflows import BacktestRequest, run_backtest_request


@dataclass(frozen=True)
class DemoRun:
    """One backtest of the demo."""

    strategy: str
    symbols: tuple[str, ...]
    timeframe: str


DEMO_RUNS: tuple[DemoRun, ...] = (
    DemoRun("ema_cross", ("sample:AAPL",), "1d"),
    DemoRun("mean_reversion_v2", ("sample:MSFT",), "1d"),
    DemoRun("donchian_breakout", ("sample:SP500",), "1d"),
    DemoRun("macd_adx_trend", ("sample:NASDAQ",), "1d"),
    DemoRun("rsi_reversion", ("sample:EURUSD",), "1h"),
    DemoRun("sma_cross_atr", ("sample:AAPL", "sample:MSFT", "sample:IBM", "sample:GOOG"), "1d"),  # last: see _warm_up
)

FEE_BPS = 5.0  # realistic retail costs: 5 bps commission and 5 bps slippage on every fill
SLIPPAGE_BPS = 5.0
COSTS = f"costs: {FEE_BPS:g} bps fees + {SLIPPAGE_BPS:g} bps slippage per fill"

_SHOWN = ("total_return", "cagr", "sharpe", "max_drawdown", "win_rate", "profit_factor", "trades")
_PERCENT = {"total_return", "cagr", "max_drawdown", "win_rate"}
_HEADERS = ("return", "CAGR", "Sharpe", "max DD", "win rate", "PF", "trades")


def _warm_up() -> subprocess.Popen[bytes] | None:
    """Start compiling the shared-cash bar loop (the multi-symbol run's kernel) in a child process.

    One-symbol runs use the one-column loop and the multi-symbol run the shared-cash loop; on a first
    run numba compiles both, and on two cores they compile at the same time. The child runs that
    backtest on a short slice of the same data through the same code path, so numba's on-disk cache
    holds exactly the signature this process asks for when it gets there (it waits for the child
    first). With a warm cache the child only loads compiled code. Any failure of the child only
    costs the time it would have saved.
    """
    try:
        return subprocess.Popen([sys.executable, "-m", "alphalab.demo", "--warm-up"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    except OSError:
        return None


def _wait(child: subprocess.Popen[bytes]) -> None:
    try:
        child.wait(timeout=300)
    except subprocess.TimeoutExpired:
        child.kill()


def _warm_shared_cash_loop() -> None:
    """The child's work: the multi-symbol demo backtest on its first 300 bars."""
    from alphalab.data import load_arrays
    from alphalab.engine import BacktestConfig, run_backtest

    run = next(r for r in DEMO_RUNS if len(r.symbols) > 1)
    bars = load_arrays(list(run.symbols), run.timeframe)
    run_backtest(run.strategy, bars.slice(0, min(bars.n_bars, 300)), BacktestConfig())


def run_demo(out: Path | None = None, *, progress: bool = True) -> dict[str, Any]:
    """Run the demo backtests; return a summary with every run's metrics and report path."""
    target = new_run_dir("demo", "demo", out)
    started = time.perf_counter()
    runs: list[dict[str, Any]] = []
    child = _warm_up()
    for i, run in enumerate(DEMO_RUNS, 1):
        if len(run.symbols) > 1 and child is not None:
            _wait(child)
            child = None
        if progress:
            print(
                f"[{i}/{len(DEMO_RUNS)}] {run.strategy} on {', '.join(run.symbols)} ({run.timeframe}) ...",
                file=sys.stderr,
                flush=True,
            )
        name = f"{run.strategy}-{'_'.join(s.split(':')[-1] for s in run.symbols)}"
        summary = run_backtest_request(
            BacktestRequest(
                strategy=run.strategy, symbols=list(run.symbols), timeframe=run.timeframe, out=target / name,
                fee_bps=FEE_BPS, slippage_bps=SLIPPAGE_BPS,
            )
        )
        runs.append(summary)
    index = _write_index(target, runs)
    result = {
        "out": str(target),
        "index": str(index),
        "seconds": round(time.perf_counter() - started, 2),
        "costs": {"fee_bps": FEE_BPS, "slippage_bps": SLIPPAGE_BPS},
        "runs": runs,
    }
    if progress:
        _print_table(result)
    return result


def _print_table(result: dict[str, Any]) -> None:
    from alphalab.cli._common import table

    rows = [
        [r["name"], ", ".join(s.split(":")[-1] for s in r["symbols"]), r["timeframe"]]
        + [_cell(k, r["metrics"].get(k)) for k in _SHOWN]
        for r in result["runs"]
    ]
    table(
        f"AlphaLab demo: built-in strategies on the bundled data ({COSTS})", ["strategy", "symbols", "tf", *_HEADERS], rows
    )
    print(f"\nReports written to {result['out']}")
    print(f"Open {result['index']} in a browser. ({result['seconds']} s)")


def _cell(key: str, value: Any) -> str:
    if not isinstance(value, (int, float)) or value != value:
        return "-"
    if key == "trades":
        return str(int(value))
    if key in _PERCENT:
        return f"{value:.1%}"
    return f"{value:.2f}"


def _write_index(target: Path, runs: list[dict[str, Any]]) -> Path:
    rows = []
    for r in runs:
        rel = Path(r["report"]).relative_to(target)
        cells = "".join(f"<td>{_cell(k, r['metrics'].get(k))}</td>" for k in _SHOWN)
        rows.append(
            f"<tr><td><a href='{html.escape(str(rel))}'>{html.escape(r['name'])}</a></td>"
            f"<td>{html.escape(', '.join(r['symbols']))}</td><td>{r['timeframe']}</td>{cells}</tr>"
        )
    head = "".join(f"<th>{k}</th>" for k in ("strategy", "symbols", "timeframe", *_HEADERS))
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>AlphaLab demo</title>"
        "<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child{text-align:left}</style>"
        f"</head><body><h1>AlphaLab demo</h1><p>Built-in strategies on the bundled real data; "
        f"{COSTS}.</p>"
        f"<table><tr>{head}</tr>{''.join(rows)}</table></body></html>"
    )
    path = target / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


if __name__ == "__main__" and sys.argv[1:] == ["--warm-up"]:
    _warm_shared_cash_loop()
