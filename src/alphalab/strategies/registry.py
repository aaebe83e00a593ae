"""The strategy registry: built-in SDL documents, user files, Python strategies and plug-ins.

Sources, in order (an id found earlier wins):

1. the built-in SDL documents in ``alphalab/strategies/builtin/*.json``;
2. plug-ins registered under the entry-point group ``alphalab.strategies`` (the target may be a
   :class:`~alphalab.strategies.api.Strategy` subclass, an SDL document as a dict, a path to a JSON
   file, or a callable returning a list of those);
3. the user's folder ``$ALPHALAB_HOME/strategies/``: ``*.json`` SDL documents and ``*.py`` files that
   define Strategy subclasses.

A strategy that fails to load is listed with its error and skipped; it never breaks the listing.
User ``*.py`` files are first imported in a child process (cached per path, size and mtime): a file
that exits the interpreter (``sys.exit``, ``os._exit``), crashes it or hangs at import time is
listed as failed and never imported here; anything it raises here, ``BaseException`` included
(except KeyboardInterrupt), is reported as its error.
SDL files are parsed once per (path, mtime) thanks to the cache in :mod:`alphalab.sdl.sources`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from alphalab import paths
from alphalab.core.errors import AlphaLabError, NotFoundError
from alphalab.sdl import sources
from alphalab.sdl.loader import load
from alphalab.sdl.models import StrategySpec
from alphalab.strategies.api import Strategy

ENTRY_POINT_GROUP = "alphalab.strategies"
_SPEC_CACHE: dict[tuple[str, int, int], StrategySpec] = {}
_SCREEN_CACHE: dict[tuple[str, int, int], str | None] = {}
_SCREEN_TIMEOUT_S = 30.0
_SCREEN = (
    "import importlib.util, sys\n"
    "spec = importlib.util.spec_from_file_location('alphalab_user_screen', sys.argv[1])\n"
    "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
)


@dataclass(frozen=True)
class StrategyInfo:
    """One row of the strategy listing; ``error`` is set (and ``name`` may be the file) when it failed."""

    id: str
    name: str
    kind: str
    status: str
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict of this row."""
        return {
            "id": self.id, "name": self.name, "kind": self.kind, "status": self.status,
            "parameters": self.parameters, "source": self.source, "description": self.description,
            "tags": list(self.tags), "error": self.error,
        }


def _load_file_cached(path: Path) -> StrategySpec:
    st = path.stat()
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    spec = _SPEC_CACHE.get(key)
    if spec is None:
        spec = load(path)
        _SPEC_CACHE[key] = spec
    return spec


def _sdl_info(spec: StrategySpec, source: str) -> StrategyInfo:
    params = {k: _tidy(p.type, p.model_dump()) for k, p in spec.parameters.items()}
    return StrategyInfo(spec.id, spec.name, "sdl", spec.status, params, source, spec.description, tuple(spec.tags))


def _tidy(ptype: str, raw: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in raw.items() if v is not None and v != ""}
    if ptype == "int":
        out.update({k: int(out[k]) for k in ("min", "max", "step", "default") if k in out})
    return out


def _python_info(cls: type[Strategy], source: str) -> StrategyInfo:
    params = {
        k: {kk: vv for kk, vv in (("type", p.type), ("default", p.default), ("min", p.min), ("max", p.max),
                                  ("step", p.step), ("choices", list(p.choices) if p.choices else None),
                                  ("description", p.description)) if vv is not None and vv != ""}
        for k, p in cls.parameters.items()
    }
    return StrategyInfo(cls.strategy_id(), cls.display_name(), "python", cls.status, params, source,
                        cls.description, tuple(cls.tags))


def _described(exc: BaseException) -> BaseException:
    """Name what user code did when that is not an ordinary exception (``sys.exit(3)``)."""
    if isinstance(exc, SystemExit):
        return AlphaLabError(f"it called sys.exit({exc.code!r}) at import time")
    if not isinstance(exc, Exception):
        return AlphaLabError(f"it raised {type(exc).__name__} at import time: {exc}")
    return exc


def _failed(ident: str, kind: str, source: str, exc: BaseException) -> StrategyInfo:
    return StrategyInfo(ident, ident, kind, "error", {}, source, error=str(exc) or type(exc).__name__)


