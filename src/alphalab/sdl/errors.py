"""Translate pydantic's validation errors into readable, path-precise problems."""

from __future__ import annotations

import difflib
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from alphalab.core.errors import Problem

_TYPE_WORDS = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "a string",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "list_type": "a list",
}
_BOUNDS = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}


def format_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """Render a location tuple as ``entry.long.all[1].cross_above.right``."""
    parts: list[str] = []
    prev: Any = None
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            if item == prev:  # the tag of a tagged union repeats the key: drop it
                continue
            if item == "not_":
                item = "not"
            parts.append(f".{item}" if parts else str(item))
        prev = item
    return "".join(parts)


@lru_cache(maxsize=1)
def _all_field_names() -> tuple[str, ...]:
    from alphalab.sdl import models

    names: set[str] = set()
    for obj in vars(models).values():
        if isinstance(obj, type) and issubclass(obj, BaseModel) and obj is not BaseModel:
            for fname, finfo in obj.model_fields.items():
                names.add(finfo.alias or fname)
    return tuple(sorted(names))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _condition_problem(where: str, value: Any) -> Problem:
    from alphalab.sdl.models import CONDITION_KINDS

    kinds = list(CONDITION_KINDS)
    if isinstance(value, dict) and len(value) == 1:
        key = next(iter(value))
        close = difflib.get_close_matches(str(key), kinds, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"use one of {', '.join(kinds)}"
        return Problem(where, f"unknown condition {key!r}", hint=hint, value=key)
    if isinstance(value, dict):
        return Problem(where, f"a condition must have exactly one key, got {len(value)}: {sorted(value)}",
                       hint="wrap several conditions in {\"all\": [...]}", value=value)
    return Problem(where, f"expected a condition object, got {_short(value)}",
                   hint=f"e.g. {{\"gt\": {{\"left\": ..., \"right\": ...}}}}; kinds: {', '.join(kinds)}",
                   value=value)


def translate_one(error: dict[str, Any]) -> Problem:
    """Turn one pydantic error dict into a :class:`Problem`."""
    where = format_path(error["loc"])
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        key = str(error["loc"][-1])
        close = difflib.get_close_matches(key, _all_field_names(), n=1)
        hint: str | None = f"did you mean {close[0]!r}?" if close else "remove it"
        return Problem(where, f"unknown field {key!r}", hint=hint, value=value)
    if kind == "missing":
        return Problem(where, f"missing required field {str(error['loc'][-1])!r}")
    if kind == "condition":
        return _condition_problem(where, value)
    if kind in _TYPE_WORDS:
        return Problem(where, f"expected {_TYPE_WORDS[kind]}, got {_short(value)}", value=value)
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace("'", "")
        return Problem(where, f"{_short(value)} is not allowed", hint=f"use one of {expected}", value=value)
    if kind in _BOUNDS:
        bound = next(iter(ctx.values())) if ctx else "?"
        fraction = where.endswith(("stop.value", "stop_loss.value"))
        hint = "write a fraction: 0.02 means 2%" if fraction else None
        return Problem(where, f"{_short(value)} is out of range: it must be {_BOUNDS[kind]} {bound}", hint=hint,
                       value=value)
    if kind == "string_pattern_mismatch":
        return Problem(where, f"{_short(value)} has the wrong form", hint=f"it must match {ctx.get('pattern')}",
                       value=value)
    if kind == "too_short":
        return Problem(where, f"needs at least {ctx.get('min_length', 1)} item(s)", value=value)
    if kind == "too_long":
        return Problem(where, f"has more than {ctx.get('max_length')} items", value=value)
    if kind == "value_error":
        message = str(ctx.get("error", error["msg"]))
        return Problem(where, message, value=value)
    return Problem(where, error["msg"][:1].lower() + error["msg"][1:], value=value)


def translate(exc: PydanticValidationError) -> list[Problem]:
    """Translate every error of a pydantic ValidationError (order kept, duplicates dropped)."""
    out: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for err in exc.errors(include_url=False):
        p = translate_one(dict(err))
        if (p.where, p.message) not in seen:
            seen.add((p.where, p.message))
            out.append(p)
    return out
