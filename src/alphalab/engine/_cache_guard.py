"""Drop stale numba caches of the engine's kernels when any of their source files changed.

Numba keys a cached function on its own file only: a kernel in ``kernel_nb.py`` that inlines a
rule from ``rules_nb.py`` keeps serving the old rule after ``rules_nb.py`` changes. This guard
fingerprints all the engine's ``*_nb.py`` sources and, on a new fingerprint, deletes the cached
engine kernels once (numba then recompiles them). It runs when ``layout`` is imported, which every
kernel module does before any jitted function is called.
"""

from __future__ import annotations

import atexit
import hashlib
import os
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_SOURCES = ("_jit.py", "layout.py", "rules_nb.py", "accounting_nb.py", "kernel_nb.py", "column_nb.py", "loop_nb.py")


def _cache_dirs() -> list[Path]:
    root = os.environ.get("NUMBA_CACHE_DIR")
    if root:
        base = Path(root)
        return [d for d in base.glob("engine_*") if d.is_dir()] if base.is_dir() else []
    return [_HERE / "__pycache__"]


def ensure_fresh_cache() -> None:
    """Delete cached engine kernels compiled from other versions of the engine's sources."""
    h = hashlib.sha256()
    for name in _SOURCES:
        path = _HERE / name
        if path.exists():
            h.update(path.read_bytes())
    stamp_name = f"alphalab-engine-{h.hexdigest()[:16]}.stamp"
    for d in _cache_dirs():
        if not d.is_dir() or (d / stamp_name).exists():
            continue
        if not any(d.glob("kernel_nb.*")) and d.name != "__pycache__":
            continue  # another package's folder named engine
        try:
            for f in d.iterdir():
                kernel = f.name.endswith((".nbi", ".nbc")) and f.name.split(".", 1)[0].endswith("_nb")
                old_stamp = f.name.startswith("alphalab-engine-") and f.name.endswith(".stamp")
                if kernel or old_stamp:
                    f.unlink(missing_ok=True)
            (d / stamp_name).touch()
        except OSError:  # read-only or concurrently cleaned: numba will cope
            continue
    atexit.register(_stamp_new_dirs, stamp_name)


def _stamp_new_dirs(stamp_name: str) -> None:
    """Stamp the cache folders numba created during this run (with these sources) as fresh.

    Without it, the folder of a first run has no stamp and the next run would throw its kernels away.
    """
    for d in _cache_dirs():
        try:
            if d.is_dir() and any(d.glob("kernel_nb.*")) and not (d / stamp_name).exists():
                (d / stamp_name).touch()
        except OSError:
            continue
