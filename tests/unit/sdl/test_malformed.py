"""The malformed corpus: each file yields its path-precise message, and `sdl validate` exits non-zero."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alphalab.cli.main import main
from alphalab.core.errors import ValidationError
from alphalab.sdl import load

CORPUS = Path(__file__).resolve().parents[2] / "data" / "sdl" / "malformed"
EXPECTED: dict[str, dict[str, str]] = json.loads((CORPUS / "expected.json").read_text())


def test_corpus_has_at_least_forty_documents_each_with_an_expectation() -> None:
    files = {p.name for p in CORPUS.glob("*.json")} - {"expected.json"}
    assert len(files) >= 40
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_malformed_document_reports_path_and_message(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    want = EXPECTED[name]
    with pytest.raises(ValidationError) as info:
        load(CORPUS / name)
    hits = [p for p in info.value.problems if p.where == want["path"] and want["fragment"] in p.render()]
    assert hits, str(info.value)
    assert main(["sdl", "validate", str(CORPUS / name)]) == 1
    out = capsys.readouterr()
    assert want["fragment"] in out.out and "Traceback" not in out.out + out.err


def test_validate_lists_every_problem_of_every_file_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    builtin = Path(__file__).resolve().parents[3] / "src" / "alphalab" / "strategies" / "builtin" / "ema_cross.json"
    files = [str(builtin), str(CORPUS / "unknown_top_field.json"), str(CORPUS / "broken_json_missing_comma.json")]
    assert main(["sdl", "validate", "--json", *files]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["valid"] is False
    assert [r["valid"] for r in doc["files"]] == [True, False, False]
    assert doc["files"][0]["name"] == "Trend King"
    assert doc["files"][2]["problems"][0]["message"].startswith("malformed JSON at line 3, column 3")


def test_document_with_many_mistakes_reports_all_of_them() -> None:
    doc = {"id": "x", "name": "X", "colour": 1, "sizing": {"type": "nope"},
           "indicators": {"a": {"type": "ema"}},
           "entry": {"long": {"all": [{"gt": {"left": "b", "right": 1}}, {"foo": {}}]}}}
    with pytest.raises(ValidationError) as info:
        load(doc)
    wheres = {p.where for p in info.value.problems}
    assert {"colour", "sizing.type", "entry.long.all[0].gt.left", "entry.long.all[1]"} <= wheres
