"""Declared strategy parameters: their model, range checks, substitution of ``"$name"`` and search spaces."""

from __future__ import annotations

import difflib
import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from alphalab.core.errors import Problem

ParamKind = Literal["int", "float", "bool", "choice"]
_NO_SUBSTITUTION = ("parameters", "constraints", "id", "name", "description", "tags", "extends", "schema_version")


class ParameterSpec(BaseModel):
    """A tunable: type, default, inclusive ``min``/``max`` with a grid ``step``, or ``choices``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: ParamKind
    default: float | int | bool | str
    min: float | None = None
    max: float | None = None
    step: float | None = None
    choices: list[float | int | bool | str] | None = None
    description: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> ParameterSpec:
        if self.type == "choice" and not self.choices:
            raise ValueError("a choice parameter needs a non-empty 'choices' list")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        if self.step is not None and self.step <= 0:
            raise ValueError(f"step must be positive, got {self.step}")
        problem = check_value(self, "default", self.default)
        if problem is not None:
            raise ValueError(f"default {problem}")
        return self


def check_value(spec: ParameterSpec, name: str, value: Any) -> str | None:
    """Return why ``value`` is not acceptable for ``spec`` (None when it is)."""
    if spec.type == "bool":
        return None if isinstance(value, bool) else f"{value!r} is not true or false"
    if spec.type == "choice":
        return None if value in (spec.choices or []) else f"{value!r} is not one of {spec.choices}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{value!r} is not a number"
    if spec.type == "int" and (not math.isfinite(value) or float(value) != math.floor(value)):
        return f"{value!r} is not a whole number"
    if spec.min is not None and value < spec.min:
        return f"{value!r} is below the minimum {_num(spec.min)}"
    if spec.max is not None and value > spec.max:
        return f"{value!r} is above the maximum {_num(spec.max)}"
    return None


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def coerce(spec: ParameterSpec, value: Any) -> Any:
    """Return ``value`` in the parameter's Python type (int parameters become ``int``)."""
    if spec.type == "int":
        return int(value)
    if spec.type == "float":
        return float(value)
    return value


@dataclass(frozen=True, slots=True)
class SearchDimension:
    """One axis of the optimiser's search space."""

    name: str
    type: ParamKind
    default: Any
    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: tuple[Any, ...] | None = None

    def values(self) -> list[Any]:
        """Enumerate the grid of this dimension (needs a range for numbers; ints step by 1 by default)."""
        if self.type == "bool":
            return [False, True]
        if self.type == "choice":
            return list(self.choices or ())
        if self.low is None or self.high is None:
            return [self.default]
        step = self.step if self.step is not None else (1.0 if self.type == "int" else None)
        if step is None:
            return [self.low, self.high] if self.low != self.high else [self.low]
        n = math.floor((self.high - self.low) / step + 1e-9) + 1
        out = [self.low + i * step for i in range(n)]
        return [round(v) for v in out] if self.type == "int" else [round(v, 12) for v in out]


def search_space(parameters: dict[str, ParameterSpec]) -> dict[str, SearchDimension]:
    """Return one :class:`SearchDimension` per declared parameter, in declaration order."""
    return {
        name: SearchDimension(
            name=name,
            type=p.type,
            default=coerce(p, p.default),
            low=p.min,
            high=p.max,
            step=p.step,
            choices=tuple(p.choices) if p.choices is not None else None,
        )
        for name, p in parameters.items()
    }


