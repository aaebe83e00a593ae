"""A file-based model registry under the AlphaLab home, with model cards and aliases.

Layout: ``<home>/models/<name>/v<N>/model.pkl`` + ``card.json``, and ``<home>/models/<name>/
aliases.json`` (e.g. ``{"champion": 3}``). A card records what a version was trained on (window,
features, label, CV scores, data hash), so every prediction can say where it came from. MLflow
is not required; the layout mirrors its registered-model versions and aliases.
"""

from __future__ import annotations

import json
import pickle
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from alphalab import paths
from alphalab.core.errors import ConfigError, NotFoundError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class ModelCard:
    """What a model version is: kind, training window, features, label, CV scores and data hash."""

    name: str
    kind: str
    features: dict[str, Any]
    label: dict[str, Any]
    train_start: str
    train_end: str
    data_hash: str
    cv: dict[str, Any] = field(default_factory=dict)
    version: int = 0


def _root(name: str, root: Path | None) -> Path:
    if not _NAME.match(name):
        raise ConfigError(f"model name {name!r} is not valid", hint="use letters, digits, '_', '-' and '.'")
    return (root or paths.home() / "models") / name


def register(model: Any, card: ModelCard, *, root: Path | None = None) -> int:
    """Store ``model`` with its card as the next version of ``card.name``; return the version number."""
    base = _root(card.name, root)
    base.mkdir(parents=True, exist_ok=True)
    versions = [int(p.name[1:]) for p in base.glob("v*") if p.name[1:].isdigit()]
    version = max(versions, default=0) + 1
    folder = base / f"v{version}"
    folder.mkdir()
    with (folder / "model.pkl").open("wb") as fh:
        pickle.dump(model, fh)
    doc = {**asdict(card), "version": version}
    (folder / "card.json").write_text(json.dumps(doc, indent=2, sort_keys=True, default=str))
    return version


def _aliases(base: Path) -> dict[str, int]:
    path = base / "aliases.json"
    return {k: int(v) for k, v in json.loads(path.read_text()).items()} if path.exists() else {}


def promote(name: str, version: int, alias: str = "champion", *, root: Path | None = None) -> None:
    """Point ``alias`` of model ``name`` at ``version``."""
    base = _root(name, root)
    if not (base / f"v{version}" / "card.json").exists():
        raise NotFoundError(f"model {name!r} has no version {version}", hint="list versions with alphalab ml models")
    aliases = _aliases(base)
    aliases[alias] = int(version)
    (base / "aliases.json").write_text(json.dumps(aliases, indent=2, sort_keys=True))


def resolve(name: str, ref: int | str = "latest", *, root: Path | None = None) -> int:
    """Return the version number of ``ref``: a number, an alias, or ``latest``."""
    base = _root(name, root)
    versions = sorted(int(p.name[1:]) for p in base.glob("v*") if p.name[1:].isdigit())
    if not versions:
        raise NotFoundError(f"model {name!r} is not registered", hint="train and register it first")
    if isinstance(ref, int) or str(ref).isdigit():
        if int(ref) not in versions:
            raise NotFoundError(f"model {name!r} has no version {ref}", hint=f"versions: {versions}")
        return int(ref)
    if ref == "latest":
        return versions[-1]
    aliases = _aliases(base)
    if ref not in aliases:
        raise NotFoundError(f"model {name!r} has no alias {ref!r}", hint=f"aliases: {sorted(aliases) or 'none'}")
    return aliases[str(ref)]


def load(name: str, ref: int | str = "latest", *, root: Path | None = None) -> tuple[Any, ModelCard]:
    """Return (model, card) of version or alias ``ref`` of model ``name``."""
    folder = _root(name, root) / f"v{resolve(name, ref, root=root)}"
    card = ModelCard(**json.loads((folder / "card.json").read_text()))
    with (folder / "model.pkl").open("rb") as fh:
        model = pickle.load(fh)
    return model, card


def list_models(*, root: Path | None = None) -> list[dict[str, Any]]:
    """Return every registered model: name, versions, aliases and the latest card's CV summary."""
    base = root or paths.home() / "models"
    rows = []
    for folder in sorted(p for p in base.glob("*") if p.is_dir()) if base.exists() else []:
        versions = sorted(int(p.name[1:]) for p in folder.glob("v*") if p.name[1:].isdigit())
        if versions:
            card = json.loads((folder / f"v{versions[-1]}" / "card.json").read_text())
            rows.append({"name": folder.name, "versions": versions, "aliases": _aliases(folder),
                         "kind": card["kind"], "cv": card.get("cv", {})})
    return rows
