"""SDL strategies use the plug-in indicators (garch_vol, frac_diff) without sdl/ importing quant or ml."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import alphalab as al
from alphalab.quant.garch import garch_vol

SDL = Path(al.__file__).parent / "sdl"

DOC = {
    "schema_version": "1.1",
    "id": "calm_garch_long",
    "name": "Long while GARCH volatility is calm",
    "indicators": {
        "gv": {"type": "garch_vol", "params": {"kind": "gjr", "min_obs": 250, "refit_every": 60}},
        "fd": {"type": "frac_diff", "params": {"d": 0.5, "width": 30}},
    },
    "entry": {"long": {"lt": {"left": "gv", "right": 0.0235}}},
    "exit": {"long": {"gt": {"left": "gv", "right": 0.0245}}},
    "sizing": {"type": "fixed_fraction", "fraction": 0.5},
}


def test_sdl_never_imports_quant_or_ml() -> None:
    for path in SDL.rglob("*.py"):
        text = path.read_text()
        assert "alphalab.quant" not in text and "alphalab.ml" not in text, path


@pytest.mark.slow
def test_sdl_strategy_trades_on_garch_vol_at_the_next_open() -> None:
    frame = al.load("sample:AAPL", start="2003-01-01", end="2008-01-01")
    run = al.backtest(DOC, frame)
    trades = run.trades
    assert len(trades) >= 1
    vol = pd.Series(garch_vol(frame["close"].to_numpy(), "gjr", 250, 60), index=frame.index)
    for entry in pd.to_datetime(trades["entry_time"]):
        decided = frame.index[frame.index.get_loc(entry) - 1]  # signal at the close before the fill
        assert vol.loc[decided] < 0.0235
    assert np.isnan(vol.iloc[:250]).all() and pd.Timestamp(trades["entry_time"].min()) > frame.index[250]
