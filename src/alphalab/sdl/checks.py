"""Checks that need more than field types: references between parts of a document.

They run on the raw (substituted) document so that they report alongside the type errors, and
they tolerate any shape (a wrong shape is the type checker's business).
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from alphalab.core.errors import Problem
from alphalab.sdl import catalog
from alphalab.sdl.models import CONDITION_KINDS, NAME, PRICE_COLUMNS

_OPERAND_KEYS = ("left", "right", "value", "lower", "upper", "reference")
_NAME_RE = re.compile(NAME)


def _did_you_mean(word: str, options: list[str]) -> str | None:
    close = difflib.get_close_matches(word, options, n=1)
    return f"did you mean {close[0]!r}?" if close else None


def check_timeframe(value: Any, where: str) -> list[Problem]:
    """Return a problem when ``value`` is not a readable timeframe such as ``4h``."""
    from alphalab.core.errors import ConfigError
    from alphalab.core.timeframe import Timeframe

    if value is None or not isinstance(value, str):
        return []
    try:
        Timeframe.parse(value)
    except ConfigError:
        return [Problem(where, f"cannot read timeframe {value!r}", hint="e.g. 15m 1h 4h 1d", value=value)]
    return []


def check_indicators(indicators: Any, where: str) -> tuple[dict[str, tuple[str, ...]], list[Problem]]:
    """Check indicator instances; return their outputs by name and the problems found."""
    outputs: dict[str, tuple[str, ...]] = {}
    problems: list[Problem] = []
    if not isinstance(indicators, dict):
        return outputs, problems
    for name, spec in indicators.items():
        path = f"{where}.{name}"
        if not _NAME_RE.match(str(name)):
            problems.append(Problem(path, f"indicator name {name!r} is not a plain identifier",
                                    hint="use letters, digits and _ (no dots)", value=name))
        if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
            outputs[str(name)] = ("value",)
            continue
        meta = catalog.info(spec["type"])
        if meta is None:
            hint = _did_you_mean(spec["type"], catalog.known_types()) or "see the indicator registry"
            problems.append(Problem(f"{path}.type", f"unknown indicator type {spec['type']!r}", hint=hint,
                                    value=spec["type"]))
            outputs[str(name)] = ("value",)
            continue
        outputs[str(name)] = meta.outputs
        problems += _check_params(meta, spec.get("params"), f"{path}.params")
        problems += check_timeframe(spec.get("timeframe"), f"{path}.timeframe")
    return outputs, problems


def _check_params(meta: catalog.IndicatorInfo, params: Any, where: str) -> list[Problem]:
    if meta.params is None or not isinstance(params, dict):
        return []
    problems = []
    for key, value in params.items():
        pdef = meta.params.get(key)
        if pdef is None:
            hint = _did_you_mean(key, list(meta.params)) or f"{meta.name} takes: {', '.join(meta.params)}"
            problems.append(Problem(f"{where}.{key}", f"unknown parameter {key!r} of {meta.name}", hint=hint,
                                    value=key))
            continue
        if isinstance(value, str) and value.startswith("$"):
            continue  # an unknown $parameter, already reported by substitution
        why = catalog.check_param(pdef, value)
        if why is not None:
            problems.append(Problem(f"{where}.{key}", why, value=value))
    return problems


def check_operand(value: Any, where: str, outputs: dict[str, tuple[str, ...]]) -> list[Problem]:
    """Check that a string operand names a price column, an indicator or one of its outputs."""
    if not isinstance(value, str) or value.startswith("$"):
        return []
    if value in PRICE_COLUMNS:
        return []
    base, _, out = value.partition(".")
    if base not in outputs:
        options = list(outputs) + list(PRICE_COLUMNS)
        hint = _did_you_mean(base, options) or f"known: {', '.join(options)}"
        return [Problem(where, f"unknown indicator {base!r}", hint=hint, value=value)]
    names = outputs[base]
    if not out:
        if len(names) > 1 and "value" not in names:
            return [Problem(where, f"indicator {base!r} has several outputs",
                            hint="name one: " + ", ".join(f"{base}.{n}" for n in names), value=value)]
        return []
    if out not in names:
        hint = _did_you_mean(out, list(names)) or f"outputs: {', '.join(names)}"
        return [Problem(where, f"indicator {base!r} has no output {out!r}", hint=hint, value=value)]
    return []


def check_condition(node: Any, where: str, outputs: dict[str, tuple[str, ...]]) -> list[Problem]:
    """Walk a condition tree and check every operand reference."""
    if not isinstance(node, dict) or len(node) != 1:
        return []
    kind, body = next(iter(node.items()))
    path = f"{where}.{kind}"
    if kind not in CONDITION_KINDS:
        return []
    if kind in ("all", "any") and isinstance(body, list):
        return [p for i, c in enumerate(body) for p in check_condition(c, f"{path}[{i}]", outputs)]
    if kind == "not":
        return check_condition(body, path, outputs)
    if kind == "vote" and isinstance(body, dict) and isinstance(body.get("of"), list):
        return [p for i, c in enumerate(body["of"]) for p in check_condition(c, f"{path}.of[{i}]", outputs)]
    if not isinstance(body, dict):
        return []
    return [p for k in _OPERAND_KEYS if k in body for p in check_operand(body[k], f"{path}.{k}", outputs)]


def check_document(doc: dict[str, Any]) -> list[Problem]:
    """Return every reference problem of a (substituted) document."""
    problems: list[Problem] = []
    problems += check_timeframe(doc.get("timeframe"), "timeframe")
    outputs, found = check_indicators(doc.get("indicators"), "indicators")
    problems += found
    for block in ("entry", "exit"):
        sides = doc.get(block)
        if isinstance(sides, dict):
            for side in ("long", "short"):
                if side in sides:
                    problems += check_condition(sides[side], f"{block}.{side}", outputs)
    confirmations = doc.get("confirmations")
    if isinstance(confirmations, list):
        for i, conf in enumerate(confirmations):
            if not isinstance(conf, dict):
                continue
            where = f"confirmations[{i}]"
            problems += check_timeframe(conf.get("timeframe"), f"{where}.timeframe")
            conf_outputs, found = check_indicators(conf.get("indicators"), f"{where}.indicators")
            problems += found
            for side in ("long", "short"):
                if side in conf:
                    problems += check_condition(conf[side], f"{where}.{side}", conf_outputs)
    return problems + _check_risk(doc)


def _check_risk(doc: dict[str, Any]) -> list[Problem]:
    exits = doc.get("exits") if isinstance(doc.get("exits"), dict) else {}
    sizing = doc.get("sizing") if isinstance(doc.get("sizing"), dict) else {}
    assert isinstance(exits, dict) and isinstance(sizing, dict)
    problems = []
    has_stop = exits.get("stop_loss") is not None
    if sizing.get("type") == "risk_per_trade" and not has_stop:
        problems.append(Problem("sizing.type", "risk_per_trade sizing needs exits.stop_loss",
                                hint="the risk is the loss at the stop; add a stop_loss", value="risk_per_trade"))
    tp = exits.get("take_profit")
    if isinstance(tp, dict) and tp.get("type") == "r_multiple" and not has_stop:
        problems.append(Problem("exits.take_profit.type", "an r_multiple target needs exits.stop_loss",
                                hint="R is the distance to the initial stop", value="r_multiple"))
    filters = doc.get("filters")
    sessions = filters.get("sessions") if isinstance(filters, dict) else None
    if isinstance(sessions, dict) and isinstance(sessions.get("timezone"), str):
        problems += _check_timezone(sessions["timezone"])
    return problems


def _check_timezone(name: str) -> list[Problem]:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return [Problem("filters.sessions.timezone", f"unknown time zone {name!r}",
                        hint="use UTC or an IANA name such as America/New_York", value=name)]
    return []
