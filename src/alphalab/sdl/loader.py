"""Load a strategy: parse, migrate, resolve ``extends``, substitute parameters, validate.

Every problem found on the way is collected and raised together in one
:class:`~alphalab.core.errors.ValidationError`, each with its JSON path.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from alphalab.core.errors import NotFoundError, Problem, ValidationError
from alphalab.sdl import checks, sources
from alphalab.sdl.errors import translate
from alphalab.sdl.migrate import migrate
from alphalab.sdl.models import StrategySpec
from alphalab.sdl.params import ParameterSpec, resolve_values, substitute

_PARAMS_ADAPTER: TypeAdapter[dict[str, ParameterSpec]] = TypeAdapter(dict[str, ParameterSpec])


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``base`` with ``override`` merged in: objects merge key by key, anything else is replaced."""
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _looks_like_path(text: str) -> bool:
    return text.endswith(".json") or "/" in text or "\\" in text


def _locate(ref: str, base_dir: Path) -> Path | None:
    if _looks_like_path(ref):
        p = Path(ref).expanduser()
        p = p if p.is_absolute() else base_dir / p
        return p if p.is_file() else None
    return sources.find_by_id(ref)


def read_source(source: Path | str | Mapping[str, Any]) -> tuple[dict[str, Any], str, Path]:
    """Return the raw document, a name for messages, and the folder relative paths start from."""
    if isinstance(source, Mapping):
        return copy.deepcopy(dict(source)), str(source.get("id", "<document>")), Path.cwd()
    text = str(source)
    path = Path(text).expanduser() if isinstance(source, Path) or _looks_like_path(text) else None
    if path is None:
        path = sources.find_by_id(text)
        if path is None:
            raise NotFoundError(f"no strategy with id {text!r}",
                                hint="see `alphalab strategies list`, or give a path to a .json file")
    try:
        doc = sources.read_document(path)
    except sources.DocumentError as exc:
        raise ValidationError(f"cannot read strategy {path}", problems=exc.problems, source=str(path)) from None
    return doc, str(path), path.resolve().parent


def resolve(doc: dict[str, Any], base_dir: Path, chain: tuple[str, ...]) -> tuple[dict[str, Any], list[Problem]]:
    """Migrate ``doc`` and merge it over its ``extends`` parent (recursively, detecting cycles)."""
    doc, problems = migrate(doc)
    ref = doc.get("extends")
    if ref is None:
        return doc, problems
    if not isinstance(ref, str) or not ref:
        return doc, [*problems, Problem("extends", "expected a strategy id or a file path", value=ref)]
    path = _locate(ref, base_dir)
    if path is None:
        hint = "give a built-in id, a user strategy id, or a path relative to this file"
        return doc, [*problems, Problem("extends", f"cannot find the strategy {ref!r} to extend", hint=hint,
                                        value=ref)]
    key = str(path.resolve())
    if key in chain:
        cycle = " -> ".join(Path(c).name for c in (*chain, key))
        return doc, [*problems, Problem("extends", f"extends cycle: {cycle}", hint="remove one of the links",
                                        value=ref)]
    try:
        parent = sources.read_document(path)
    except sources.DocumentError as exc:
        detail = exc.problems[0].render() if exc.problems else "unreadable"
        return doc, [*problems, Problem("extends", f"cannot load {ref!r}: {detail}", value=ref)]
    parent, parent_problems = resolve(parent, path.resolve().parent, (*chain, key))
    problems += [Problem("extends", f"in {path.name}: {p.render() if p.where != 'extends' else p.message}",
                         value=ref) for p in parent_problems]
    merged = deep_merge(parent, doc)
    return merged, problems


def finish(
    doc: dict[str, Any], params: Mapping[str, Any] | None, name: str, prior: list[Problem] | None = None
) -> StrategySpec:
    """Substitute parameters into a resolved document and validate it into a :class:`StrategySpec`."""
    problems = list(prior or [])
    declared: dict[str, ParameterSpec] = {}
    raw_params = doc.get("parameters", {})
    try:
        declared = _PARAMS_ADAPTER.validate_python(raw_params)
    except PydanticValidationError as exc:
        problems += [Problem(_prefix("parameters", p.where), p.message, p.hint, p.value) for p in translate(exc)]
        if isinstance(raw_params, dict):
            good = {k: v for k, v in raw_params.items() if _param_ok(v)}
            declared = _PARAMS_ADAPTER.validate_python(good)
    values, found = resolve_values(declared, dict(params or {}))
    problems += found
    if isinstance(raw_params, dict):  # invalid declarations: substitute their raw default, no cascade
        for key, raw in raw_params.items():
            if key not in values and isinstance(raw, dict) and "default" in raw:
                values[key] = raw["default"]
    substituted, found = substitute(doc, values)
    problems += found
    problems += checks.check_document(substituted)
    spec: StrategySpec | None = None
    try:
        spec = StrategySpec.model_validate(substituted)
    except PydanticValidationError as exc:
        problems += [p for p in translate(exc) if not p.where.startswith("parameters")]
    problems = _dedupe(problems, extends_failed=any(p.where == "extends" for p in problems))
    if problems or spec is None:
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        raise ValidationError(f"invalid strategy {name}: {count}", problems=problems, source=name,
                              hint="fix each listed field; `alphalab sdl schema` prints the full schema")
    spec._values = values
    spec._document = doc
    spec._source = name
    return spec


def _param_ok(raw: Any) -> bool:
    try:
        ParameterSpec.model_validate(raw)
    except PydanticValidationError:
        return False
    return True


def _prefix(head: str, where: str) -> str:
    if not where:
        return head
    return f"{head}{where}" if where.startswith("[") else f"{head}.{where}"


def _dedupe(problems: list[Problem], *, extends_failed: bool) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in problems:
        if extends_failed and p.message.startswith("missing required field"):
            continue  # the parent that would have supplied it could not be loaded
        if (p.where, p.message) not in seen:
            seen.add((p.where, p.message))
            out.append(p)
    return out


def load(
    source: Path | str | Mapping[str, Any],
    *,
    params: Mapping[str, Any] | None = None,
    source_name: str | None = None,
) -> StrategySpec:
    """Load and validate a strategy document.

    Parameters
    ----------
    source
        A path to a ``.json`` file, the id of a built-in or user strategy, or a parsed document.
    params
        Values that override the declared parameter defaults (checked against their ranges).
    source_name
        Name used in messages instead of the file name.

    Returns
    -------
    StrategySpec
        The typed, validated strategy.

    Raises
    ------
    ValidationError
        Listing every problem with its JSON path, value and a hint.
    """
    doc, name, base_dir = read_source(source)
    name = source_name or name
    start = str((base_dir / Path(name).name).resolve()) if not isinstance(source, Mapping) else ""
    resolved, problems = resolve(doc, base_dir, (start,) if start else ())
    return finish(resolved, params, name, problems)
