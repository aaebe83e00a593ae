"""The prefetch intrinsic: a hint that compiles for any array and index tuple and changes no value."""

from __future__ import annotations

import numba as nb
import numpy as np
import pytest

from alphalab.engine._jit import prefetch


@nb.njit(cache=True)
def _sum_with_hints(x: np.ndarray) -> float:
    total = 0.0
    for i in range(x.shape[0]):
        prefetch(x, (min(i + 8, x.shape[0] - 1), 0))
        total += x[i, 0]
    return total


@nb.njit(cache=True)
def _sum_plain(x: np.ndarray) -> float:
    total = 0.0
    for i in range(x.shape[0]):
        total += x[i, 0]
    return total


@nb.njit(cache=True)
def _hint_3d(x: np.ndarray) -> bool:
    prefetch(x, (0, 1, 0))
    return x[0, 1, 0]


def test_prefetch_leaves_results_unchanged() -> None:
    x = np.random.default_rng(5).normal(size=(50, 2))
    assert _sum_with_hints(x) == _sum_plain(x)  # our loop with and without hints: bit for bit
    assert _sum_with_hints(np.arange(100.0).reshape(50, 2)) == 2450.0  # small integers: exact in any order
    assert _hint_3d(np.ones((1, 2, 1), dtype=np.bool_))


def test_prefetch_rejects_a_wrong_index_tuple() -> None:
    @nb.njit
    def bad(x: np.ndarray) -> None:
        prefetch(x, (0,))  # two dimensions, one index

    with pytest.raises(nb.core.errors.TypingError):
        bad(np.zeros((2, 2)))
