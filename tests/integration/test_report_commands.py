"""`alphalab report RESULT` rebuilds a saved result's report; `alphalab report monthly` writes the monthly set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alphalab.cli.main import main


def test_report_rebuilds_html_and_exports_from_a_saved_result(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            ["backtest", "-S", "ema_cross", "--symbol", "sample:IBM", "--out", str(tmp_path / "bt"), "--json"]
        )
        == 0
    )
    first = json.loads(capsys.readouterr().out)
    assert main(["report", first["result"], "--out", str(tmp_path / "again"), "--json"]) == 0
    rebuilt = json.loads(capsys.readouterr().out)
    assert rebuilt["run_hash"] == first["run_hash"]
    assert Path(rebuilt["report"]).is_file()
    names = {Path(p).name for p in rebuilt["exports"]}
    assert {"metrics.json", "trades.csv", "equity.csv"} <= names
    metrics = json.loads((tmp_path / "again" / "export" / "metrics.json").read_text())["metrics"]
    assert metrics["trades"] == first["metrics"]["trades"]
    assert metrics["sharpe"] == pytest.approx(first["metrics"]["sharpe"], rel=1e-12)


def test_report_of_a_missing_result_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(tmp_path / "nothing")]) != 0
    assert "no saved result" in capsys.readouterr().err


def test_report_monthly_writes_one_report_per_strategy_and_an_index(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "report",
        "monthly",
        "--strategy",
        "ema_cross",
        "--strategy",
        "sma_cross",
        "--symbol",
        "sample:MSFT",
    ]
    assert main([*args, "--out", str(tmp_path), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [r["strategy"] for r in payload["reports"]] == ["ema_cross", "sma_cross"]
    assert all(r["status"] == "ok" and Path(r["path"]).is_file() for r in payload["reports"])
    index = Path(payload["index"]).read_text()
    assert "ema_cross" in index and "sma_cross" in index
    page = Path(payload["reports"][0]["path"]).read_text()
    assert "month" in page.lower()
