"""Search spaces: the parameters a sweep varies, from the SDL ``parameters`` or the command line.

``--space fast=5:50:5`` is a numeric range (low:high:step, inclusive), ``--space slow=20,50,100`` a
list of choices and ``--space mode=fast`` one fixed value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from alphalab.core.errors import ConfigError
from alphalab.sdl.params import ParamConstraint, parse_constraint

Value = int | float | str | bool


@dataclass(frozen=True, slots=True)
class Param:
    """One dimension of a search space.

    ``kind`` is ``"int"``, ``"float"`` or ``"choice"``. Numeric kinds use ``low``/``high`` and an
    optional ``step``; choices list their values in ``choices``.
    """

    name: str
    kind: str
    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: tuple[Value, ...] = ()
    default: Value | None = None

    def grid_values(self, default_points: int = 10) -> list[Value]:
        """Return the values a grid visits: every step, or ``default_points`` even points without one."""
        if self.kind == "choice":
            return list(self.choices)
        assert self.low is not None and self.high is not None
        if self.step:
            n = math.floor((self.high - self.low) / self.step + 1e-9) + 1
            vals = [self.low + i * self.step for i in range(n)]
        elif self.kind == "int":
            n = int(self.high - self.low) + 1
            stride = max(1, math.ceil(n / default_points))
            vals = [self.low + i for i in range(0, n, stride)]
        else:
            k = max(default_points, 2)
            vals = [self.low + (self.high - self.low) * i / (k - 1) for i in range(k)]
        return [self.cast(v) for v in vals]

    def from_unit(self, u: float) -> Value:
        """Map ``u`` in [0, 1) onto this dimension (used by random and Latin hypercube sampling)."""
        if self.kind == "choice":
            return self.choices[min(int(u * len(self.choices)), len(self.choices) - 1)]
        assert self.low is not None and self.high is not None
        if self.step or self.kind == "int":
            vals = self.grid_values()
            return vals[min(int(u * len(vals)), len(vals) - 1)]
        return self.cast(self.low + u * (self.high - self.low))

    def cast(self, v: Any) -> Value:
        """Return ``v`` in this parameter's type (ints stay ints, floats are rounded to 12 digits)."""
        if self.kind == "int":
            return round(float(v))
        if self.kind == "float":
            return round(float(v), 12)
        return v  # type: ignore[no-any-return]


@dataclass(frozen=True)
class SearchSpace:
    """An ordered set of parameters; fixed values are ``choice`` params with a single choice.

    ``constraints`` (the SDL's, e.g. ``fast < slow``) exclude combinations: the grid skips them and
    every sampler proposes only sets that satisfy all of them.
    """

    params: dict[str, Param] = field(default_factory=dict)
    constraints: tuple[ParamConstraint, ...] = ()

    @property
    def names(self) -> list[str]:
        return list(self.params)

    def allows(self, values: Mapping[str, Any]) -> bool:
        """Return whether ``values`` satisfy every constraint."""
        return all(c.holds(values) for c in self.constraints)

    def grid(self) -> list[dict[str, Value]]:
        """Return every combination of the parameters' grid values that the constraints allow, in a stable order."""
        combos: list[dict[str, Value]] = [{}]
        for name, p in self.params.items():
            combos = [{**c, name: v} for c in combos for v in p.grid_values()]
        return [c for c in combos if self.allows(c)] if self.constraints else combos

    def grid_size(self) -> int:
        """Number of grid sets the constraints allow (counted exactly up to a million combinations)."""
        if not self.params:
            return 0
        full = math.prod(len(p.grid_values()) for p in self.params.values())
        if self.constraints and full <= 1_000_000:
            return len(self.grid())
        return full

    def coarsened(self, max_sets: int) -> SearchSpace:
        """Return a grid of at most ``max_sets`` sets: the longest axis keeps every other value until it fits.

        A numeric axis keeps its kind and range with a doubled step; ranges stay covered from their low end.
        """
        space = self
        while space.grid_size() > max_sets:
            name, p = max(space.params.items(), key=lambda kv: len(kv[1].grid_values()))
            vals = p.grid_values()
            if len(vals) < 2:
                break
            if p.kind != "choice" and len(vals) > 2:
                q = replace(p, step=float(vals[1]) - float(vals[0]))
                q = replace(q, step=2 * float(q.step or 1.0))
            else:
                q = replace(p, kind="choice", choices=tuple(vals[::2]), low=None, high=None, step=None)
            space = SearchSpace({**space.params, name: q}, space.constraints)
        return space

    def with_overrides(self, overrides: Iterable[str]) -> SearchSpace:
        """Return this space with ``name=spec`` command-line overrides applied (new names are added)."""
        params = dict(self.params)
        for text in overrides:
            p = parse_override(text, params.get(text.partition("=")[0].strip()))
            params[p.name] = p
        return SearchSpace(params, self.constraints)


