"""Fixtures for the indicator tests (helpers live in ``_ind_data``)."""

from __future__ import annotations

import numpy as np
import pytest
from _ind_data import load_aapl


@pytest.fixture(scope="session")
def aapl() -> dict[str, np.ndarray]:
    """AAPL daily bars (real data, several thousand bars)."""
    return load_aapl()
