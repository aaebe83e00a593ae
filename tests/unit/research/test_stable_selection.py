"""The stable-region centre: ties between neighbourhoods go to the better trial, never the worst."""

from __future__ import annotations

import pandas as pd

from alphalab.research.stability import select_stable


def test_all_neighbourhoods_equal_picks_the_best_trial_not_the_first():
    # on a 2x2 grid with radius 1 every neighbourhood is the whole grid: all scores tie
    table = pd.DataFrame({"p_fast": [10, 10, 20, 20], "p_slow": [50, 100, 50, 100],
                          "m_sharpe": [-0.39, 0.16, 0.02, 0.28]})
    assert select_stable(table, ["p_fast", "p_slow"], "m_sharpe") == 3
    assert select_stable(table, ["p_fast", "p_slow"], "m_sharpe", direction="min") == 0


def test_clear_plateau_still_beats_a_lone_peak():
    fast = [f for f in range(1, 6) for _ in range(5)]
    slow = [s for _ in range(1, 6) for s in range(1, 6)]
    value = [0.5] * 25
    value[0] = 2.0  # a lone spike in a corner whose neighbours are poor
    for i in (12, 13, 14, 17, 18, 19, 22, 23, 24):
        value[i] = 1.0  # a 3x3 plateau centred on row 18
    table = pd.DataFrame({"a": fast, "b": slow, "v": value})
    assert select_stable(table, ["a", "b"], "v") == 18
