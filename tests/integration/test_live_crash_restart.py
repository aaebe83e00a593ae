"""Crash safety of a paper bot: kill -9 at random moments, restart, and end as an uninterrupted run."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from alphalab.live.ledger import Ledger

ARGS = ["paper", "run", "ema_cross", "--symbols", "AAPL,MSFT", "--until", "2010-01-01", "--flatten-at-end", "--json"]


def _cmd(db: str) -> list[str]:
    code = "import sys; from alphalab.cli.main import main; sys.exit(main(sys.argv[1:]))"
    return [sys.executable, "-c", code, *ARGS, "--db", db]


def _peek(db: str) -> str | None:
    """Read the bot's last processed bar straight from SQLite (cheap enough to poll while it runs)."""
    import sqlite3

    from alphalab.live.runtime import LAST_KEY

    path = db.removeprefix("sqlite:///")
    if not Path(path).exists():
        return None
    try:
        with sqlite3.connect(path, timeout=10) as conn:
            row = conn.execute("SELECT value FROM bot_state WHERE key = ?", (LAST_KEY,)).fetchone()
    except sqlite3.OperationalError:  # the schema is not there yet
        return None
    return None if row is None else row[0]


def _last(db: str) -> int | None:
    from alphalab.live.runtime import LAST_KEY

    ledger = Ledger(db)
    try:
        return ledger.get_state(LAST_KEY)  # type: ignore[no-any-return]
    finally:
        ledger.close()


def _outcome(db: str) -> tuple[list[str], list[tuple[str, str, float, float]]]:
    ledger = Ledger(db)
    try:
        intents = sorted(i.client_id for i in ledger.intents())
        fills = sorted((e.client_id, str(e.trade_id), e.price, e.quantity) for e in ledger.events() if e.kind == "fill")
    finally:
        ledger.close()
    return intents, fills


@pytest.mark.slow
def test_kill_nine_at_random_moments_then_restart_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    env = {**os.environ, "ALPHALAB_HOME": str(tmp_path / "home")}
    whole = f"sqlite:///{tmp_path / 'whole.sqlite'}"
    subprocess.run(_cmd(whole), env=env, check=True, capture_output=True, timeout=600)
    crashed = f"sqlite:///{tmp_path / 'crashed.sqlite'}"
    rng = random.Random(13)
    kills, progress = 0, []
    for _ in range(30):  # kill each run at a random moment after it made progress, until one ends by itself
        before = _peek(crashed)
        proc = subprocess.Popen(_cmd(crashed), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline and _peek(crashed) == before:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.4))
        if proc.poll() is not None:
            break
        proc.send_signal(signal.SIGKILL)
        kills += 1
        proc.wait(timeout=60)
        progress.append(_last(crashed))
    subprocess.run(_cmd(crashed), env=env, check=True, capture_output=True, timeout=600)
    assert kills >= 3
    moments = [p for p in progress if p is not None]
    assert len(set(moments)) >= 3 and moments == sorted(moments)  # killed mid-run at different bars
    want, got = _outcome(whole), _outcome(crashed)
    assert got[0] == want[0]  # the same intents, each once
    assert got[1] == want[1]  # the same fills, none lost or applied twice
    assert len(want[1]) > 10
