"""Executors: run ``fn(shared, item)`` over many items on local processes or a Ray cluster.

``shared`` (the evaluator with its data) travels once per worker: local workers receive it through
the pool initializer, Ray tasks through one ``ray.put`` reference. Items (chunks of trials) are
small. At most ``2 x workers`` items are in flight, so memory stays bounded whatever the item count.
Results come back as they finish: ``(index, value)`` where a failed or timed-out item yields a
:class:`TaskFailure`. Ctrl-C (KeyboardInterrupt) cancels what is queued, stops the workers and
propagates; results already yielded (and stored by the caller) are kept.

Local workers die with their parent, even when it is killed with SIGKILL: on Linux each worker
asks the kernel for SIGKILL when its parent goes (``prctl(PR_SET_PDEATHSIG)``), and everywhere a
watchdog thread in the worker exits it within a second of its parent process disappearing.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from alphalab.core.errors import ConfigError

_SHARED: Any = None


@dataclass(frozen=True, slots=True)
class TaskFailure:
    """An item whose task raised or ran past its timeout."""

    reason: str


_PR_SET_PDEATHSIG = 1
_WATCH_EVERY_S = 0.5


def _gone(pid: int) -> bool:
    """Whether process ``pid`` no longer exists (POSIX only: on Windows os.kill would terminate it)."""
    if os.name != "posix":
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _die_with_parent(parent_pid: int) -> None:
    """Make this worker end when the pool's owner ``parent_pid`` ends (see the module docstring).

    The direct parent may be ``parent_pid`` itself (fork, spawn) or a forkserver that ends with it;
    the watchdog exits when the direct parent changes (the worker was re-parented) or ``parent_pid``
    is gone. PR_SET_PDEATHSIG fires when the parent *thread* that started the worker ends, which for
    ProcessPoolExecutor is the thread that submits work (here: the one running ``map``).
    """
    import signal
    import sys
    import threading

    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no prctl in this libc: the watchdog remains
            pass
    direct = os.getppid()

    def orphaned() -> bool:
        return os.getppid() != direct or _gone(parent_pid)

    def watch() -> None:
        while not orphaned():
            time.sleep(_WATCH_EVERY_S)
        os._exit(1)

    if direct == 1 or _gone(parent_pid):  # the parent died before prctl took effect
        os._exit(1)
    threading.Thread(target=watch, name="alphalab-parent-watchdog", daemon=True).start()


def _init_worker(shared: Any, parent_pid: int | None = None) -> None:
    global _SHARED
    if parent_pid is not None:
        _die_with_parent(parent_pid)
    _SHARED = shared


def _call_with_shared(fn: Callable[[Any, Any], Any], item: Any) -> tuple[float, Any]:
    """Run one task in a pool worker; return how long it ran (s) with its result."""
    t0 = time.monotonic()
    out = fn(_SHARED, item)
    return time.monotonic() - t0, out


class Executor:
    """Base of the executors; ``map`` yields ``(index, result)`` pairs in completion order."""

    name = "base"
    workers = 1

    def map(
        self,
        fn: Callable[[Any, Any], Any],
        shared: Any,
        items: Sequence[Any],
        *,
        timeout: float | None = None,
    ) -> Iterator[tuple[int, Any]]:
        raise TypeError("use LocalExecutor or RayExecutor")


class LocalExecutor(Executor):
    """Processes on this machine (``concurrent.futures.ProcessPoolExecutor``); all cores by default.

    With ``workers=1`` the items run in this process, which is the cheapest for tiny jobs.
    """

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, int(workers or os.cpu_count() or 1))

    def map(
        self,
        fn: Callable[[Any, Any], Any],
        shared: Any,
        items: Sequence[Any],
        *,
        timeout: float | None = None,
    ) -> Iterator[tuple[int, Any]]:
        if self.workers == 1 and timeout is None:
            for i, item in enumerate(items):
                try:
                    yield i, fn(shared, item)
                except Exception as exc:
                    yield i, TaskFailure(f"{type(exc).__name__}: {exc}")
            return
        yield from self._map_pool(fn, shared, items, timeout)

    def _pool(self, shared: Any) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(self.workers, initializer=_init_worker, initargs=(shared, os.getpid()))

    def _map_pool(
        self, fn: Callable[[Any, Any], Any], shared: Any, items: Sequence[Any], timeout: float | None
    ) -> Iterator[tuple[int, Any]]:
        pool = self._pool(shared)
        pending: dict[cf.Future[Any], tuple[int, float]] = {}
        queue = list(range(len(items)))[::-1]
        try:
            while queue or pending:
                while queue and len(pending) < 2 * self.workers:
                    i = queue.pop()
                    pending[pool.submit(_call_with_shared, fn, items[i])] = (i, time.monotonic())
                done, _ = cf.wait(pending, timeout=0.25, return_when=cf.FIRST_COMPLETED)
                for fut in done:
                    i, _t0 = pending.pop(fut)
                    exc = fut.exception()
                    if exc:
                        yield i, TaskFailure(f"{type(exc).__name__}: {exc}")
                        continue
                    ran, result = fut.result()
                    # a task that finished between two polls but ran past its time is late all the same
                    late_done = timeout is not None and ran > timeout
                    yield i, TaskFailure(f"timed out after {timeout:g}s") if late_done else result
                late = _timed_out(pending, timeout, self.workers)
                if late:
                    for fut in late:
                        yield pending.pop(fut)[0], TaskFailure(f"timed out after {timeout:g}s")
                    # a hung worker cannot be stopped alone: restart the pool, requeue the rest
                    queue.extend(sorted((i for i, _ in pending.values()), reverse=True))
                    pending.clear()
                    _kill(pool)
                    pool = self._pool(shared)
        finally:
            _kill(pool)


def _timed_out(
    pending: dict[cf.Future[Any], tuple[int, float]], timeout: float | None, workers: int
) -> list[cf.Future[Any]]:
    if timeout is None:
        return []
    now = time.monotonic()
    # only the first `workers` submitted futures are running; the rest wait in the pool's queue
    running = sorted(pending.items(), key=lambda kv: kv[1][1])[:workers]
    return [f for f, (_, t0) in running if f.running() and now - t0 > timeout]


def _kill(pool: cf.ProcessPoolExecutor) -> None:
    procs = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(timeout=5)


def _ray_call(fn: Callable[[Any, Any], Any], shared: Any, item: Any) -> Any:
    return fn(shared, item)


class RayExecutor(Executor):
    """Tasks on a Ray cluster (``address="auto"``, ``"ray://host:10001"``) or a local Ray instance."""

    name = "ray"

    def __init__(self, address: str | None = None, workers: int | None = None) -> None:
        from alphalab._optional import require

        self._ray = require("ray", purpose="the ray executor")
        if not self._ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            if address:
                kwargs["address"] = address
            else:
                kwargs["num_cpus"] = workers or os.cpu_count() or 1
            try:
                self._ray.init(**kwargs)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                if not address:
                    raise
                raise ConfigError(
                    f"cannot connect to a Ray cluster at --address {address!r} ({type(exc).__name__})",
                    hint="start one with `ray start --head`, check the address, or leave out --address "
                    "to run Ray on this machine",
                ) from None
        cpus = int(self._ray.cluster_resources().get("CPU", 1))
        self.workers = max(1, int(workers or cpus))

    def map(
        self,
        fn: Callable[[Any, Any], Any],
        shared: Any,
        items: Sequence[Any],
        *,
        timeout: float | None = None,
    ) -> Iterator[tuple[int, Any]]:
        ray = self._ray
        remote = ray.remote(num_cpus=1, max_retries=0)(_ray_call)
        shared_ref = ray.put(shared)
        pending: dict[Any, tuple[int, float]] = {}
        queue = list(range(len(items)))[::-1]
        try:
            while queue or pending:
                while queue and len(pending) < 2 * self.workers:
                    i = queue.pop()
                    pending[remote.remote(fn, shared_ref, items[i])] = (i, time.monotonic())
                done, _ = ray.wait(list(pending), num_returns=1, timeout=0.25)
                for ref in done:
                    i, _t0 = pending.pop(ref)
                    try:
                        yield i, ray.get(ref)
                    except Exception as exc:
                        yield i, TaskFailure(f"{type(exc).__name__}: {exc}")
                now = time.monotonic()
                for ref, (i, t0) in list(pending.items()):
                    if timeout is not None and now - t0 > timeout:
                        ray.cancel(ref, force=True)
                        pending.pop(ref)
                        yield i, TaskFailure(f"timed out after {timeout:g}s")
        finally:
            for ref in pending:
                ray.cancel(ref, force=True)


def make_executor(name: str = "local", *, workers: int | None = None, address: str | None = None) -> Executor:
    """Return the executor called ``name`` (``local`` or ``ray``)."""
    if name == "local":
        return LocalExecutor(workers)
    if name == "ray":
        return RayExecutor(address, workers)
    raise ConfigError(f"unknown executor {name!r}", hint="choose local or ray")


class Progress:
    """A rich progress bar on stderr with ETA and throughput; a no-op when disabled."""

    def __init__(self, total: int, description: str, enabled: bool = True, unit: str = "trials") -> None:
        self._bar: Any = None
        self._task: Any = None
        if enabled and total > 0:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            self._task = self._bar.add_task(description, total=total, rate="")
            self._t0 = time.monotonic()
            self._done = 0
            self._unit = unit

    def __enter__(self) -> Progress:
        if self._bar is not None:
            self._bar.start()
        return self

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._done += n
            rate = self._done / max(time.monotonic() - self._t0, 1e-9)
            self._bar.update(self._task, advance=n, rate=f"{rate:,.1f} {self._unit}/s")

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
