"""The registry lists built-ins, user files, Python strategies and plug-ins; broken ones never break it."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, ClassVar

import pytest

from alphalab import paths
from alphalab.cli.main import main
from alphalab.core.errors import NotFoundError
from alphalab.sdl import sources
from alphalab.sdl.models import StrategySpec
from alphalab.strategies import registry
from alphalab.strategies.api import Param, Strategy

PY_STRATEGY = '''
from alphalab.strategies.api import Param, Strategy

class Breakout(Strategy):
    id = "py_breakout"
    name = "Python Breakout"
    status = "stable"
    parameters = {"bars": Param("int", 20, min=5, max=100)}
'''


def _user_dir() -> Path:
    d = paths.strategies_dir()
    d.mkdir(parents=True, exist_ok=True)
    return d


def _sdl(i: int) -> dict[str, Any]:
    return {"id": f"gen_{i:03d}", "name": f"Generated {i}", "status": "experimental",
            "parameters": {"n": {"type": "int", "default": 10 + i % 20, "min": 2, "max": 100}},
            "indicators": {"ma": {"type": "sma", "params": {"period": "$n"}}},
            "entry": {"long": {"cross_above": {"left": "close", "right": "ma"}}}}


def test_list_shows_builtins_with_display_name_status_and_parameters() -> None:
    infos = {i.id: i for i in registry.list_strategies()}
    assert infos["ema_cross"].name == "Trend King" and infos["ema_cross"].status == "stable"
    assert infos["ema_cross"].parameters["fast"]["default"] == 20
    assert infos["sma_cross_atr"].source.startswith("builtin:")
    assert all(i.ok for i in infos.values())


def test_cli_list_json_has_every_builtin_with_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["strategies", "list", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["mean_reversion_v2"]["name"] == "Mean Reversion v2"
    assert {"id", "name", "kind", "status", "parameters", "source"} <= set(rows["mtf_trend"])
    assert rows["mtf_trend"]["parameters"]["trend"]["max"] == 200


def test_cli_show_prints_the_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["strategies", "show", "donchian_breakout", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["spec"]["name"] == "Donchian Breakout" and doc["kind"] == "sdl"
    assert main(["strategies", "show", "nope_nope"]) == 2
    assert "no strategy with id" in capsys.readouterr().err


def test_broken_user_file_is_reported_and_skipped() -> None:
    d = _user_dir()
    (d / "broken.json").write_text("{not json")
    (d / "invalid.json").write_text(json.dumps({"id": "invalid", "name": "I", "colour": 1}))
    (d / "good.json").write_text(json.dumps(_sdl(1)))
    (d / "bad.py").write_text("raise RuntimeError('boom')\n")
    infos = {i.source: i for i in registry.list_strategies()}
    assert "malformed JSON" in (infos[str(d / "broken.json")].error or "")
    assert "unknown field 'colour'" in (infos[str(d / "invalid.json")].error or "")
    assert "boom" in (infos[str(d / "bad.py")].error or "")
    assert infos[str(d / "good.json")].ok
    assert [i.id for i in registry.list_strategies(include_errors=False)].count("gen_001") == 1


def test_python_strategy_file_is_found_and_returned_as_a_class() -> None:
    (_user_dir() / "mine.py").write_text(PY_STRATEGY)
    info = next(i for i in registry.list_strategies() if i.id == "py_breakout")
    assert info.kind == "python" and info.name == "Python Breakout" and info.parameters["bars"]["max"] == 100
    cls = registry.get("py_breakout")
    assert isinstance(cls, type) and issubclass(cls, Strategy)
    assert cls({"bars": 30}).params == {"bars": 30}


def test_plugins_from_entry_points_are_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    class Plug(Strategy):
        id = "plug_one"
        name = "Plug One"
        parameters: ClassVar[dict[str, Param]] = {"k": Param("float", 1.0, min=0, max=2)}

    class EP:
        def __init__(self, name: str, target: Any) -> None:
            self.name, self.value, self._target = name, f"pkg:{name}", target

        def load(self) -> Any:
            if isinstance(self._target, Exception):
                raise self._target
            return self._target

    eps = [EP("classes", lambda: [Plug, {**_sdl(7), "id": "plug_sdl"}]), EP("broken", ImportError("no module"))]
    monkeypatch.setattr(registry, "entry_points", lambda group: eps)
    infos = {i.id: i for i in registry.list_strategies()}
    assert infos["plug_one"].kind == "python" and infos["plug_sdl"].kind == "sdl"
    assert "no module" in (infos["broken"].error or "")


def test_duplicate_id_in_user_folder_is_reported_not_shadowing_the_builtin() -> None:
    (_user_dir() / "dupe.json").write_text(json.dumps({**_sdl(2), "id": "ema_cross"}))
    infos = [i for i in registry.list_strategies() if i.id == "ema_cross"]
    assert [i.ok for i in infos] == [True, False] and "duplicate id" in (infos[1].error or "")
    spec = registry.get("ema_cross")
    assert isinstance(spec, StrategySpec) and spec.name == "Trend King"


def test_get_by_display_name_path_and_with_params(tmp_path: Path) -> None:
    assert isinstance(registry.get("trend king"), StrategySpec)
    f = tmp_path / "s.json"
    f.write_text(json.dumps(_sdl(3)))
    spec = registry.get(str(f), params={"n": 40})
    assert isinstance(spec, StrategySpec) and spec.indicators["ma"].params["period"] == 40
    with pytest.raises(NotFoundError) as info:
        registry.get("ema_cros")
    assert info.value.hint == "did you mean 'ema_cross'?"


def test_three_hundred_files_list_quickly_and_parse_once(monkeypatch: pytest.MonkeyPatch) -> None:
    d = _user_dir()
    for i in range(300):
        (d / f"gen_{i:03d}.json").write_text(json.dumps(_sdl(i)))
    start = time.perf_counter()
    first = registry.list_strategies()
    elapsed = time.perf_counter() - start
    assert sum(i.id.startswith("gen_") and i.ok for i in first) == 300
    assert elapsed < 30
    calls = []
    real = sources.parse_text
    monkeypatch.setattr(sources, "parse_text", lambda text, src: calls.append(src) or real(text, src))
    second = registry.list_strategies()
    assert len(second) == len(first) and calls == []
    (d / "gen_005.json").write_text(json.dumps({**_sdl(5), "name": "Renamed"}))
    third = {i.id: i for i in registry.list_strategies()}
    assert third["gen_005"].name == "Renamed" and len(calls) == 1
