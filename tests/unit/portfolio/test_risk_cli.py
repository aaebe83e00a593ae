"""``alphalab risk var|stress`` on bundled data: JSON agrees with the library; bad input is one sentence."""

from __future__ import annotations

import json

import pytest

from alphalab.cli.main import main
from alphalab.portfolio import risk
from alphalab.portfolio.risk_inputs import closes, weighted_returns


def test_risk_var_json_matches_the_library(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["risk", "var", "-w", "AAPL=0.7", "-w", "MSFT=0.3", "--level", "0.99", "--method", "historical",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    ret, _ = weighted_returns(closes(["AAPL", "MSFT"]), {"AAPL": 0.7, "MSFT": 0.3})
    assert out["var"]["historical"]["var"] == pytest.approx(risk.historical(ret, 0.99).var, rel=1e-12)
    shares = [v["share"] for v in out["component_var"].values()]
    assert sum(shares) == pytest.approx(1.0)


def test_risk_stress_lists_scenarios_and_the_user_shock(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["risk", "stress", "-s", "SP500", "--shock", "SP500=-0.2", "--json"]) == 0
    rows = {r["scenario"]: r for r in json.loads(capsys.readouterr().out)["scenarios"]}
    assert rows["shock: SP500 -20%"]["portfolio_return"] == pytest.approx(-0.2)
    assert rows["financial crisis 2008-09"]["portfolio_return"] < -0.4


def test_risk_bad_weight_is_one_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["risk", "var", "-w", "AAPL:0.5"]) == 2
    err = capsys.readouterr().err
    assert "cannot read 'AAPL:0.5' as SYMBOL=NUMBER" in err and "Traceback" not in err
