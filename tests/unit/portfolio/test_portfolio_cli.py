"""``alphalab portfolio backtest`` on the bundled two-sleeve example: summary, exports, accounting."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from alphalab.cli.main import main

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "portfolio_two_sleeves.json"


def test_portfolio_backtest_example_summary_and_exports_agree(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["portfolio", "backtest", str(EXAMPLE), "--out", str(tmp_path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["sleeves"] == ["trend", "revert"]
    assert summary["trades"] > 20
    pnl = sum(v["pnl"] for v in summary["by_sleeve"].values())
    assert pnl == pytest.approx(summary["final_equity"] - summary["capital"], abs=1e-6)
    events = pd.read_csv(tmp_path / "risk_events.csv")
    assert events.groupby("rule").size().to_dict() == summary["risk_events"]
    assert set(events["outcome"]) <= {"resize", "deny", "flatten"}
    trades = pd.read_csv(tmp_path / "trades.csv")
    assert set(trades["sleeve"]) == {"trend", "revert"}
    assert set(trades.loc[trades["sleeve"] == "trend", "symbol"]) <= {"AAPL", "MSFT"}
    equity = pd.read_csv(tmp_path / "equity.csv")
    assert {"equity", "cash", "exposure", "heat", "halted"} <= set(equity.columns)


def test_portfolio_backtest_human_output_lists_risk_events(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["portfolio", "backtest", str(EXAMPLE), "--start", "2005-01-01", "--end", "2008-12-31"]) == 0
    out = capsys.readouterr().out
    assert "by sleeve" in out and "risk events" in out


def test_portfolio_optimize_prints_weights_and_history(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads(EXAMPLE.read_text())
    doc["allocation"] = {"method": "hrp", "rebalance": "yearly", "lookback_bars": 250}
    path = tmp_path / "hrp.json"
    path.write_text(json.dumps(doc))
    assert main(["portfolio", "optimize", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "hrp" and sum(out["weights"].values()) == pytest.approx(1.0)
    assert len(out["history"]) >= 10  # one row per year
    assert out["history"][0]["method"] == "equal"  # no returns before the first bar: the stated fallback
