"""`alphalab backtest --regimes` and `--router`: regimes reach filters, trades, reports and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alphalab.cli.main import main
from alphalab.regimes.config import REGIME_LABELS
from alphalab.regimes.router import load_table

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "routing.json"


def test_example_routing_table_is_valid() -> None:
    table = load_table(EXAMPLE)
    assert set(table.entries) <= set(REGIME_LABELS) and table.on_switch == "close"


def test_backtest_with_regimes_reports_every_metric_by_regime(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "backtest",
        "-S",
        "sma_cross",
        "--symbol",
        "sample:SP500",
        "--regimes",
        "rule",
        "--out",
        str(tmp_path),
        "--json",
    ]
    assert main(args) == 0
    payload = json.loads(capsys.readouterr().out)
    by_regime = payload["by_regime"]
    assert set(REGIME_LABELS) <= set(by_regime)
    assert set(payload["metrics"]) <= set(by_regime["bull"])
    assert sum(v["trades"] for v in by_regime.values()) == payload["trades"]
    trades = Path(payload["result"]) / "trades.parquet"
    if trades.exists():
        import pandas as pd

        assert set(pd.read_parquet(trades)["regime"]) <= {*REGIME_LABELS, ""}


def test_router_backtest_runs_from_a_json_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "backtest",
        "--router",
        str(EXAMPLE),
        "--symbol",
        "sample:SP500",
        "--out",
        str(tmp_path),
        "--json",
    ]
    assert main(args) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["trades"] > 0 and payload["strategy"].startswith("router:")
    assert Path(payload["report"]).is_file()
    assert "by_regime" in payload
