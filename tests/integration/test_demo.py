"""`alphalab demo` runs offline on the bundled data and writes a report per run plus an index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alphalab.cli.main import main
from alphalab.demo import DEMO_RUNS


@pytest.mark.slow
def test_demo_runs_every_builtin_run_and_writes_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--out", str(tmp_path), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert len(payload["runs"]) == len(DEMO_RUNS)
    index = Path(payload["index"]).read_text()
    for run in payload["runs"]:
        report = Path(run["report"])
        assert report.is_file() and report.stat().st_size > 100_000  # plotly.js is embedded
        assert "cdn.plot.ly" not in report.read_text()[:5000]
        assert run["trades"] > 0 and run["metrics"]["trades"] == run["trades"]
        assert run["name"] in index
    names = {r["strategy"] for r in payload["runs"]}
    assert names == {r.strategy for r in DEMO_RUNS}
