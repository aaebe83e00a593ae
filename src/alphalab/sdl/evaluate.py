"""Evaluate condition trees on (time, asset) arrays with a three-valued logic.

Each node yields ``(value, valid)``: ``valid`` is False wherever an operand it uses is NaN
(warm-up, missing bars), and a signal is ``value & valid``. Every operator at bar ``t`` reads bars
``<= t`` only.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from alphalab.sdl import models as m
from alphalab.sdl.nb import monotone, prev_extreme

Result = tuple[np.ndarray, np.ndarray]
Resolver = Callable[[str | float], np.ndarray]


def _pair(args: m.Comparison, get: Resolver) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    left, right = get(args.left), get(args.right)
    return left, right, ~np.isnan(left) & ~np.isnan(right)


def _shift(x: np.ndarray, fill: bool | float) -> np.ndarray:
    out = np.empty_like(x)
    out[:1] = fill
    out[1:] = x[:-1]
    return out


def _compare(node: m.Gt | m.Ge | m.Lt | m.Le, get: Resolver) -> Result:
    if isinstance(node, m.Gt):
        left, right, valid = _pair(node.gt, get)
        return left > right, valid
    if isinstance(node, m.Ge):
        left, right, valid = _pair(node.ge, get)
        return left >= right, valid
    if isinstance(node, m.Lt):
        left, right, valid = _pair(node.lt, get)
        return left < right, valid
    left, right, valid = _pair(node.le, get)
    return left <= right, valid


def _cross(args: m.Comparison, get: Resolver, above: bool) -> Result:
    left, right, valid = _pair(args, get)
    now = left > right if above else left < right
    before = _shift(left <= right if above else left >= right, False)
    return now & before, valid & _shift(valid, False)


def _between(args: m.BetweenArgs, get: Resolver) -> Result:
    v, lo, hi = get(args.value), get(args.lower), get(args.upper)
    valid = ~np.isnan(v) & ~np.isnan(lo) & ~np.isnan(hi)
    return (lo <= v) & (v <= hi), valid


def _breakout(args: m.BreakoutArgs, get: Resolver) -> Result:
    v = np.ascontiguousarray(get(args.value), dtype=np.float64)
    level = v if args.reference is None else np.ascontiguousarray(get(args.reference), dtype=np.float64)
    up = args.direction == "up"
    ref = prev_extreme(level, int(args.bars), up)
    valid = ~np.isnan(v) & ~np.isnan(ref)
    return (v > ref) if up else (v < ref), valid


def _combine(children: list[Result], how: str, k: int = 0) -> Result:
    values = np.stack([c[0] for c in children])
    valid = np.logical_and.reduce([c[1] for c in children])
    if how == "all":
        return np.logical_and.reduce(values), valid
    if how == "any":
        return np.logical_or.reduce(values), valid
    return values.sum(axis=0) >= k, valid


def evaluate(node: object, get: Resolver) -> Result:
    """Return ``(value, valid)`` arrays of condition ``node``; ``get`` turns an operand into an array."""
    if isinstance(node, m.Gt | m.Ge | m.Lt | m.Le):
        return _compare(node, get)
    if isinstance(node, m.CrossAbove):
        return _cross(node.cross_above, get, True)
    if isinstance(node, m.CrossBelow):
        return _cross(node.cross_below, get, False)
    if isinstance(node, m.Between):
        return _between(node.between, get)
    if isinstance(node, m.Rising | m.Falling):
        args = node.rising if isinstance(node, m.Rising) else node.falling
        v = np.ascontiguousarray(get(args.value), dtype=np.float64)
        return monotone(v, int(args.bars), isinstance(node, m.Rising))  # type: ignore[no-any-return]
    if isinstance(node, m.Breakout):
        return _breakout(node.breakout, get)
    if isinstance(node, m.AllOf):
        return _combine([evaluate(c, get) for c in node.all], "all")
    if isinstance(node, m.AnyOf):
        return _combine([evaluate(c, get) for c in node.any], "any")
    if isinstance(node, m.Not):
        value, valid = evaluate(node.not_, get)
        return ~value, valid
    if isinstance(node, m.Vote):
        return _combine([evaluate(c, get) for c in node.vote.of], "vote", node.vote.k)
    raise TypeError(f"not a condition: {type(node).__name__}")


def signal(node: object | None, get: Resolver, shape: tuple[int, int]) -> np.ndarray:
    """Return the bool signal of ``node`` (all False when the side has no condition)."""
    if node is None:
        return np.zeros(shape, dtype=bool)
    value, valid = evaluate(node, get)
    return np.asarray(value & valid, dtype=bool)
