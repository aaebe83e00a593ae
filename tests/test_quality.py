"""Project-level checks: README and CI agree, ruff and mypy are clean, --help is instant."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", quick, re.S)
    return [line.strip() for b in blocks for line in b.splitlines() if line.strip()]


def test_readme_quick_start_has_exactly_demo_and_test_commands() -> None:
    cmds = _readme_commands()
    assert len(cmds) == 2
    assert cmds[0].endswith("alphalab demo")
    assert "test" in cmds[1]


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert _readme_commands()[1] in [line.strip() for line in ci]


def test_ruff_reports_no_problems() -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    proc = subprocess.run(
        [ruff, "check", "src", "tests", "benchmarks"], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
def test_mypy_reports_no_problems() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental"], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]


def test_help_does_not_import_heavy_modules() -> None:
    code = (
        "import sys; from alphalab.cli.main import app; "
        "heavy = [m for m in ('numba', 'pandas', 'duckdb', 'plotly', 'pyarrow', 'optuna', 'ray') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""


def test_test_module_names_are_unique() -> None:
    """pytest's default import mode needs unique basenames for test modules without packages."""
    names = [p.name for p in (ROOT / "tests").rglob("test_*.py")]
    assert sorted({n for n in names if names.count(n) > 1}) == []
