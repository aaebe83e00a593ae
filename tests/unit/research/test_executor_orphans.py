"""Local pool workers die with their parent, even under kill -9; a missing Ray cluster is a user error."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from alphalab.core.errors import ConfigError

PARENT = textwrap.dedent(
    """
    import os, sys, time
    from alphalab.research import executors
    from alphalab.research.executors import LocalExecutor

    def work(pid_dir, item):
        open(os.path.join(pid_dir, str(os.getpid())), "w").close()
        time.sleep(120)
        return item

    if __name__ == "__main__":
        if sys.argv[2] == "watchdog-only":
            executors._PR_SET_PDEATHSIG = 0  # prctl(0, ...) is a no-op: only the watchdog thread remains
        for _ in LocalExecutor(2).map(work, sys.argv[1], list(range(4))):
            pass
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie no longer runs: it only waits for its (init) parent to reap it
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("guard", ["pdeathsig+watchdog", "watchdog-only"])
def test_kill_9_of_the_parent_ends_its_pool_workers_within_seconds(tmp_path, guard):
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    pids = tmp_path / "pids"
    pids.mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    parent = subprocess.Popen([sys.executable, str(script), str(pids), guard], env=env)
    deadline = time.monotonic() + 60
    while len(list(pids.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    workers = [int(p.name) for p in pids.iterdir()]
    assert len(workers) == 2, "the workers never started"
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=10)
    deadline = time.monotonic() + 5
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    survivors = [w for w in workers if _alive(w)]
    for w in survivors:  # do not leave them behind if the assertion fails
        os.kill(w, signal.SIGKILL)
    assert survivors == []


@pytest.mark.xdist_group("ray")  # never beside a test that has a local Ray instance running
def test_ray_address_without_a_cluster_is_a_config_error():
    pytest.importorskip("ray")
    from alphalab.research.executors import RayExecutor

    with pytest.raises(ConfigError, match="cannot connect to a Ray cluster at --address 'auto'") as info:
        RayExecutor(address="auto")
    assert "ray start --head" in (info.value.hint or "")


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_alphalab_optimize_ends_its_workers(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "ALPHALAB_HOME": str(tmp_path / "home")}
    code = "import sys; from alphalab.cli.main import main; sys.exit(main(sys.argv[1:]))"
    parent = subprocess.Popen(
        [sys.executable, "-c", code, "optimize", "sma_cross", "--symbol", "sample:AAPL", "--space", "fast=2:60:1",
         "--space", "slow=61:200:1", "--workers", "2", "--out", str(tmp_path / "out"), "--json"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while len(workers) < 2 and time.monotonic() < deadline and parent.poll() is None:
        time.sleep(0.2)
        workers = _children(parent.pid)
    assert len(workers) >= 2, "the optimisation never started its workers"
    time.sleep(1.0)  # let them take work
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=10)
    deadline = time.monotonic() + 5
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    survivors = [w for w in workers if _alive(w)]
    for w in survivors:
        os.kill(w, signal.SIGKILL)
    assert survivors == []
