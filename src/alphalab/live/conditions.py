"""SDL conditions evaluated bar by bar: the streaming twins of :mod:`alphalab.sdl.evaluate`.

Each node keeps the few values it looks back over (a cross its previous comparison, a breakout
its last ``n`` levels, ``rising`` its last ``n + 1`` values) and returns ``(value, valid)`` for the
current bar exactly as the batch evaluator does for that row: the same comparisons on the same
floats, the value computed even where it is invalid (so ``not`` and combinations agree), and a
signal is ``value and valid``. Every node is stepped on every bar of its asset, whether or not a
parent reads it, as the batch evaluator computes every row of every node.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

from alphalab.sdl import models as m

Getter = Callable[[str | float], float]


class Node:
    """One condition node; ``step`` consumes the current bar's operand values."""

    def step(self, get: Getter) -> tuple[bool, bool]:
        raise NotImplementedError


def _ok(*xs: float) -> bool:
    return not any(math.isnan(x) for x in xs)


class _Compare(Node):
    def __init__(self, op: str, args: m.Comparison) -> None:
        self.op, self.left, self.right = op, args.left, args.right

    def step(self, get: Getter) -> tuple[bool, bool]:
        a, b = get(self.left), get(self.right)
        op = self.op
        value = a > b if op == "gt" else a >= b if op == "ge" else a < b if op == "lt" else a <= b
        return value, _ok(a, b)


class _Cross(Node):
    def __init__(self, args: m.Comparison, above: bool) -> None:
        self.left, self.right, self.above = args.left, args.right, above
        self.before = False  # the previous bar's "was on the other side (or touching)"
        self.prev_valid = False

    def step(self, get: Getter) -> tuple[bool, bool]:
        a, b = get(self.left), get(self.right)
        valid = _ok(a, b)
        now = a > b if self.above else a < b
        out = (now and self.before, valid and self.prev_valid)
        self.before = a <= b if self.above else a >= b
        self.prev_valid = valid
        return out


class _Between(Node):
    def __init__(self, args: m.BetweenArgs) -> None:
        self.args = args

    def step(self, get: Getter) -> tuple[bool, bool]:
        v, lo, hi = get(self.args.value), get(self.args.lower), get(self.args.upper)
        return (lo <= v) and (v <= hi), _ok(v, lo, hi)


class _Breakout(Node):
    def __init__(self, args: m.BreakoutArgs) -> None:
        self.value, self.reference = args.value, args.reference
        self.up = args.direction == "up"
        self.levels: deque[float] = deque(maxlen=int(args.bars))

    def step(self, get: Getter) -> tuple[bool, bool]:
        v = get(self.value)
        level = v if self.reference is None else get(self.reference)
        lv = self.levels
        ref = math.nan
        if len(lv) == lv.maxlen and _ok(*lv):
            ref = max(lv) if self.up else min(lv)
        lv.append(level)
        return (v > ref) if self.up else (v < ref), _ok(v, ref)


class _Monotone(Node):
    def __init__(self, value: str | float, bars: int, rising: bool) -> None:
        self.value, self.rising = value, rising
        self.window: deque[float] = deque(maxlen=int(bars) + 1)

    def step(self, get: Getter) -> tuple[bool, bool]:
        w = self.window
        w.append(float(get(self.value)))
        if len(w) < (w.maxlen or 0) or not _ok(*w):
            return False, False
        xs = list(w)
        if self.rising:
            return all(xs[j] > xs[j - 1] for j in range(1, len(xs))), True
        return all(xs[j] < xs[j - 1] for j in range(1, len(xs))), True


class _Combine(Node):
    def __init__(self, children: list[Node], how: str, k: int = 0) -> None:
        self.children, self.how, self.k = children, how, k

    def step(self, get: Getter) -> tuple[bool, bool]:
        results = [c.step(get) for c in self.children]
        valid = all(r[1] for r in results)
        if self.how == "all":
            return all(r[0] for r in results), valid
        if self.how == "any":
            return any(r[0] for r in results), valid
        return sum(1 for r in results if r[0]) >= self.k, valid


class _Not(Node):
    def __init__(self, child: Node) -> None:
        self.child = child

    def step(self, get: Getter) -> tuple[bool, bool]:
        value, valid = self.child.step(get)
        return not value, valid


def build(node: object) -> Node:
    """Return the streaming evaluator of condition ``node`` (a fresh state)."""
    for kind, cls in (("gt", m.Gt), ("ge", m.Ge), ("lt", m.Lt), ("le", m.Le)):
        if isinstance(node, cls):
            return _Compare(kind, getattr(node, kind))
    if isinstance(node, m.CrossAbove):
        return _Cross(node.cross_above, True)
    if isinstance(node, m.CrossBelow):
        return _Cross(node.cross_below, False)
    if isinstance(node, m.Between):
        return _Between(node.between)
    if isinstance(node, m.Rising):
        return _Monotone(node.rising.value, int(node.rising.bars), True)
    if isinstance(node, m.Falling):
        return _Monotone(node.falling.value, int(node.falling.bars), False)
    if isinstance(node, m.Breakout):
        return _Breakout(node.breakout)
    if isinstance(node, m.AllOf):
        return _Combine([build(c) for c in node.all], "all")
    if isinstance(node, m.AnyOf):
        return _Combine([build(c) for c in node.any], "any")
    if isinstance(node, m.Not):
        return _Not(build(node.not_))
    if isinstance(node, m.Vote):
        return _Combine([build(c) for c in node.vote.of], "vote", int(node.vote.k))
    raise TypeError(f"not a condition: {type(node).__name__}")


class Signal:
    """A side's condition as a signal: ``step`` returns ``value and valid`` (False when there is none)."""

    def __init__(self, node: object | None) -> None:
        self.node = None if node is None else build(node)

    def step(self, get: Getter) -> bool:
        if self.node is None:
            return False
        value, valid = self.node.step(get)
        return bool(value and valid)
