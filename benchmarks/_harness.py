"""Measurement helpers shared by the benchmark modules.

Each measurement runs in a forked child process so that its peak memory (resident set size, as
the operating system counts it, numpy and Arrow buffers included) is its own. Timings are the best
of ``repeat`` runs after one warm-up run (so numba compilation is excluded when a warm-up is done).
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_mb: float


def _child(setup: Callable[[], Any], fn: Callable[[Any], Any], repeat: int, warmup: bool, q: Any) -> None:
    try:
        state = setup()
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if warmup:
            fn(state)
        best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn(state)
            best = min(best, time.perf_counter() - t0)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        q.put(("ok", best, max(peak - base, 0) / 1024.0, peak / 1024.0))
    except BaseException as exc:  # report any failure to the parent
        q.put(("error", repr(exc), 0.0, 0.0))


def measure(
    setup: Callable[[], Any], fn: Callable[[Any], Any], *, repeat: int = 3, warmup: bool = True
) -> Measurement:
    """Run ``fn(setup())`` in a fresh child process; return its best time and the peak memory it added (MB)."""
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(setup, fn, repeat, warmup, q))
    p.start()
    status, a, b, _total = q.get()
    p.join()
    if status != "ok":
        raise RuntimeError(f"benchmark failed: {a}")
    return Measurement(seconds=float(a), peak_mb=float(b))


def row(
    benchmark: str,
    subject: str,
    m: Measurement,
    *,
    units: float,
    unit: str = "bars",
    peer: Measurement | None = None,
    peer_name: str | None = None,
) -> dict[str, Any]:
    """Build one result row: throughput, peak memory and the speed ratio against a peer in the same run."""
    return {
        "benchmark": benchmark,
        "subject": subject,
        f"{unit}_per_s": units / m.seconds if m.seconds > 0 else float("inf"),
        "seconds": m.seconds,
        "peak_mb": m.peak_mb,
        "peer": peer_name,
        "speedup_vs_peer": (peer.seconds / m.seconds) if peer is not None and m.seconds > 0 else None,
    }
