"""The compiled return statistics of evaluate_many against the NumPy definition."""

from __future__ import annotations

import numpy as np
import pytest

from alphalab.research.evaluator import N_BLOCKS, return_statistics
from alphalab.research.series import return_statistics_fast


@pytest.mark.parametrize(("n", "nan_every"), [(100_003, 0), (5_000, 7), (3, 0), (2, 0), (1, 0), (0, 0)])
def test_compiled_return_statistics_match_numpy_definition(n: int, nan_every: int) -> None:
    rng = np.random.default_rng(n)
    r = rng.standard_t(4, n) * 0.01
    if nan_every:
        r[::nan_every] = np.nan
    ref = return_statistics(r, N_BLOCKS)
    got = return_statistics_fast(r, N_BLOCKS)
    assert got.keys() == ref.keys()
    for k, v in ref.items():
        if np.isnan(v):
            assert np.isnan(got[k]), k
        else:
            assert got[k] == pytest.approx(v, rel=1e-12, abs=1e-15), k
