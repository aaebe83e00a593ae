"""The CLI's shared shape: strategy naming, run folders and `latest`, failures, tables, aliases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from alphalab import paths
from alphalab.cli._common import fmt_metric, plain_table, strategy_of
from alphalab.cli.main import app
from alphalab.core.errors import ConfigError, NotFoundError


@pytest.fixture
def home(tmp_path: Path):
    old = paths.home()
    paths.set_home(tmp_path)
    yield tmp_path
    paths.set_home(old)


def test_strategy_positional_and_option_are_the_same_and_conflicts_raise() -> None:
    assert strategy_of("ema_cross", None) == strategy_of(None, "ema_cross") == "ema_cross"
    with pytest.raises(ConfigError, match="two strategies"):
        strategy_of("ema_cross", "sma_cross")
    with pytest.raises(ConfigError, match="no strategy"):
        strategy_of(None, None)
    assert strategy_of(None, None, required=False) is None


def test_run_folders_never_collide_and_latest_points_at_the_newest(home: Path) -> None:
    from alphalab.runs import new_run_dir, resolve

    a = new_run_dir("optimize", "ema_cross")
    b = new_run_dir("optimize", "ema_cross")
    assert a != b and a.is_dir() and b.is_dir() and a.parent == b.parent == home / "results" / "optimize"
    assert resolve("latest", "optimize") == b
    c = new_run_dir("fitness", "x")
    assert resolve("latest", "optimize") == b and resolve("latest", "fitness") == c
    assert resolve("latest") == c and resolve("some/dir") == Path("some/dir")
    with pytest.raises(NotFoundError, match="no montecarlo run"):
        resolve("latest", "montecarlo")


def test_percentages_counts_and_plain_tables_for_people() -> None:
    assert fmt_metric("max_drawdown", 0.2534) == "25.34%"
    assert fmt_metric("trades", 37.0) == "37"
    assert fmt_metric("sharpe", 1.23456) == "1.2346"
    assert fmt_metric("win_rate", float("nan")) == "-"
    text = plain_table("t", ["name", "value"], [["a_very_long_strategy_name", "1.5"], ["b", "10.25"]])
    lines = text.splitlines()
    assert lines[0] == "t" and "a_very_long_strategy_name" in text  # nothing truncated
    assert lines[3].endswith("  1.5") and lines[4].endswith("10.25")  # numbers right-aligned


def test_backtest_table_is_plain_text_with_percentages_when_piped(home: Path) -> None:
    res = CliRunner().invoke(app, ["backtest", "ema_cross", "-s", "sample:IBM", "--out", str(home / "bt")])
    assert res.exit_code == 0, res.output
    assert "┃" not in res.stdout and "…" not in res.stdout
    row = next(line for line in res.stdout.splitlines() if line.startswith("max_drawdown"))
    assert row.rstrip().endswith("%")
    trades = next(line for line in res.stdout.splitlines() if line.startswith("trades ")).split()[-1]
    assert trades.isdigit()


def test_report_latest_rebuilds_the_newest_backtest(home: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["backtest", "-S", "sma_cross", "-s", "sample:IBM", "--json"])
    assert res.exit_code == 0, res.output
    first = json.loads(res.stdout)
    res = runner.invoke(app, ["report", "latest", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["run_hash"] == first["run_hash"]


def test_mapping_run_where_every_entry_fails_exits_non_zero_with_reasons(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from alphalab.research.mapping import BestConfigMapping

    doc = json.loads((Path(__file__).parent / "mapping_one_entry.json").read_text())
    doc["entries"][0]["asset"] = "sample:NOPE"
    bad = tmp_path / "bad.json"
    BestConfigMapping.model_validate(doc).save(bad)
    from alphalab.cli.main import main

    code = main(["mapping", "run", str(bad), "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code != 0 and "every one of the 1 mapping entries failed" in err and "NOPE" in err
    assert (tmp_path / "r" / "mapping_run.csv").is_file()  # the table of reasons is still written


def test_mapping_router_without_a_detector_labels_with_the_rule_detector(home: Path, tmp_path: Path) -> None:
    src = Path(__file__).parent / "mapping_one_entry.json"
    res = CliRunner().invoke(app, ["mapping", "run", str(src), "--router", "--out", str(tmp_path / "r"), "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)["entries"]
    assert [r["status"] for r in rows] == ["ok"] and rows[0]["trades"] > 0


def test_mapping_validate_says_which_fields_nothing_reads_yet(tmp_path: Path) -> None:
    src = Path(__file__).parent / "mapping_one_entry.json"
    res = CliRunner().invoke(app, ["mapping", "validate", str(src)])
    assert res.exit_code == 0 and "risk_model" in res.stdout and "data_range" in res.stdout
    assert "not read" in res.stdout


def test_resample_infers_the_stored_timeframe(home: Path, tmp_path: Path) -> None:
    from alphalab.data.samples import load_sample

    frame = load_sample("sample:AAPL").iloc[:400]
    csv = tmp_path / "prices.csv"
    frame.rename_axis("time").to_csv(csv)
    runner = CliRunner()
    res = runner.invoke(app, ["data", "import", str(csv), "--symbol", "AAPL", "--timeframe", "1d", "--repair"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["data", "resample", "local:AAPL", "--to", "1w", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["from"] == "1d" and doc["rows_in"] == 400 and 75 <= doc["rows_out"] <= 90


def test_repair_keeps_a_missing_day_as_a_gap_instead_of_refusing_it(tmp_path: Path) -> None:
    from alphalab.core.errors import DataError
    from alphalab.data.samples import load_sample
    from alphalab.data.validation import validate

    frame = load_sample("sample:AAPL").iloc[:100].drop(index=load_sample("sample:AAPL").index[50])
    with pytest.raises(DataError, match="gap") as refused:
        validate(frame, "1d", calendar="XNYS", mode="strict")
    assert "keep gaps" in (refused.value.hint or "")  # the hint names what --repair does
    report = validate(frame, "1d", calendar="XNYS", mode="repair")
    assert report.ok and report.frame is not None and len(report.frame) == 99
    assert any("gap" in w.render() for w in report.warnings) and any("gap" in r for r in report.repairs)


def test_live_settings_accept_the_spellings_users_have() -> None:
    from alphalab.sdl.models import LiveSettings

    s = LiveSettings.model_validate({"order_type": "post-only", "hellmoon_compatible": False})
    assert s.order_type == "post_only" and s.scanner_compatible is False


def test_fitness_where_every_cell_is_skipped_exits_non_zero(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from alphalab.cli.main import main

    code = main(["fitness", "sma_cross", "-s", "sample:NOPE", "--space", "fast=10",
                 "--space", "slow=50", "--workers", "1", "--out", str(tmp_path / "f")])
    err = capsys.readouterr().err
    assert code != 0 and "fitness cells failed" in err and "NOPE" in err




def test_ray_without_a_cluster_is_one_clear_sentence(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import alphalab.research.executors as executors
    from alphalab.cli.main import main

    def no_cluster(*args: object, **kwargs: object) -> None:
        raise ConnectionError("Could not find any running Ray instance")

    monkeypatch.setattr(executors, "make_executor", no_cluster)
    code = main(["optimize", "ema_cross", "--space", "fast=10", "--space", "slow=50",
                 "--executor", "ray", "--address", "auto"])
    err = capsys.readouterr().err
    assert code == 2 and "unexpected" not in err
    assert err.startswith("error: cannot start or reach a Ray cluster at --address auto")
    assert "hint:" in err and "ray start --head" in err


def test_walkforward_defaults_are_sized_to_finish_and_show_a_fold_counter(home: Path) -> None:
    import inspect

    from alphalab.cli import research
    from alphalab.data import load_arrays
    from alphalab.engine.backtest import resolve_spec
    from alphalab.research.space import space_from_spec
    from alphalab.research.walkforward import split

    defaults = {k: v.default for k, v in inspect.signature(research.walkforward).parameters.items()}
    n = load_arrays(["sample:AAPL"], "1d").n_bars
    folds = list(split(n, train=defaults["train"], test=defaults["test"], step=None, mode="rolling"))
    grid = space_from_spec(resolve_spec("ema_cross", None)).coarsened(research.FOLD_TRIALS).grid_size()
    assert len(folds) * grid <= 1000  # was 22 folds x 4,560 trials

    res = CliRunner().invoke(app, ["walkforward", "-S", "sma_cross", "--space", "fast=10,20", "--space", "slow=50",
                                   "--train", "1000", "--test", "1000", "--workers", "1"])
    assert res.exit_code == 0, res.output
    assert "walk-forward fold 1/2" in res.stderr and "walk-forward fold 2/2, about" in res.stderr
