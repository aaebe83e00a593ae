"""The command-line contract: --json prints one document, errors are one sentence plus a hint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from alphalab.cli.main import main

BACKTEST_KEYS = {
    "strategy",
    "name",
    "symbols",
    "timeframe",
    "metrics",
    "trades",
    "report",
    "result",
    "run_hash",
}


def _run(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ALPHALAB_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "alphalab.cli.main", *args], capture_output=True, text=True, env=env
    )


def test_backtest_json_prints_one_document_with_the_documented_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["backtest", "--strategy", "ema_cross", "--symbol", "sample:MSFT", "--out", str(tmp_path), "--json"]
    )
    out = capsys.readouterr().out
    assert code == 0
    payload = json.loads(out)
    assert set(payload) >= BACKTEST_KEYS
    assert payload["name"] == "Trend King" and payload["symbols"] == ["sample:MSFT"]
    assert payload["trades"] > 0 and Path(payload["report"]).is_file() and Path(payload["result"]).exists()
    assert len(payload["run_hash"]) == 64


def test_backtest_is_deterministic_same_run_hash(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hashes = []
    for k in range(2):
        main(
            [
                "backtest",
                "-S",
                "sma_cross",
                "--symbol",
                "sample:IBM",
                "--out",
                str(tmp_path / str(k)),
                "--json",
            ]
        )
        hashes.append(json.loads(capsys.readouterr().out)["run_hash"])
    assert hashes[0] == hashes[1]


def test_param_override_changes_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["backtest", "-S", "sma_cross", "--symbol", "sample:IBM", "--out", str(tmp_path / "a"), "--json"])
    a = json.loads(capsys.readouterr().out)
    main(
        [
            "backtest",
            "-S",
            "sma_cross",
            "--symbol",
            "sample:IBM",
            "--param",
            "fast=5",
            "--out",
            str(tmp_path / "b"),
            "--json",
        ]
    )
    b = json.loads(capsys.readouterr().out)
    assert a["run_hash"] != b["run_hash"] and a["trades"] != b["trades"]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["backtest", "-S", "no_such_strategy", "--symbol", "sample:AAPL"], "no_such_strategy"),
        (["backtest", "-S", "ema_cross", "--symbol", "sample:NOPE"], "NOPE"),
        (["backtest", "-S", "ema_cross", "--symbol", "sample:AAPL", "--param", "fast"], "name=value"),
        (["backtest", "-S", "ema_cross", "--symbol", "sample:AAPL", "--fill", "later"], "later"),
        (["backtest", "-S", "ema_cross", "--symbol", "sample:AAPL", "-t", "7x"], "7x"),
    ],
)
def test_bad_input_gives_one_sentence_and_hint_without_traceback(
    capsys: pytest.CaptureFixture[str], args: list[str], fragment: str
) -> None:
    code = main(args)
    out, err = capsys.readouterr()
    assert code != 0
    assert "Traceback" not in err
    assert err.startswith("error: ") and fragment in err
    assert out == ""


def test_unknown_strategy_in_a_subprocess_has_no_traceback(tmp_path: Path) -> None:
    proc = _run(["backtest", "-S", "no_such_strategy", "--symbol", "sample:AAPL"], tmp_path)
    assert proc.returncode != 0
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr


def test_debug_flag_shows_the_traceback(tmp_path: Path) -> None:
    proc = _run(["--debug", "backtest", "-S", "no_such_strategy", "--symbol", "sample:AAPL"], tmp_path)
    assert proc.returncode != 0 and "Traceback" in proc.stderr


def test_home_option_overrides_environment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "custom-home"
    code = main(["--home", str(home), "backtest", "-S", "sma_cross", "--symbol", "sample:IBM", "--json"])
    assert code == 0
    assert str(home) in json.loads(capsys.readouterr().out)["result"]


def test_every_subcommand_help_answers(tmp_path: Path) -> None:
    from alphalab.cli.main import app

    names = [c.name for c in app.registered_commands] + [g.name for g in app.registered_groups]
    assert {"demo", "data", "backtest", "lookahead", "report", "sdl", "strategies"} <= set(names)
    for name in names:
        assert main([str(name), "--help"]) == 0, name
