"""``alphalab ml features|train|evaluate|promote`` on bundled data, through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alphalab.cli.main import main
from alphalab.ml import registry


def _json(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    out = capsys.readouterr().out
    return json.loads(out)  # type: ignore[no-any-return]


def test_ml_features_writes_values_and_passes_the_leakage_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "fs.json"
    spec.write_text(json.dumps({"features": [
        {"kind": "indicator", "name": "rsi", "indicator": "rsi"},
        {"kind": "condition", "name": "oversold", "left": "rsi", "op": "<", "right": 30},
    ]}))
    out = tmp_path / "f.csv"
    assert main(["ml", "features", "--symbol", "sample:IBM", "--features", str(spec), "--out", str(out), "--json"]) == 0
    payload = _json(capsys)
    assert payload["features"] == ["rsi", "oversold"] and payload["leaks"] == []
    assert out.read_text().splitlines()[0] == "time,rsi,oversold"


@pytest.mark.slow
def test_ml_train_registers_and_promote_moves_the_alias(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["ml", "train", "--symbol", "sample:MSFT", "--name", "msft", "--model", "logistic", "--folds", "3"]
    assert main([*args, "--promote", "champion", "--json"]) == 0
    first = _json(capsys)
    assert first["version"] == 1 and first["cv"]["folds"] == 3  # type: ignore[index]
    assert main([*args, "--json"]) == 0
    assert _json(capsys)["version"] == 2
    assert registry.resolve("msft", "champion") == 1
    assert main(["ml", "promote", "msft", "2"]) == 0
    assert registry.resolve("msft", "champion") == 2
    capsys.readouterr()
    assert main(["ml", "models", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["versions"] == [1, 2] and listed[0]["aliases"] == {"champion": 2}
    assert main(["ml", "evaluate", "--symbol", "sample:MSFT", "--model", "logistic", "--folds", "3", "--json"]) == 0
    ev = _json(capsys)
    assert {"cv", "walk_forward"} <= set(ev) and "buy_and_hold_return" in ev["walk_forward"]  # type: ignore[operator]


def test_ml_errors_are_one_sentence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"kind": "lag", "name": "x", "of": "nothing"}]))
    assert main(["ml", "features", "--symbol", "sample:IBM", "--features", str(bad)]) == 2
    assert "not defined before it" in capsys.readouterr().err
    assert main(["ml", "promote", "nope", "1"]) != 0
    assert "model 'nope' has no version 1" in capsys.readouterr().err


@pytest.mark.slow
def test_retrain_compares_on_decisions_the_champion_never_saw() -> None:
    from alphalab.ml import commands

    commands.train("sample:IBM", "1d", None, "ibm", "logistic", 3, 5, promote_alias="champion", end="2009-01-01")
    out = commands.retrain("ibm", "sample:IBM", "1d", 3, 5)
    assert out["unseen_decisions"] > 500
    assert out["promoted"] == (out["new_log_loss_unseen"] <= out["previous_log_loss_unseen"])
    assert registry.resolve("ibm", "champion") == (2 if out["promoted"] else 1)
