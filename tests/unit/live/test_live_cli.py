"""`alphalab paper run` and `alphalab live status|orders|positions|kill|resume` on one ledger."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from alphalab.cli.main import app

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "portfolio_two_sleeves.json"


def _run(*args: str) -> dict:  # type: ignore[type-arg]
    res = CliRunner().invoke(app, list(args))
    assert res.exit_code == 0, res.output
    return json.loads(res.output)  # type: ignore[no-any-return]


def test_paper_run_then_live_commands_report_the_ledger(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'bot.sqlite'}"
    out = _run("paper", "run", str(EXAMPLE), "--until", "2001-06-01", "--db", db, "--json")
    assert out["sleeves"] == 2 and out["rows"] > 250 and out["fills"] > 0
    status = _run("live", "status", "--db", db, "--json")
    assert status["kill_switch"]["active"] is False
    assert {s["id"] for s in status["sleeves"]} == {"trend", "revert"}
    orders = _run("live", "orders", "--db", db, "--json")["orders"]
    assert len(orders) == status["orders"] and all(o["client_id"].startswith("al-") for o in orders)
    pos = _run("live", "positions", "--db", db, "--json")
    sleeve_pos = {k: v for s in status["sleeves"] for k, v in s["positions"].items()}
    assert pos["positions"].keys() == sleeve_pos.keys()
    for k, v in sleeve_pos.items():
        assert abs(pos["positions"][k] - v) < 1e-6 * max(1.0, abs(v))
    assert _run("live", "kill", "--db", db, "--reason", "drill", "--json")["kill_switch"]["active"] is True
    again = _run("paper", "run", str(EXAMPLE), "--until", "2002-01-01", "--db", db, "--json")
    assert again["intents"] == 0 and again["halted_rows"] > 100 and again["warm_rows"] == out["rows"]
    assert _run("live", "resume", "--db", db, "--json")["kill_switch"]["active"] is False
    third = _run("paper", "run", str(EXAMPLE), "--until", "2003-01-01", "--db", db, "--json")
    assert third["intents"] > 0 and third["halted_rows"] == 0


def test_paper_run_strategy_file_needs_symbols(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["paper", "run", "ema_cross", "--db", f"sqlite:///{tmp_path / 'b.sqlite'}"])
    assert res.exit_code != 0
    assert "symbols" in (res.output + str(res.exception))


def test_live_divergence_matches_every_paper_fill_with_the_backtest(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'bot.sqlite'}"
    _run("paper", "run", "ema_cross", "--symbols", "AAPL,MSFT", "--until", "2004-01-01", "--db", db, "--json")
    s = _run("live", "divergence", "--db", db, "--json")["summary"]
    assert s["matched"] > 40 and s["missed"] == 0 and s["extra"] == 0
    assert s["max_price_diff"] < 1e-9 and s["max_quantity_diff"] < 1e-9
    gated = f"sqlite:///{tmp_path / 'gated.sqlite'}"  # the risk gate resizes and denies: the report shows it
    _run("paper", "run", str(EXAMPLE), "--until", "2002-06-01", "--db", gated, "--json")
    g = _run("live", "divergence", "--db", gated, "--json")["summary"]
    assert g["missed"] + g["extra"] > 0 or g["max_quantity_diff"] > 1e-6
