"""Run folders: every backtest or research run writes into its own folder, never over another's.

Layout under ``paths.results_dir()``::

    <kind>/<run id>/...      one folder per run (run id = UTC time stamp + label, unique)
    <kind>/latest            a text file naming the newest run folder of that kind
    latest                   the newest run folder of any kind

``resolve("latest", kind)`` (or any path) is what commands accept wherever they read a run back
(``alphalab report latest``, ``alphalab mapping export latest`` ...).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from alphalab.core.errors import NotFoundError

KINDS = ("backtest", "optimize", "walkforward", "montecarlo", "fitness", "mapping", "monthly")
LATEST = "latest"


def _root() -> Path:
    from alphalab import paths

    return paths.results_dir()


def _slug(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", label).strip("_")[:80] or "run"


def new_run_dir(kind: str, label: str, out: Path | None = None) -> Path:
    """Create and return a fresh folder for one run of ``kind`` (``out`` when given) and point ``latest`` at it."""
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        target = out
    else:
        base = _root() / kind
        base.mkdir(parents=True, exist_ok=True)
        stem = f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{_slug(label)}"
        for k in range(10_000):
            target = base / (stem if k == 0 else f"{stem}-{k}")
            try:
                target.mkdir()
                break
            except FileExistsError:
                continue
    _point(_root() / kind / LATEST, target)
    _point(_root() / LATEST, target)
    return target


def _point(pointer: Path, target: Path) -> None:
    pointer.parent.mkdir(parents=True, exist_ok=True)
    tmp = pointer.with_name(f".{pointer.name}.tmp")
    tmp.write_text(str(target.resolve()) + "\n")
    tmp.replace(pointer)


def latest(kind: str | None = None) -> Path:
    """Return the newest run folder of ``kind`` (of any kind when None)."""
    pointer = _root() / kind / LATEST if kind else _root() / LATEST
    what = f"{kind} run" if kind else "run"
    if not pointer.is_file():
        raise NotFoundError(f"there is no {what} yet under {_root()}",
                            hint=f"run `alphalab {kind or 'backtest'}` first, or pass a path")
    target = Path(pointer.read_text().strip())
    if not target.exists():
        raise NotFoundError(f"the latest {what} ({target}) was deleted", hint="pass a path instead")
    return target


def resolve(ref: str | Path, kind: str | None = None) -> Path:
    """Return ``ref`` as a path; the word ``latest`` means the newest run folder of ``kind``."""
    return latest(kind) if str(ref) == LATEST else Path(ref).expanduser()
