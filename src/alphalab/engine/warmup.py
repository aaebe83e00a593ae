"""Compile (or load from numba's cache) the fast path's kernels on tiny inputs.

The first run on a new machine spends most of its time compiling. ``alphalab demo`` starts this in
a second process so the engine compiles on one core while the indicators and signal kernels compile
on the other; numba's on-disk cache then hands the compiled engine to the main process.
"""

from __future__ import annotations

import numpy as np


def warm() -> None:
    """Run the fast path once with and once without an ATR array (the two kernel variants)."""
    from alphalab.engine.simulate import simulate

    n, a = 8, 1
    price = np.linspace(100.0, 107.0, n).reshape(n, a)
    volume = np.full((n, a), 1e6)
    entry = np.zeros((n, a), dtype=np.bool_)
    entry[1, 0] = True
    exit_ = np.zeros((n, a), dtype=np.bool_)
    exit_[5, 0] = True
    no = np.zeros((n, a), dtype=np.bool_)
    for atr in (None, np.full((n, a), 1.0)):
        simulate(price, price + 1.0, price - 1.0, price, volume, entry, exit_, no, no, atr=atr)


if __name__ == "__main__":  # pragma: no cover - run as a child process by the demo
    warm()
