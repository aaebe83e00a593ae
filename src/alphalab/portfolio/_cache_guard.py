"""Drop stale numba caches of the portfolio kernels when their sources or the engine's changed.

Numba keys a cached function on its own file only, but the portfolio loop (``sim_nb``) calls the
gate's rules (``gate_nb``) and the engine's per-column phases. On a new fingerprint of all those
sources, the cached portfolio kernels are deleted once and numba recompiles them.
"""

from __future__ import annotations

import atexit
import hashlib
import os
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_ENGINE = _HERE.parent / "engine"


def _fingerprint() -> str:
    h = hashlib.sha256()
    for path in sorted([*_HERE.glob("*_nb.py"), *_ENGINE.glob("*_nb.py"), _ENGINE / "layout.py", _ENGINE / "_jit.py"]):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def ensure_fresh_cache() -> None:
    """Delete cached portfolio kernels compiled from other versions of the sources they use."""
    stamp = f"alphalab-portfolio-{_fingerprint()}.stamp"
    for d in _dirs():
        if not d.is_dir() or (d / stamp).exists():
            continue
        try:
            for f in d.iterdir():
                if f.name.endswith((".nbi", ".nbc")) or f.name.startswith("alphalab-portfolio-"):
                    f.unlink(missing_ok=True)
            (d / stamp).touch()
        except OSError:  # read-only or cleaned concurrently: numba copes
            continue
    atexit.register(_stamp_new, stamp)


def _dirs() -> list[Path]:
    root = os.environ.get("NUMBA_CACHE_DIR")
    return [d for d in Path(root).glob("portfolio_*") if d.is_dir()] if root else [_HERE / "__pycache__"]


def _stamp_new(stamp: str) -> None:
    """Stamp the folders numba created in this run (from these sources), so the next run keeps them."""
    for d in _dirs():
        try:
            if d.is_dir() and not any(d.glob("alphalab-portfolio-*.stamp")):
                (d / stamp).touch()
        except OSError:
            continue
