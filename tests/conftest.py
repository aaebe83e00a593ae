"""Shared pytest configuration: an isolated AlphaLab home for every test session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from alphalab import paths


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Point ALPHALAB_HOME at a fresh directory so tests never touch the user's data."""
    home = tmp_path_factory.mktemp("alphalab-home")
    monkeypatch.setenv("ALPHALAB_HOME", str(home))
    paths.set_home(None)
    yield home
    paths.set_home(None)


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("NUMBA_CACHE_DIR", str(Path(__file__).resolve().parents[1] / ".numba_cache"))
