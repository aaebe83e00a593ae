"""Every case of the bad-input corpus (tests/data/bad) is refused cleanly and touches no stored data.

Each case runs in this process through ``alphalab.cli.main.main`` (the real command line, with its
error contract) against one home whose catalog holds ``local:X 1d``. A case passes when the exit
status is non-zero, nothing looks like a traceback or an "unexpected" error, the message names the
case's culprit, and the lake's files are byte for byte what they were.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import json
from pathlib import Path
from typing import Any

import pytest

from alphalab import paths
from alphalab.cli.main import main

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
CASES: list[dict[str, Any]] = json.loads((BAD / "manifest.json").read_text(encoding="utf-8"))["cases"]


def _run(args: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue() + err.getvalue()


def _digest(lake: Path) -> dict[str, str]:
    return {
        str(p.relative_to(lake)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(lake.rglob("*"))
        if p.is_file() and p.suffix != ".lock"
    }


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("corpus-home")
    code, text = _run(["--home", str(home), "data", "import", str(BAD / "cases" / "good.csv"), "--symbol", "X",
                       "--source", "local", "-t", "1d", "--calendar", "24/7"])
    assert code == 0, text
    return home


def test_corpus_is_large_and_covers_every_class() -> None:
    kinds = {c["kind"] for c in CASES}
    assert len(CASES) >= 300
    assert {"impossible price", "ambiguous column", "foreign or broken file", "impossible timestamp", "bad SDL",
            "bad mapping", "bad routing table", "bad fitness table", "bad argument"} <= kinds


def test_generator_writes_the_committed_manifest(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("bad_corpus_generate", BAD / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(tmp_path)
    assert (tmp_path / "manifest.json").read_text(encoding="utf-8") == (BAD / "manifest.json").read_text(
        encoding="utf-8"
    ), "run python tests/data/bad/generate.py and commit the result"
    written = sorted(p.name for p in (tmp_path / "cases").iterdir())
    assert written == sorted(p.name for p in (BAD / "cases").iterdir())


@pytest.mark.slow  # about 375 cases x 0.1-0.2 s: over a minute on a loaded 2-core machine
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_bad_input_is_refused_naming_the_culprit(case: dict[str, Any], home: Path, tmp_path: Path) -> None:
    lake = home / "lake"
    before = _digest(lake)
    args = [a.replace("{dir}", str(BAD / "cases")).replace("{tmp}", str(tmp_path)) for a in case["args"]]
    try:
        code, text = _run(["--home", str(home), *args])
    finally:
        paths.set_home(None)
    assert code != 0, f"accepted (exit 0):\n{text}"
    assert "Traceback" not in text and "unexpected" not in text, text
    assert case["culprit"] in text, f"the message does not name {case['culprit']!r}:\n{text}"
    assert _digest(lake) == before, "stored data changed"
    assert not (tmp_path / "never_written.json").exists()
