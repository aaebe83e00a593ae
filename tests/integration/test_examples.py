"""The scripts in examples/ run as a user would run them: a fresh process, offline, exit code 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
NOTEBOOKS = sorted((ROOT / "examples").glob("*.ipynb"))

# runs a notebook's code cells in order; the last expression of each cell is rendered as Jupyter would
_NOTEBOOK_RUNNER = """
import ast, json, sys
cells = [c for c in json.load(open(sys.argv[1]))["cells"] if c["cell_type"] == "code"]
ns = {}
for i, cell in enumerate(cells):
    tree = ast.parse("".join(cell["source"]), f"cell {i}")
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, f"cell {i}", "exec"), ns)
    if last is not None:
        value = eval(compile(ast.Expression(last.value), f"cell {i}", "eval"), ns)
        html = getattr(value, "_repr_html_", None)
        print(html() if html else repr(value))
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}


def test_there_are_at_least_two_examples():
    assert {p.name for p in EXAMPLES} >= {"quickstart.py", "python_strategy_optimize.py"}


@pytest.mark.slow
@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs(script: Path, tmp_path: Path) -> None:
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, str(script), str(tmp_path)], cwd=tmp_path, env=_env(),
                          capture_output=True, text=True, timeout=300)
    seconds = time.perf_counter() - t0
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert "BacktestRun" in done.stdout  # each example prints at least one backtest result
    print(f"{script.name}: {seconds:.1f} s")


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_cells_run(notebook: Path, tmp_path: Path) -> None:
    assert json.loads(notebook.read_text())["nbformat"] == 4
    done = subprocess.run([sys.executable, "-c", _NOTEBOOK_RUNNER, str(notebook)], cwd=tmp_path, env=_env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "<table>" in done.stdout  # the results render as HTML tables in a notebook
