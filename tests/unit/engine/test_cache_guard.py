"""The engine's numba cache guard: stale kernels go, kernels compiled by this version stay."""

from __future__ import annotations

from pathlib import Path

import pytest

from alphalab.engine import _cache_guard as guard


def _kernels(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir() if p.suffix in (".nbi", ".nbc"))


def test_stale_kernels_are_dropped_and_a_first_runs_folder_is_stamped(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    registered: list[tuple] = []
    monkeypatch.setattr(guard.atexit, "register", lambda fn, *args: registered.append((fn, args)))
    old = tmp_path / "engine_old"
    old.mkdir()
    for name in ("kernel_nb.f-1.py311.nbi", "kernel_nb.f-1.py311.1.nbc", "loop_nb.g-2.py311.nbi"):
        (old / name).write_bytes(b"x")
    guard.ensure_fresh_cache()
    assert _kernels(old) == []  # compiled from other sources: dropped
    assert len(list(old.glob("alphalab-engine-*.stamp"))) == 1
    # a folder numba creates during this run (a cold cache) is stamped at exit, so the next run keeps it
    new = tmp_path / "engine_new"
    new.mkdir()
    (new / "kernel_nb.f-1.py311.nbi").write_bytes(b"x")
    fn, args = registered[-1]
    fn(*args)
    assert len(list(new.glob("alphalab-engine-*.stamp"))) == 1
    guard.ensure_fresh_cache()  # the next run: same sources, stamped folders keep their kernels
    assert _kernels(new) == ["kernel_nb.f-1.py311.nbi"]
