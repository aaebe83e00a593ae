"""Research pages are readable tables, not a key/value dump of the summary."""

from __future__ import annotations

from pathlib import Path

from alphalab.research.report import write_html


def test_records_become_table_rows_and_fractions_percentages(tmp_path: Path) -> None:
    summary = {
        "efficiency": 0.8123,
        "probability_of_ruin": 0.256,
        "final_equity": {"median": 3.17, "ci_low": 2.5},
        "folds": [{"fold": 0, "status": "ok", "params": {"fast": 5}, "oos_annual_return": 0.1234},
                  {"fold": 1, "status": "ok", "params": {"fast": 10}, "oos_annual_return": -0.05}],
    }
    page = write_html(tmp_path / "r.html", "Walk-forward", summary).read_text()
    assert "<th>fold</th><th>status</th><th>params</th><th>oos_annual_return</th>" in page
    assert "<td>0</td><td>ok</td><td>{&quot;fast&quot;: 5}</td><td>12.34%</td>" in page
    assert "<td>-5.00%</td>" in page and "<td>25.60%</td>" in page
    assert "<h2>final_equity</h2>" in page and "<td>3.17</td>" in page
    assert "folds.0" not in page  # no flattened key dump