def _number(text: str, where: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ConfigError(f"{where}: {text!r} is not a number") from None


def _scalar(text: str) -> Value:
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def parse_override(text: str, base: Param | None = None) -> Param:
    """Parse ``name=low:high[:step]``, ``name=a,b,c`` or ``name=value`` into a Param."""
    name, eq, spec = text.partition("=")
    name, spec = name.strip(), spec.strip()
    if not eq or not name or not spec:
        raise ConfigError(
            f"--space {text!r} is not name=spec", hint="use name=low:high:step, name=a,b,c or name=value"
        )
    if ":" in spec:
        parts = spec.split(":")
        if len(parts) not in (2, 3):
            raise ConfigError(f"--space {text!r}: a range is low:high or low:high:step")
        lo, hi = _number(parts[0], name), _number(parts[1], name)
        step = _number(parts[2], name) if len(parts) == 3 else None
        if hi < lo:
            raise ConfigError(f"--space {text!r}: high {hi:g} is below low {lo:g}")
        if step is not None and step <= 0:
            raise ConfigError(f"--space {text!r}: the step must be positive")
        is_int = (base is not None and base.kind == "int") or not any(
            ch in part for part in parts for ch in ".eE"
        )
        kind = "int" if is_int else "float"
        return Param(name, kind, lo, hi, step, default=base.default if base else None)
    values = tuple(_scalar(v.strip()) for v in spec.split(",") if v.strip())
    return Param(name, "choice", choices=values, default=base.default if base else values[0])


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)


def param_from_declaration(name: str, decl: Any) -> Param:
    """Build a Param from an SDL parameter declaration (type, default, min, max, step, choices)."""
    kind = str(_get(decl, "type") or "float")
    kind = getattr(kind, "value", kind)
    choices = _get(decl, "choices")
    default = _get(decl, "default")
    if choices:
        return Param(name, "choice", choices=tuple(choices), default=default)
    if kind in ("bool", "boolean"):
        return Param(name, "choice", choices=(False, True), default=default)
    lo, hi = _get(decl, "min"), _get(decl, "max")
    if lo is None or hi is None:
        return Param(name, "choice", choices=(default,), default=default)
    num_kind = "int" if kind in ("int", "integer") else "float"
    return Param(name, num_kind, float(lo), float(hi), _get(decl, "step"), default=default)


def space_from_spec(spec: Any, overrides: Iterable[str] = ()) -> SearchSpace:
    """Return the search space a strategy declares (its ``parameters``), with overrides applied."""
    decls = _get(spec, "parameters") or {}
    constraints = tuple(parse_constraint(t) for t in (_get(spec, "constraints") or ()))
    space = SearchSpace({n: param_from_declaration(n, d) for n, d in dict(decls).items()}, constraints)
    return space.with_overrides(overrides)


def fixed(space: SearchSpace, values: Mapping[str, Value]) -> SearchSpace:
    """Return ``space`` with some parameters pinned to one value."""
    params = dict(space.params)
    for k, v in values.items():
        base = params.get(k)
        params[k] = replace(base, kind="choice", choices=(v,)) if base else Param(k, "choice", choices=(v,))
    return SearchSpace(params, space.constraints)
