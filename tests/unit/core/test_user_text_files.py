"""JSON files saved with a BOM (Notepad, Excel) or as UTF-16 are read; other encodings are named errors."""

from __future__ import annotations

import json

import pytest

from alphalab.cli.main import main
from alphalab.core.errors import ValidationError
from alphalab.core.textfile import read_user_text
from alphalab.strategies.registry import sources

DOC = json.loads(sources.builtin_dir().joinpath("ema_cross.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_bom_marked_sdl_file_validates(tmp_path, encoding, capsys):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(DOC), encoding=encoding)
    assert read_user_text(path).startswith("{")
    assert main(["sdl", "validate", str(path)]) == 0, capsys.readouterr().err


def test_latin1_file_names_the_byte(tmp_path):
    path = tmp_path / "s.json"
    path.write_bytes('{"name": "Caf\xe9"}'.encode("latin-1"))
    with pytest.raises(ValidationError, match=r"not UTF-8 text \(byte b'\\xe9' at offset 13\)"):
        read_user_text(path)


def test_nested_3000_levels_is_a_one_line_error(tmp_path, capsys):
    inner = '{"cross_above":{"left":"close","right":"ma"}}'
    deep = '{"not":' * 3000 + inner + "}" * 3000
    path = tmp_path / "deep.json"
    path.write_text('{"id":"deep","name":"Deep","entry":{"long":' + deep + "}}")
    assert main(["sdl", "validate", str(path)]) != 0
    captured = capsys.readouterr()
    assert "nested too deeply" in captured.out + captured.err and "Traceback" not in captured.err