def resolve_values(
    declared: dict[str, ParameterSpec], overrides: dict[str, Any] | None
) -> tuple[dict[str, Any], list[Problem]]:
    """Merge ``overrides`` into the defaults, checking each against its declaration."""
    problems: list[Problem] = []
    values = {name: coerce(p, p.default) for name, p in declared.items()}
    for key, value in (overrides or {}).items():
        spec = declared.get(key)
        if spec is None:
            close = difflib.get_close_matches(key, list(declared), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"declared: {', '.join(declared) or 'none'}"
            problems.append(Problem(f"params.{key}", f"unknown parameter {key!r}", hint=hint, value=key))
            continue
        why = check_value(spec, key, value)
        if why is not None:
            problems.append(Problem(f"params.{key}", why, hint=_range_hint(spec), value=value))
            continue
        values[key] = coerce(spec, value)
    return values, problems


def _range_hint(spec: ParameterSpec) -> str | None:
    if spec.type == "choice":
        return f"choose one of {spec.choices}"
    if spec.min is not None or spec.max is not None:
        lo = "-inf" if spec.min is None else _num(spec.min)
        hi = "inf" if spec.max is None else _num(spec.max)
        return f"allowed range [{lo}, {hi}]"
    return None


def substitute(document: dict[str, Any], values: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """Replace every ``"$name"`` string (outside the descriptive fields) by the parameter's value."""
    problems: list[Problem] = []

    def walk(node: Any, path: str) -> Any:
        if isinstance(node, dict):
            return {k: walk(v, _join(path, str(k))) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, f"{path}[{i}]") for i, v in enumerate(node)]
        if isinstance(node, str) and node.startswith("$"):
            key = node[1:]
            if key in values:
                return values[key]
            close = difflib.get_close_matches(key, list(values), n=1)
            hint = f"did you mean '${close[0]}'?" if close else "declare it under 'parameters'"
            problems.append(Problem(path, f"unknown parameter {node!r}", hint=hint, value=node))
        return node

    out = {
        k: (v if k in _NO_SUBSTITUTION else walk(v, k)) for k, v in document.items()
    }
    return out, problems


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<=": operator.le, ">=": operator.ge, "==": operator.eq, "!=": operator.ne, "<": operator.lt, ">": operator.gt,
}
_CONSTRAINT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|==|!=|<|>)\s*([A-Za-z_][A-Za-z0-9_]*|[-+]?[0-9.eE+-]+)\s*$")


@dataclass(frozen=True, slots=True)
class ParamConstraint:
    """A relation two parameters (or a parameter and a number) must satisfy, e.g. ``fast < slow``."""

    left: str
    op: str
    right: str | float
    text: str

    @property
    def names(self) -> tuple[str, ...]:
        return (self.left, self.right) if isinstance(self.right, str) else (self.left,)

    def holds(self, values: Mapping[str, Any]) -> bool:
        """Return whether ``values`` satisfy the constraint (True when a named parameter is absent)."""
        if any(n not in values for n in self.names):
            return True
        rhs = values[self.right] if isinstance(self.right, str) else self.right
        return bool(_OPS[self.op](values[self.left], rhs))


def parse_constraint(text: str) -> ParamConstraint:
    """Parse ``"name OP name"`` or ``"name OP number"`` (OP one of < <= > >= == !=); raise ValueError."""
    m = _CONSTRAINT.match(text)
    if m is None:
        raise ValueError(f"constraint {text!r} is not 'name OP name' or 'name OP number' (OP: < <= > >= == !=)")
    left, op, right = m.groups()
    rhs: str | float
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", right):
        rhs = right
    else:
        try:
            rhs = float(right)
        except ValueError:
            raise ValueError(f"constraint {text!r}: {right!r} is not a number") from None
    return ParamConstraint(left, op, rhs, text.strip())


def check_constraints(
    constraints: Iterable[str], declared: Mapping[str, ParameterSpec], values: Mapping[str, Any]
) -> list[str]:
    """Return why each constraint is malformed, names an undeclared parameter, or fails on ``values``."""
    out = []
    for text in constraints:
        try:
            c = parse_constraint(text)
        except ValueError as exc:
            out.append(str(exc))
            continue
        unknown = [n for n in c.names if n not in declared]
        if unknown:
            out.append(f"constraint {text!r} names undeclared parameter(s) {', '.join(unknown)}")
        elif not c.holds(values):
            shown = ", ".join(f"{n}={values[n]}" for n in c.names)
            out.append(f"constraint {text!r} does not hold for the defaults ({shown})")
    return out