def _screen(path: Path) -> str | None:
    """Import ``path`` in a child process; return why that failed, or None when it imported cleanly."""
    st = path.stat()
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    if key in _SCREEN_CACHE:
        return _SCREEN_CACHE[key]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    try:
        done = subprocess.run([sys.executable, "-c", _SCREEN, str(path)], capture_output=True, text=True,
                              timeout=_SCREEN_TIMEOUT_S, env=env, stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired:
        reason: str | None = f"importing it did not finish within {_SCREEN_TIMEOUT_S:g} s"
    else:
        tail = (done.stderr.strip().splitlines() or [""])[-1]
        if done.returncode == 0:
            reason = None
        elif done.returncode < 0:
            reason = f"importing it killed the interpreter (signal {-done.returncode})"
        else:
            reason = tail or f"importing it exited the interpreter with status {done.returncode} (sys.exit or os._exit)"
    _SCREEN_CACHE[key] = reason
    return reason


def _python_classes(path: Path) -> list[type[Strategy]]:
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]
    mod_name = f"alphalab_user_strategies.{path.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:
        raise AlphaLabError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [
        obj for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, Strategy) and obj is not Strategy
        and obj.__module__ == mod_name
    ]


Entry = tuple[StrategyInfo, Any]  # the info and the loadable object (spec or class), None on error


def _builtin_entries() -> Iterator[Entry]:
    folder = sources.builtin_dir()
    for path in sorted(folder.glob("*.json")):
        yield from _json_entry(path, f"builtin:{path.name}")


def _json_entry(path: Path, source: str) -> Iterator[Entry]:
    try:
        spec = _load_file_cached(path)
    except Exception as exc:  # a broken file is reported, never fatal
        yield _failed(path.stem, "sdl", source, exc), None
        return
    yield _sdl_info(spec, source), spec


def _plugin_entries() -> Iterator[Entry]:
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        source = f"plugin:{ep.value}"
        try:
            target = ep.load()
            items = target() if callable(target) and not isinstance(target, type) else target
            items = items if isinstance(items, list | tuple) else [items]
            for item in items:
                yield from _object_entries(item, source)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # plug-in code: never let it take the listing down
            yield _failed(ep.name, "plugin", source, _described(exc)), None


def _object_entries(item: Any, source: str) -> Iterator[Entry]:
    if isinstance(item, type) and issubclass(item, Strategy):
        yield _python_info(item, source), item
    elif isinstance(item, StrategySpec):
        yield _sdl_info(item, source), item
    elif isinstance(item, dict):
        spec = load(item)
        yield _sdl_info(spec, source), spec
    else:
        yield from _json_entry(Path(str(item)), source)


def _user_entries() -> Iterator[Entry]:
    folder = paths.strategies_dir()
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        if path.suffix == ".json":
            yield from _json_entry(path, str(path))
        elif path.suffix == ".py" and not path.name.startswith("_"):
            reason = _screen(path)
            if reason is not None:
                yield _failed(path.stem, "python", str(path), AlphaLabError(reason)), None
                continue
            try:
                classes = _python_classes(path)
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # user code: SystemExit and other BaseExceptions are its errors
                yield _failed(path.stem, "python", str(path), _described(exc)), None
                continue
            for cls in classes:
                yield _python_info(cls, str(path)), cls


def _entries() -> list[Entry]:
    seen: set[str] = set()
    out: list[Entry] = []
    for entry in (*_builtin_entries(), *_plugin_entries(), *_user_entries()):
        info = entry[0]
        if info.ok and info.id in seen:
            info = _failed(info.id, info.kind, info.source,
                           AlphaLabError(f"duplicate id {info.id!r}: an earlier source already defines it"))
            entry = (info, None)
        if info.ok:
            seen.add(info.id)
        out.append(entry)
    return out


def list_strategies(*, include_errors: bool = True) -> list[StrategyInfo]:
    """Return every strategy found (failed ones carry their ``error`` unless ``include_errors=False``)."""
    return [info for info, _ in _entries() if include_errors or info.ok]


def get(id_or_path: str | Path, *, params: dict[str, Any] | None = None) -> StrategySpec | type[Strategy]:
    """Return the SDL spec (with ``params`` applied) or the Strategy class for an id or a file path.

    Raises
    ------
    NotFoundError
        When no strategy has that id.
    """
    text = str(id_or_path)
    if isinstance(id_or_path, Path) or text.endswith(".json") or "/" in text:
        return load(Path(text), params=params)
    for info, obj in _entries():
        if info.id == text:
            if obj is None:
                raise NotFoundError(f"strategy {text!r} failed to load: {info.error}")
            if isinstance(obj, StrategySpec):
                return obj.with_params(params) if params else obj
            return obj  # type: ignore[no-any-return]
    for info, obj in _entries():
        if obj is not None and info.name.casefold() == text.casefold():
            return get(info.id, params=params)
    ids = [i.id for i in list_strategies(include_errors=False)]
    import difflib

    close = difflib.get_close_matches(text, ids, n=1)
    hint = f"did you mean {close[0]!r}?" if close else "see `alphalab strategies list`"
    raise NotFoundError(f"no strategy with id {text!r}", hint=hint)
