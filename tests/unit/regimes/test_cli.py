"""``alphalab regimes fit | label | show``: JSON summaries, stored series, exports and the chart."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alphalab.cli.main import main
from alphalab.data import load_bars
from alphalab.regimes import REGIME_LABELS, RegimeStore, make_config
from alphalab.regimes.chart import REGIME_COLOURS, regime_figure, regime_segments

SYMBOL = "synthetic:regime?n=700&seed=3"
HMM = ["--set", "min_train=300", "--set", "refit_every=200"]


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict | None, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 and "--json" in args else None), err


def _stored(config_options: dict) -> pd.Series:
    cfg = make_config("hmm", **config_options)
    return RegimeStore().read("synthetic", "regime?n=700&seed=3", "1d", cfg)


def test_fit_json_summarises_and_stores_the_series(capsys) -> None:
    code, doc, _ = _run(capsys, "regimes", "fit", "--symbol", SYMBOL, *HMM, "--json")
    assert code == 0 and doc is not None
    labels = _stored({"min_train": 300, "refit_every": 200})
    assert Path(doc["stored"]).exists()
    lab = labels.to_numpy(dtype=object)
    known = lab != ""
    assert doc["bars"] == 700 and doc["labelled"] == known.sum() == 700 - 301
    seq = lab[known]
    assert doc["switches"] == int(np.sum(seq[1:] != seq[:-1]))
    frame = load_bars(SYMBOL)
    rets = np.log(frame["close"]).diff().to_numpy()
    for name, stats in doc["regimes"].items():
        mask = lab == name
        assert stats["bars"] == mask.sum()
        if mask.sum() > 1:
            assert stats["mean_return"] == pytest.approx(np.mean(rets[mask]), rel=1e-9)
            assert stats["volatility"] == pytest.approx(np.std(rets[mask], ddof=1), rel=1e-9)
    assert sum(s["share"] for s in doc["regimes"].values()) == pytest.approx(1.0)
    assert [f["bar"] for f in doc["fits"]] == [301, 501]
    for fit in doc["fits"]:
        assert sorted(s["label"] for s in fit["states"]) == sorted(REGIME_LABELS)
        assert sum(s["share"] for s in fit["states"]) == pytest.approx(1.0)
        vols = {s["label"]: s["volatility"] for s in fit["states"]}
        assert vols["low_vol_chop"] == min(vols.values()) and vols["high_vol_chop"] == max(vols.values())


def test_label_reuses_the_stored_series_and_writes_csv_and_json(capsys, tmp_path, monkeypatch) -> None:
    assert _run(capsys, "regimes", "fit", "--symbol", SYMBOL, *HMM)[0] == 0
    stored = _stored({"min_train": 300, "refit_every": 200})
    monkeypatch.setattr("alphalab.regimes.detection.detect_with", lambda *a: pytest.fail("re-detected"))
    code, doc, _ = _run(capsys, "regimes", "label", "--symbol", SYMBOL, *HMM, "--out", str(tmp_path / "l.csv"),
                        "--json")
    assert code == 0 and doc is not None and doc["cached"] is True
    csv = pd.read_csv(tmp_path / "l.csv", keep_default_na=False)
    assert csv["regime"].tolist() == stored.tolist()
    assert pd.DatetimeIndex(csv["time"]).equals(pd.DatetimeIndex(stored.index))
    assert _run(capsys, "regimes", "label", "--symbol", SYMBOL, *HMM, "--out", str(tmp_path / "l.json"))[0] == 0
    exported = json.loads((tmp_path / "l.json").read_text())
    assert [row["regime"] for row in exported["labels"]] == stored.tolist()
    assert exported["config_hash"] == doc["config_hash"]


def test_rule_label_without_fit_detects_then_caches(capsys, tmp_path) -> None:
    args = ["regimes", "label", "--symbol", SYMBOL, "-m", "rule", "--set", "percentile_window=60",
            "--out", str(tmp_path / "r.csv"), "--json"]
    first, second = _run(capsys, *args)[1], _run(capsys, *args)[1]
    assert first is not None and second is not None
    assert first["cached"] is False and second["cached"] is True
    assert first["regimes"] == second["regimes"] and first["method"] == "rule"


def test_show_writes_self_contained_html_with_probability_pane(capsys, tmp_path) -> None:
    out = tmp_path / "chart.html"
    code, doc, _ = _run(capsys, "regimes", "show", "--symbol", SYMBOL, *HMM, "--out", str(out), "--json")
    assert code == 0 and doc is not None and Path(doc["chart"]) == out
    html = out.read_text()
    assert not re.search(r"<script[^>]+src=", html)  # plotly.js is embedded, never loaded from a CDN
    assert len(html) > 1_000_000 and "Plotly.newPlot" in html
    assert "filtered probability" in html and "P(bull)" in html


def test_chart_shades_one_rectangle_per_labelled_run() -> None:
    index = pd.date_range("2024-01-01", periods=8, freq="D", tz="UTC")
    labels = pd.Series(["", "", "bull", "bull", "bear", "bear", "bear", "bull"], index=index)
    assert regime_segments(labels) == [("bull", 2, 4), ("bear", 4, 7), ("bull", 7, 8)]
    frame = pd.DataFrame({"close": np.arange(8.0) + 1}, index=index)
    fig = regime_figure(frame, labels)
    shapes = fig.layout.shapes
    assert len(shapes) == 3
    def ts(value: object) -> pd.Timestamp:
        t = pd.Timestamp(value)
        return t.tz_convert(None) if t.tzinfo else t

    assert [(ts(s.x0), ts(s.x1)) for s in shapes] == [
        (ts(index[2]), ts(index[4])), (ts(index[4]), ts(index[7])), (ts(index[7]), pd.Timestamp("2024-01-09"))
    ]
    assert shapes[1].fillcolor == REGIME_COLOURS["bear"]
    assert "yaxis2" not in fig.layout.to_plotly_json()  # no probabilities: one pane
    with_proba = regime_figure(frame, labels, proba=pd.DataFrame(0.25, index=index, columns=list(REGIME_LABELS)))
    assert "yaxis2" in with_proba.layout.to_plotly_json() and len(with_proba.data) == 1 + 4 + 4

def test_invalid_setting_and_output_are_one_line_errors_with_hints(capsys, tmp_path) -> None:
    code, _, err = _run(capsys, "regimes", "fit", "--symbol", SYMBOL, "--set", "min_trian=10")
    assert code == 2 and "min_trian" in err and "hint: valid hmm settings" in err and "Traceback" not in err
    code, _, err = _run(capsys, "regimes", "label", "--symbol", SYMBOL, "-m", "rule", "--out", str(tmp_path / "x.txt"))
    assert code == 2 and "hint:" in err and ".csv or .json" in err
    code, _, err = _run(capsys, "regimes", "fit", "--symbol", SYMBOL, "-m", "kmeans")
    assert code == 2 and "unknown regime method" in err and "hint:" in err
