"""Schema versions and the code that migrates old documents to the current one.

Version history
---------------
1.0
    The first format (documents without ``schema_version``). Risk fields sat at the top level in
    percent units: ``stop_loss_pct``, ``take_profit_pct``, ``trailing_stop_pct`` (2.0 = 2%), and
    ``position_size`` (a fraction of equity); crossings were spelled ``crosses_above`` /
    ``crosses_below``.
1.1
    Risk fields live under ``exits`` and ``sizing`` as fractions (0.02 = 2%); crossings are
    ``cross_above`` / ``cross_below``; ``confirmations``, ``filters`` and ``live_settings`` added.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from alphalab.core.errors import Problem

CURRENT = "1.1"
_RENAMED_CONDITIONS = {"crosses_above": "cross_above", "crosses_below": "cross_below"}
_TOP_LEVEL_EXITS = {"stop_loss_pct": "stop_loss", "trailing_stop_pct": "trailing_stop"}


def _rename_conditions(node: Any) -> Any:
    if isinstance(node, dict):
        return {_RENAMED_CONDITIONS.get(k, k): _rename_conditions(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_rename_conditions(v) for v in node]
    return node


def _percent(value: Any) -> Any:
    """Turn a 1.0 percent number (2.0) into a 1.1 fraction (0.02); leave other values to validation."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value / 100.0
    return value


def _migrate_1_0_to_1_1(doc: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    for key in ("entry", "exit"):
        if key in out:
            out[key] = _rename_conditions(out[key])
    exits = dict(out.get("exits") or {})
    for old, new in _TOP_LEVEL_EXITS.items():
        if old in out:
            exits.setdefault(new, {"type": "percent", "value": _percent(out.pop(old))})
    if "take_profit_pct" in out:
        exits.setdefault("take_profit", {"type": "percent", "value": _percent(out.pop("take_profit_pct"))})
    if exits:
        out["exits"] = exits
    if "position_size" in out:
        sizing = dict(out.get("sizing") or {})
        sizing.setdefault("type", "fixed_fraction")
        sizing.setdefault("fraction", out.pop("position_size"))
        out["sizing"] = sizing
    out["schema_version"] = "1.1"
    return out


MIGRATIONS: dict[str, tuple[str, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "1.0": ("1.1", _migrate_1_0_to_1_1),
}


def migrate(doc: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """Bring ``doc`` to the current schema version (a missing ``schema_version`` means 1.0)."""
    version = doc.get("schema_version", "1.0")
    if not isinstance(version, str):
        version = str(version)
    if version != CURRENT and version not in MIGRATIONS:
        known = ", ".join([*MIGRATIONS, CURRENT])
        return doc, [Problem("schema_version", f"unknown schema version {version!r}", hint=f"known: {known}",
                             value=version)]
    while version != CURRENT:
        version, step = MIGRATIONS[version]
        doc = step(doc)
    return doc, []
