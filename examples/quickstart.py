"""Quick start: backtest a built-in strategy, read its metrics and trades, write its report.

Run it with ``python examples/quickstart.py`` (offline, on the bundled AAPL data).
"""

from __future__ import annotations

import sys
from pathlib import Path

import alphalab as al


def main(out_dir: Path) -> None:
    # 1. A built-in SDL strategy with one parameter changed, realistic costs, next-open fills.
    r = al.backtest("ema_cross", "sample:AAPL", fast=10, fee_bps=5, slippage_bps=5)
    print(r)
    print(f"sharpe {r.metrics['sharpe']:.3f}, max drawdown {r.metrics['max_drawdown']:.1%}, "
          f"{int(r.metrics['trades'])} trades")

    # 2. pandas objects: the trade log and the equity curve.
    print(r.trades[["entry_time", "side", "entry_price", "exit_price", "pnl", "exit_reason"]].tail(3))
    yearly = r.equity.groupby(r.equity.index.year).last().pct_change().dropna()
    print("yearly returns:", ", ".join(f"{y}: {v:+.0%}" for y, v in yearly.items()))

    # 3. The same strategy on your own DataFrame (here: the bundled bars, reloaded as a plain frame).
    frame = al.load("sample:AAPL")[["open", "high", "low", "close", "volume"]]
    mine = al.backtest("ema_cross", frame, fast=10, fee_bps=5, slippage_bps=5)
    assert mine.equity.to_numpy().tolist() == r.equity.to_numpy().tolist()

    # 4. The interactive HTML report (works offline).
    print("report:", r.report(out_dir / "quickstart_report.html"))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd())
