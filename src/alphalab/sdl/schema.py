"""The JSON Schema of SDL documents, generated from the pydantic models."""

from __future__ import annotations

from typing import Any

from alphalab.sdl.models import CURRENT_SCHEMA_VERSION, StrategySpec


def json_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of the current SDL version."""
    schema = StrategySpec.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://alphalab.dev/schemas/sdl-{CURRENT_SCHEMA_VERSION}.json"
    schema["title"] = f"AlphaLab strategy (SDL {CURRENT_SCHEMA_VERSION})"
    return schema
