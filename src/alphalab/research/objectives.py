"""Objectives (``sharpe``, ``max_drawdown:min``) and constraints (``trades>=30``) over metric dicts."""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphalab.core.errors import ConfigError

# metrics where smaller is better when no direction is given
_MINIMISE_BY_DEFAULT = frozenset({"max_drawdown", "volatility", "ulcer_index", "max_drawdown_duration"})

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
_CONSTRAINT_RE = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(<=|>=|==|!=|<|>)\s*([-+0-9.eE]+)\s*$")


@dataclass(frozen=True, slots=True)
class Objective:
    """A metric to maximise or minimise."""

    metric: str
    direction: str = "max"

    @property
    def sign(self) -> float:
        return 1.0 if self.direction == "max" else -1.0


@dataclass(frozen=True, slots=True)
class Constraint:
    """A filter ``metric op value`` that a trial must satisfy to be selected."""

    metric: str
    op: str
    value: float

    def ok(self, metrics: Mapping[str, object]) -> bool:
        v = metrics.get(self.metric)
        if v is None or not isinstance(v, int | float) or math.isnan(float(v)):
            return False
        return _OPS[self.op](float(v), self.value)

    def violation(self, metrics: Mapping[str, object]) -> float:
        """Return 0 when satisfied, else how far the metric is from satisfying it (for Optuna)."""
        if self.ok(metrics):
            return 0.0
        v = metrics.get(self.metric)
        if v is None or not isinstance(v, int | float) or math.isnan(float(v)):
            return 1e9
        return abs(float(v) - self.value) + 1e-9

    def __str__(self) -> str:
        return f"{self.metric}{self.op}{self.value:g}"


def parse_objectives(text: str | Iterable[str]) -> list[Objective]:
    """Parse ``"sharpe,max_drawdown:min"`` into objectives; the direction defaults by metric."""
    items = text.split(",") if isinstance(text, str) else [t for part in text for t in part.split(",")]
    out = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        metric, _, direction = item.partition(":")
        direction = direction.strip().lower() or ("min" if metric in _MINIMISE_BY_DEFAULT else "max")
        if direction not in ("min", "max"):
            raise ConfigError(f"objective {item!r}: the direction must be min or max")
        out.append(Objective(metric.strip(), direction))
    if not out:
        raise ConfigError("no objective given", hint="for example --objective sharpe")
    return out


def parse_constraints(items: Iterable[str]) -> list[Constraint]:
    """Parse ``["max_drawdown<0.25", "trades>=30"]`` into constraints."""
    out = []
    for item in items:
        for part in item.split(";"):
            if not part.strip():
                continue
            m = _CONSTRAINT_RE.match(part)
            if not m:
                raise ConfigError(
                    f"constraint {part!r} is not metric<op>number", hint="for example trades>=30"
                )
            out.append(Constraint(m.group(1), m.group(2), float(m.group(3))))
    return out


def feasible_mask(table: pd.DataFrame, constraints: Iterable[Constraint], prefix: str = "m_") -> np.ndarray:
    """Return a boolean array: rows whose status is ok and whose metrics satisfy every constraint."""
    mask = (table["status"] == "ok").to_numpy(copy=True) if "status" in table else np.ones(len(table), bool)
    for c in constraints:
        col = prefix + c.metric
        if col not in table:
            raise ConfigError(f"constraint {c}: unknown metric {c.metric!r}")
        vals = pd.to_numeric(table[col], errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            mask &= ~np.isnan(vals) & _OPS[c.op](vals, c.value)
    return mask


def pareto_front(values: np.ndarray) -> np.ndarray:
    """Return a boolean mask of the non-dominated rows of ``values`` (larger is better in every column)."""
    n = values.shape[0]
    front = np.ones(n, dtype=bool)
    for i in range(n):
        if not front[i]:
            continue
        dominated = np.all(values >= values[i], axis=1) & np.any(values > values[i], axis=1)
        if dominated.any():
            front[i] = False
    return front


def best_index(table: pd.DataFrame, objectives: list[Objective], mask: np.ndarray, prefix: str = "m_") -> int:
    """Return the row index of the best feasible trial (first objective breaks Pareto ties); -1 if none."""
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return -1
    vals = np.column_stack(
        [o.sign * pd.to_numeric(table[prefix + o.metric], errors="coerce").to_numpy(float) for o in objectives]
    )[idx]
    vals = np.nan_to_num(vals, nan=-np.inf)
    if len(objectives) > 1:
        keep = pareto_front(vals)
        idx, vals = idx[keep], vals[keep]
    return int(idx[int(np.argmax(vals[:, 0]))])
