"""Research machinery on the real engine: fitness over a universe with broken data, CLI commands."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from alphalab import paths
from alphalab.cli.main import app
from alphalab.data import load_bars
from alphalab.data.catalog import Catalog
from alphalab.research.engine_eval import EngineEvaluator
from alphalab.research.executors import LocalExecutor
from alphalab.research.fitness import fitness_matrix
from alphalab.research.space import SearchSpace, parse_override


def _corrupt_catalog_symbol() -> str:
    cat = Catalog(paths.home())
    cat.write(load_bars("sample:IBM").iloc[:300], "test", "BROKEN", "1d")
    files = list(Path(paths.lake_dir()).rglob("*.parquet"))
    assert files
    for f in files:
        f.write_bytes(b"this is not parquet at all")
    return "test:BROKEN"


def test_fitness_universe_with_corrupt_file_and_missing_symbol_finishes_and_ranks() -> None:
    broken = _corrupt_catalog_symbol()
    space = SearchSpace({"fast": parse_override("fast=10,20"), "slow": parse_override("slow=50")})
    table = fitness_matrix(
        EngineEvaluator(), ["sma_cross"], ["sample:AAPL", "sample:MSFT", broken, "sample:NOPE"], ["1d"],
        {"sma_cross": space}, executor=LocalExecutor(1), timeout=None,
    )
    by = table.set_index("symbol")
    assert by.loc[broken, "status"] == "skipped" and by.loc[broken, "reason"]
    assert by.loc["sample:NOPE", "status"] == "skipped" and "NOPE" in by.loc["sample:NOPE", "reason"]
    ok = table[table["status"] == "ok"]
    assert sorted(ok["symbol"]) == ["sample:AAPL", "sample:MSFT"]
    assert (ok["rank"] == 1).all() and ok["trades"].gt(0).all()


def test_cli_optimize_mapping_and_monthly_report(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "opt"
    res = runner.invoke(app, ["optimize", "sma_cross", "--space", "fast=10,20", "--space", "slow=50,100",
                              "--workers", "1", "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["trials"] == 4 and doc["run"] == str(out)
    page = (out / "report.html").read_text()
    assert '"type":"heatmap"' in page and "Deflated Sharpe Ratio" in page and "stable-region centre" in page
    best = doc["best"]["params"]
    assert f"<td>{best['fast']}</td><td>{best['slow']}</td>" in page  # the best trial's row is on the page
    fit = tmp_path / "fit"
    res = runner.invoke(app, ["fitness", "--strategy", "sma_cross", "-s", "sample:AAPL", "-s", "sample:IBM",
                              "--space", "fast=10,20", "--space", "slow=50", "--workers", "1",
                              "--out", str(fit), "--json"])
    assert res.exit_code == 0, res.output
    mfile = tmp_path / "mapping.json"
    res = runner.invoke(app, ["mapping", "export", str(fit / "fitness.csv"), "--out", str(mfile), "--json"])
    assert res.exit_code == 0, res.output
    assert runner.invoke(app, ["mapping", "validate", str(mfile)]).exit_code == 0
    res = runner.invoke(app, ["mapping", "run", str(mfile), "--out", str(tmp_path / "run"), "--json"])
    assert res.exit_code == 0, res.output
    ran = json.loads(res.stdout)
    mapping = json.loads(mfile.read_text())
    fit_table = pd.read_csv(fit / "fitness.csv").set_index("symbol")
    for entry, row in zip(mapping["entries"], ran["entries"], strict=True):
        assert row["sharpe"] == fit_table.loc[entry["asset"], "sharpe"]  # exactly the same configuration
    from alphalab.research.monthly import monthly_report

    rep = monthly_report(mfile, tmp_path / "monthly")
    assert all(r["status"] == "ok" for r in rep["reports"])
    page = Path(rep["reports"][0]["path"]).read_text()
    assert "Month by month" in page
    assert "Win rate" in Path(rep["index"]).read_text()
