"""Reading SDL documents: JSON parsing with line/column errors, a parse cache, and id lookup.

Documents are cached by path and modification time, so listing hundreds of strategies twice
parses each file once. Ids resolve to the built-in documents shipped in
``alphalab/strategies/builtin`` and to the JSON files in ``$ALPHALAB_HOME/strategies``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from alphalab import paths
from alphalab.core.errors import Problem, ValidationError
from alphalab.core.textfile import read_user_text

_CACHE: dict[Path, tuple[int, int, Any]] = {}


class DocumentError(Exception):
    """A document could not be read; carries the problems found."""

    def __init__(self, problems: list[Problem], source: str) -> None:
        super().__init__(problems[0].render() if problems else source)
        self.problems = problems
        self.source = source


def builtin_dir() -> Path:
    """Return the folder of the built-in SDL documents."""
    return Path(__file__).resolve().parents[1] / "strategies" / "builtin"


def parse_text(text: str, source: str) -> dict[str, Any]:
    """Parse JSON text into a document, reporting the line and column of a syntax error."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(
            [Problem("", f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                     hint="check commas, quotes and brackets near that place", row=exc.lineno,
                     column=str(exc.colno))],
            source,
        ) from None
    except RecursionError:
        raise DocumentError(
            [Problem("", "the document is nested too deeply to read",
                     hint="flatten the conditions (use all/any lists instead of nesting them)")],
            source,
        ) from None
    if not isinstance(doc, dict):
        raise DocumentError([Problem("", f"a strategy must be a JSON object, got {type(doc).__name__}",
                                     value=doc)], source)
    return doc


def read_document(path: Path) -> dict[str, Any]:
    """Return the parsed document at ``path`` (a deep copy of the cached parse)."""
    path = path.resolve()
    try:
        st = path.stat()
    except OSError:
        raise DocumentError([Problem("", f"no such file: {path}")], str(path)) from None
    hit = _CACHE.get(path)
    if hit is not None and hit[0] == st.st_mtime_ns and hit[1] == st.st_size:
        return copy.deepcopy(hit[2])  # type: ignore[no-any-return]
    try:
        text = read_user_text(path)
    except OSError as exc:
        raise DocumentError([Problem("", f"cannot read {path}: {exc}")], str(path)) from None
    except ValidationError as exc:
        raise DocumentError([Problem("", exc.message, hint=exc.hint)], str(path)) from None
    doc = parse_text(text, str(path))
    _CACHE[path] = (st.st_mtime_ns, st.st_size, doc)
    return copy.deepcopy(doc)


def search_dirs() -> list[Path]:
    """Return the folders searched for documents by id: built-ins, then the user's strategies."""
    return [builtin_dir(), paths.strategies_dir()]


def json_files() -> list[Path]:
    """Return every ``.json`` file in the search folders, built-ins first, each folder sorted."""
    out: list[Path] = []
    for folder in search_dirs():
        if folder.is_dir():
            out.extend(sorted(p for p in folder.glob("*.json") if p.is_file()))
    return out


def find_by_id(strategy_id: str) -> Path | None:
    """Return the file that defines ``strategy_id`` (file stem first, then the ``id`` field)."""
    files = json_files()
    for p in files:
        if p.stem == strategy_id:
            return p
    for p in files:
        try:
            doc = read_document(p)
        except DocumentError:
            continue
        if doc.get("id") == strategy_id:
            return p
    return None


def known_ids() -> list[str]:
    """Return the ids (file stems) of the documents that can be found by id."""
    return [p.stem for p in json_files()]
