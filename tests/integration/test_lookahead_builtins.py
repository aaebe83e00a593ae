"""`alphalab lookahead` on every built-in strategy: no decision may change when the future is cut off."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from typer.testing import CliRunner

import alphalab.sdl as sdl
from alphalab.cli.main import app
from alphalab.data import load_arrays
from alphalab.engine.lookahead import check_lookahead, cut_points
from alphalab.strategies.registry import get, list_strategies


def _builtin_ids() -> list[str]:
    return sorted(i.id for i in list_strategies() if i.kind == "sdl" and i.source.startswith("builtin:"))


def test_every_builtin_is_checked() -> None:
    assert len(_builtin_ids()) >= 10


@pytest.mark.slow
@pytest.mark.parametrize("strategy_id", _builtin_ids())
def test_builtin_strategy_has_no_lookahead(strategy_id: str) -> None:
    symbol, tf = ("sample:EURUSD", "1h") if strategy_id == "mtf_trend" else ("sample:AAPL", "1d")
    report = check_lookahead(strategy_id, load_arrays([symbol], tf), n_cuts=6)
    assert report.cuts_checked == 6
    assert report.ok, report.to_dict()["differences"][:5]


def test_checker_flags_a_plan_that_peeks_at_the_next_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = get("sma_cross")
    honest = sdl.compile(spec)

    class Peeking:
        """A deliberately broken plan: tomorrow's close decides today's entry."""

        def signals(self, bars, regimes=None):  # type: ignore[no-untyped-def]
            s = honest.signals(bars)
            c = bars.close[:, 0]
            peek = np.zeros_like(s.entry_long)
            peek[:-1, 0] = c[1:] > c[:-1] * 1.01
            return dataclasses.replace(s, entry_long=peek)

    monkeypatch.setattr(sdl, "compile", lambda _spec: Peeking())
    report = check_lookahead(spec, load_arrays(["sample:AAPL"], "1d").slice(0, 800), n_cuts=5)
    assert not report.ok
    assert any(d.what == "entry_long signal" for d in report.differences)


def test_lookahead_command_reports_json_and_exit_zero_for_clean_strategy() -> None:
    res = CliRunner().invoke(
        app, ["lookahead", "--strategy", "ema_cross", "--symbol", "sample:IBM", "--cuts", "4", "--json"]
    )
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert payload["ok"] is True and payload["cuts_checked"] == 4


def test_cut_points_are_distinct_and_inside_the_data() -> None:
    cuts = cut_points(1000, 10)
    assert len(cuts) == 10 and cuts == sorted(set(cuts))
    assert cuts[0] >= 250 and cuts[-1] == 999
