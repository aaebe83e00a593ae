"""Whatever a user's strategy file does at import time, `alphalab strategies list` survives it."""

from __future__ import annotations

import json

import pytest

from alphalab import paths
from alphalab.cli.main import main
from alphalab.strategies import registry

GOOD = """
from alphalab.strategies.api import Param, Strategy

class Fine(Strategy):
    id = "py_fine"
    name = "Fine"
    parameters = {"n": Param("int", 5, min=1, max=10)}
"""

HOSTILE = {
    "exits.py": ("import sys\nsys.exit(3)\n", "status 3 (sys.exit"),
    "base.py": ("class Boom(BaseException):\n    pass\nraise Boom('nope')\n", "Boom"),
    "hard_exit.py": ("import os\nos._exit(7)\n", "status 7"),
    "sigkill.py": ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", "signal 9"),
    "gen_exit.py": ("raise GeneratorExit('odd')\n", "GeneratorExit"),
}


@pytest.fixture
def user_dir():
    d = paths.strategies_dir()
    d.mkdir(parents=True, exist_ok=True)
    (d / "fine.py").write_text(GOOD)
    for name, (code, _) in HOSTILE.items():
        (d / name).write_text(code)
    return d


def test_hostile_user_files_are_listed_as_failed_with_the_reason(user_dir):
    infos = {i.source: i for i in registry.list_strategies()}
    for name, (_, expected) in HOSTILE.items():
        info = infos[str(user_dir / name)]
        assert info.status == "error" and expected in (info.error or ""), (name, info.error)
    assert infos[str(user_dir / "fine.py")].ok
    assert any(i.id == "ema_cross" for i in infos.values())


def test_cli_strategies_list_survives_hostile_files(user_dir, capsys):
    assert main(["strategies", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    ids = {row["id"] for row in listed}
    assert {"ema_cross", "py_fine", "exits", "hard_exit"} <= ids


def test_base_exception_raised_in_process_is_reported(monkeypatch, user_dir):
    # even when the child-process screen passes (code that behaves differently the second time)
    (user_dir / "hard_exit.py").unlink()  # these would end this very process without the screen
    (user_dir / "sigkill.py").unlink()
    monkeypatch.setattr(registry, "_screen", lambda path: None)
    infos = {i.source: i for i in registry.list_strategies()}
    assert "sys.exit(3)" in (infos[str(user_dir / "exits.py")].error or "")
    assert "Boom" in (infos[str(user_dir / "base.py")].error or "")
