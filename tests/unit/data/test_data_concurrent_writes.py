"""Two imports into one dataset started together both land; a killed writer's temp file is cleaned."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from alphalab.data.catalog import Catalog
from alphalab.testing.bars import from_closes

ROWS = 300_000


def _csv(path, start: str) -> None:
    idx = pd.date_range(start, periods=ROWS, freq="min", tz="UTC")
    close = 100 + np.sin(np.arange(ROWS) / 50.0)
    frame = pd.DataFrame(
        {
            "time": idx.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "open": close,
            "high": close + 1,
            "low": close - 1,
            "close": close,
            "volume": 1.0,
        }
    )
    frame.to_csv(path, index=False)


@pytest.mark.slow
def test_two_import_processes_started_together_lose_no_rows(tmp_path):
    home = tmp_path / "home"
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    _csv(a, "2024-01-01")
    _csv(b, "2025-01-01")  # disjoint: the dataset must end with 600,000 rows
    go = time.time() + 6.0  # both processes wait for the same instant after their imports
    code = (
        "import sys, time; from alphalab.cli.main import main; "
        f"time.sleep(max(0.0, {go} - time.time())); "
        "sys.exit(main(sys.argv[1:]))"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                code,
                "--home",
                str(home),
                "data",
                "import",
                str(f),
                "--symbol",
                "X",
                "--source",
                "local",
                "-t",
                "1m",
                "--calendar",
                "24/7",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in (a, b)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    stored = Catalog(home).read("local", "X", "1m")
    assert len(stored) == 2 * ROWS


def test_next_write_removes_a_killed_writers_temp_file(tmp_path):
    cat = Catalog(tmp_path)
    cat.write(from_closes([1.0, 2.0, 3.0], timeframe="1h"), "local", "X", "1h")
    path = cat.path("local", "X", "1h")
    stale = path.parent / f".tmp-0123456789abcdef-{path.name}"
    stale.write_bytes(b"\0" * 1_000_000)
    other = path.parent / ".tmp-0123456789abcdef-1d.parquet"  # another dataset's temp file is left alone
    other.write_bytes(b"\0")
    cat.write(from_closes([4.0], timeframe="1h", start="2024-01-01T03:00"), "local", "X", "1h")
    assert not stale.exists() and other.exists()
    assert cat.read("local", "X", "1h")["close"].tolist() == [1.0, 2.0, 3.0, 4.0]
