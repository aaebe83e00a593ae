"""Bundled samples pass `check` (API and CLI); the `alphalab data` commands end to end."""

from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pytest
from typer.testing import CliRunner

from alphalab.cli.main import app
from alphalab.data.loader import load_arrays, load_bars
from alphalab.data.samples import SAMPLES_DIR, list_samples, load_sample, sample_info
from alphalab.data.validation import validate

NAMES = [s.name for s in list_samples()]
runner = CliRunner()


def test_the_seven_promised_samples_are_bundled():
    assert NAMES == [
        "sample:AAPL",
        "sample:MSFT",
        "sample:IBM",
        "sample:GOOG",
        "sample:SP500",
        "sample:NASDAQ",
        "sample:EURUSD",
    ]
    assert sample_info("sample:EURUSD").timeframe == "1h"


def test_sources_md_lists_the_sha256_of_every_file():
    text = (SAMPLES_DIR / "SOURCES.md").read_text()
    listed = dict((name, digest) for digest, name in re.findall(r"([0-9a-f]{64})  (\S+\.parquet)", text))
    files = sorted(p.name for p in SAMPLES_DIR.glob("*.parquet"))
    assert sorted(listed) == files
    for name in files:
        assert hashlib.sha256((SAMPLES_DIR / name).read_bytes()).hexdigest() == listed[name]


@pytest.mark.parametrize("name", NAMES)
def test_every_sample_passes_check_through_the_api(name):
    info = sample_info(name)
    report = validate(load_sample(name), info.timeframe, calendar=info.calendar, mode="report")
    assert report.ok, [p.render() for p in report.errors]
    assert report.timeframe == info.timeframe


def test_every_sample_passes_check_through_the_cli():
    for name in NAMES:
        result = runner.invoke(app, ["data", "check", name, "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["ok"] is True


def test_aapl_check_flags_the_real_splits_as_explained_warnings():
    report = validate(load_sample("sample:AAPL"), "1d", calendar="XNYS", mode="report")
    dates = {str(report.frame.index[p.row - 1].date()): p.message for p in report.warnings}
    assert "explained by adj_close" in dates["2000-06-21"] and "explained by adj_close" in dates["2005-02-28"]


def test_load_bars_adjusts_samples_by_default():
    adjusted = load_bars("sample:AAPL")
    raw = load_sample("sample:AAPL")
    np.testing.assert_allclose(adjusted["close"].to_numpy(), raw["adj_close"].to_numpy())
    weekly = load_bars("sample:MSFT", "1w", start="2010-01-01", end="2011-01-01")
    assert len(weekly) == 52 and (weekly.index.day_of_week == 0).all()
    arrays = load_arrays(["sample:AAPL", "sample:GOOG"], "1d")
    assert arrays.close.shape == (3270, 2) and np.isnan(arrays.close[0, 1])


def test_check_on_a_bad_file_exits_1_with_one_line_per_problem(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "Date,Open,High,Low,Close,Volume\n2024-01-02,10,11,9,10.5,100\n2024-01-02,10,11,9,10.5,100\n2024-01-03,10,9,11,10.5,100\n2024-01-04,10,11,9,,100\n2024-01-09,10,11,9,10.5,100\n"
    )
    result = runner.invoke(app, ["data", "check", str(path), "--json"])
    assert result.exit_code == 1
    rows = [e["row"] for e in json.loads(result.stdout)["errors"]]
    assert rows == [2, 3, 4, 5]


def test_import_list_show_resample_delete_round_trip(tmp_path):
    path = tmp_path / "btc.csv"
    minutes = np.arange(240)
    lines = ["timestamp,open,high,low,close,volume"] + [
        f"{1704067200 + 60 * int(m)},{100 + m},{101 + m},{99 + m},{100.5 + m},1" for m in minutes
    ]
    path.write_text("\n".join(lines) + "\n")
    result = runner.invoke(
        app, ["data", "import", str(path), "--symbol", "BTC/USDT", "--source", "kraken", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows_added"] == 240
    listing = json.loads(runner.invoke(app, ["data", "list", "--json"]).stdout)
    assert [(d["source"], d["symbol"], d["timeframe"], d["rows"]) for d in listing] == [
        ("kraken", "BTC/USDT", "1m", 240)
    ]
    shown = json.loads(runner.invoke(app, ["data", "show", "kraken:BTC/USDT", "-t", "1h", "--json"]).stdout)
    assert shown["rows"] == 4 and shown["bars"][0]["open"] == 100.0 and shown["bars"][0]["volume"] == 60.0
    res = runner.invoke(app, ["data", "resample", "kraken:BTC/USDT", "--from", "1m", "--to", "1h", "--json"])
    assert json.loads(res.stdout)["rows_out"] == 4
    assert runner.invoke(app, ["data", "delete", "kraken:BTC/USDT", "--json"]).exit_code == 0
    assert json.loads(runner.invoke(app, ["data", "list", "--json"]).stdout) == []


def test_samples_command_lists_names_as_json():
    out = json.loads(runner.invoke(app, ["data", "samples", "--json"]).stdout)
    assert [s["name"] for s in out] == NAMES
