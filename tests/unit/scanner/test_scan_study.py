"""Event study against hand-computed forward returns, and the ``alphalab scan`` commands on bundled data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from alphalab.cli.main import main
from alphalab.scanner.scanner import Event
from alphalab.scanner.study import event_study, panel_from_frames


def test_event_study_matches_hand_computed_forward_returns() -> None:
    close = np.array([[100.0, 50.0], [110.0, 50.0], [99.0, 55.0], [99.0, 44.0]])
    times = np.array([10, 20, 30, 40])
    ev = [Event("A", "breakout", 10, 1, 0.1, 1.0, "bull"), Event("B", "breakout", 20, -1, -0.1, 1.0, "bull"),
          Event("A", "volume_spike", 20, 0, 5.0, 1.0, "")]
    t = event_study(ev, ["A", "B"], times, close, horizons=(1, 2)).set_index(["detector", "direction", "regime", "horizon"])
    # A up at 10: 110/100 - 1; B down at 20: -(55/50 - 1)
    assert t.loc[("breakout", 1, "bull", 1), "mean"] == pytest.approx(0.10)
    assert t.loc[("breakout", -1, "bull", 1), "mean"] == pytest.approx(-0.10)
    assert t.loc[("breakout", -1, "bull", 2), "mean"] == pytest.approx(0.12)  # -(44/50 - 1)
    assert t.loc[("volume_spike", 0, "unknown", 2), "mean"] == pytest.approx(99 / 110 - 1)
    base = [110 / 100 - 1, 99 / 110 - 1, 0.0, 0.0, 55 / 50 - 1, 44 / 55 - 1]
    assert t.loc[("baseline", 0, "all", 1), "mean"] == pytest.approx(np.mean(base))
    assert t.loc[("baseline", 0, "all", 1), "n"] == 6


def test_panel_aligns_calendars_with_nan_for_missing_bars() -> None:
    idx = pd.date_range("2024-01-01", periods=4, freq="D", tz="UTC")
    f = pd.DataFrame({k: np.arange(4.0) + 1 for k in ("open", "high", "low", "close", "volume")}, index=idx)
    symbols, times, panel = panel_from_frames({"A": f, "B": f.drop(idx[1])})
    assert symbols == ["A", "B"] and times.tolist() == idx.as_unit("ns").asi8.tolist()
    assert np.isnan(panel["close"][1, 1]) and panel["close"][2, 1] == 3.0


def test_scan_replay_command_json_lists_keyed_events(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["scan", "replay", "--symbol", "sample:AAPL", "--symbol", "sample:MSFT", "--end", "2006-12-31",
                 "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["symbols"] == ["sample:AAPL", "sample:MSFT"]
    assert sum(out["counts"].values()) == len(out["events"]) > 20
    assert len({e["key"] for e in out["events"]}) == len(out["events"])


def test_scan_study_command_json_and_unknown_detector(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["scan", "study", "--symbol", "sample:AAPL", "--detector", "volume_spike", "--horizon", "5",
                 "--end", "2006-12-31", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and {r["detector"] for r in out["rows"]} <= {"baseline", "volume_spike"}
    assert all(r["horizon"] == 5 for r in out["rows"])
    code = main(["scan", "replay", "--symbol", "sample:AAPL", "--detector", "volume_spik"])
    err = capsys.readouterr().err
    assert code != 0 and "unknown detector 'volume_spik'" in err and "Traceback" not in err
