"""The Python Strategy API: write a strategy as a class when SDL is not expressive enough.

A strategy subclasses :class:`Strategy`, declares its tunables in ``parameters`` and reacts to
events through hooks. The engine drives the hooks bar by bar and hands each one a
:class:`Context` that only reveals bars up to the current one (no look-ahead by construction).

Example
-------
>>> class Cross(Strategy):
...     id = "py_cross"
...     name = "Python SMA cross"
...     parameters = {"fast": Param("int", 10, min=2, max=100)}
...     def on_bar(self, ctx):
...         if ctx.bar_index >= self.params["fast"] and ctx.position(ctx.symbols[0]) == 0:
...             ctx.buy(ctx.symbols[0], quantity=1.0)
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

import numpy as np

from alphalab.core.bars import BarArrays
from alphalab.core.errors import Problem, ValidationError

ParamType = Literal["int", "float", "bool", "choice"]
OrderKind = Literal["market", "limit", "stop", "stop_limit"]
TimeInForce = Literal["gtc", "day", "ioc"]


@dataclass(frozen=True, slots=True)
class Param:
    """Declaration of one tunable parameter of a Python strategy.

    Parameters
    ----------
    type
        ``"int"``, ``"float"``, ``"bool"`` or ``"choice"``.
    default
        Value used when the caller does not give one.
    min, max, step
        Inclusive range and grid step for numeric parameters (the optimiser's search space).
    choices
        Allowed values of a ``"choice"`` parameter.
    description
        One sentence shown in listings.
    """

    type: ParamType
    default: Any
    min: float | None = None
    max: float | None = None
    step: float | None = None
    choices: tuple[Any, ...] | None = None
    description: str = ""

    def validate(self, name: str, value: Any) -> tuple[Any, Problem | None]:
        """Return ``value`` coerced to this parameter's type, or the problem that prevents it."""
        where = f"parameters.{name}"
        if self.type == "bool":
            if isinstance(value, bool):
                return value, None
            return value, Problem(where, f"expected true or false, got {value!r}", value=value)
        if self.type == "choice":
            options = tuple(self.choices or ())
            if value in options:
                return value, None
            return value, Problem(where, f"{value!r} is not one of {list(options)}", value=value)
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            return value, Problem(where, f"expected a number, got {value!r}", value=value)
        if self.type == "int":
            if float(value) != math.floor(float(value)):
                return value, Problem(where, f"expected a whole number, got {value!r}", value=value)
            value = int(value)
        else:
            value = float(value)
        if self.min is not None and value < self.min:
            return value, Problem(where, f"{value} is below the minimum {self.min}", value=value)
        if self.max is not None and value > self.max:
            return value, Problem(where, f"{value} is above the maximum {self.max}", value=value)
        return value, None


@dataclass(frozen=True, slots=True)
class OrderRef:
    """Handle of an order the strategy submitted; pass it to ``ctx.cancel``."""

    id: int
    symbol: str


@dataclass(frozen=True, slots=True)
class FillEvent:
    """A fill reported to ``Strategy.on_fill``: signed quantity (> 0 bought), price, fee and time."""

    order_id: int
    symbol: str
    quantity: float
    price: float
    fee: float
    time: np.datetime64
    tag: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class Context(Protocol):
    """What the engine provides to a strategy's hooks; the engine implements it.

    Every data accessor reveals bars ``0 .. bar_index`` only. Arrays are (bars so far, asset)
    for several symbols; ``ctx.data["close"][-1]`` is the current bar's closes. (``ctx.close`` is
    the order that closes a position, as in the contract, so prices are read through ``data``.)
    The arrays are read-only and reach no memory that holds later bars (not even through
    ``.base``); the look-ahead checker (``alphalab lookahead``) compares every order call.

    Order sizes always name their unit: ``quantity=`` (units: shares, contracts, coins),
    ``fraction=`` (of equity at the fill, 0.5 = half; at most the run's leverage) or ``notional=``
    (quote currency). Exactly one must be given; a positional size such as ``ctx.buy(sym, 10)``
    is ambiguous and raises :class:`~alphalab.core.errors.EngineError`, as do zero, negative or
    non-finite sizes.
    """

    @property
    def symbols(self) -> tuple[str, ...]:
        """Symbols of the run, in column order."""
        ...

    @property
    def timeframe(self) -> str:
        """Timeframe of the bars (``"1d"``, ``"1h"``...)."""
        ...

    @property
    def bar_index(self) -> int:
        """Zero-based position of the current bar."""
        ...

    @property
    def time(self) -> np.datetime64:
        """Open time (UTC) of the current bar."""
        ...

    @property
    def data(self) -> Mapping[str, np.ndarray]:
        """Columns ``open high low close volume`` (bars so far x asset), up to the current bar."""
        ...

    @property
    def bars(self) -> BarArrays:
        """The bars so far as a :class:`~alphalab.core.bars.BarArrays` (ends at the current bar)."""
        ...

    def price(self, column: str = "close", symbol: str | None = None) -> float:
        """Current bar's value of ``column`` (also ``hl2 hlc3 ohlc4``) for ``symbol`` (the first when None)."""
        ...

    @property
    def equity(self) -> float:
        """Account equity (cash plus marked positions) at the current close."""
        ...

    @property
    def cash(self) -> float:
        """Uninvested cash."""
        ...

    def position(self, symbol: str) -> float:
        """Signed quantity held in ``symbol`` (0 when flat, negative when short)."""
        ...

    def indicator(self, name: str, **params: Any) -> Mapping[str, np.ndarray]:
        """Outputs of a registry indicator computed on the bars so far (cached by the engine)."""
        ...

    def buy(
        self,
        symbol: str,
        *,
        quantity: float | None = None,
        fraction: float | None = None,
        notional: float | None = None,
        kind: OrderKind = "market",
        limit: float | None = None,
        stop: float | None = None,
        stop_loss: float | None = None,
        take_profit: float | None = None,
        time_in_force: TimeInForce = "gtc",
        tag: str = "",
    ) -> OrderRef:
        """Submit a buy order sized by exactly one of ``quantity``, ``fraction`` or ``notional``.

        Parameters
        ----------
        symbol
            One of ``ctx.symbols``.
        quantity
            Units to buy (shares, contracts, coins), e.g. ``ctx.buy("AAPL", quantity=10)``.
        fraction
            Share of equity to commit, sized at the fill price (``fraction=0.5``: half of equity,
            fees included); at most the run's leverage.
        notional
            Amount of quote currency to commit, sized at the fill price.
        kind
            ``market``, ``limit`` (needs ``limit``), ``stop`` (needs ``stop``) or ``stop_limit`` (both).
        stop_loss, take_profit
            Absolute price levels; either makes it a bracket order whose protective exits are
            placed once the entry fills (one cancels the other).

        Raises
        ------
        EngineError
            When no size, several sizes or a positional (unit-less) size is given, or the size is
            not a positive finite number.
        """
        ...

    def sell(
        self,
        symbol: str,
        *,
        quantity: float | None = None,
        fraction: float | None = None,
        notional: float | None = None,
        kind: OrderKind = "market",
        limit: float | None = None,
        stop: float | None = None,
        stop_loss: float | None = None,
        take_profit: float | None = None,
        time_in_force: TimeInForce = "gtc",
        tag: str = "",
    ) -> OrderRef:
        """Submit a sell order (opens or adds to a short when flat/short); same sizes and options as ``buy``.

        While long, a sell of ``quantity`` units reduces the position by that much (a market sell
        reverses it: the position is closed and a short of the given size opened).
        """
        ...

    def close(self, symbol: str | None = None, *, tag: str = "") -> OrderRef | None:
        """Close the position in ``symbol`` (all positions when None) at market."""
        ...

    def cancel(self, order: OrderRef | int) -> bool:
        """Cancel a working order; return False when it had already filled or been cancelled."""
        ...

    def open_orders(self, symbol: str | None = None) -> Sequence[OrderRef]:
        """Working orders, optionally of one symbol."""
        ...

    def log(self, message: str) -> None:
        """Record a message with the current bar's time in the run's log."""
        ...


class Strategy:
    """Base class of Python strategies.

    Subclasses set the class attributes ``id`` (slug), ``name`` (display name), ``description``,
    ``status`` (``"stable"`` or ``"experimental"``) and ``parameters``, and override any of the
    hooks. ``self.params`` holds the resolved, validated parameter values.

    Parameters
    ----------
    params
        Overrides of the declared defaults; unknown names and out-of-range values raise
        :class:`~alphalab.core.errors.ValidationError` listing every problem.
    """

    id: ClassVar[str] = ""
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    status: ClassVar[str] = "experimental"
    tags: ClassVar[tuple[str, ...]] = ()
    parameters: ClassVar[dict[str, Param]] = {}

    def __init__(self, params: Mapping[str, Any] | None = None) -> None:
        self.params: dict[str, Any] = resolve_params(type(self), params)

    def on_start(self, ctx: Context) -> None:
        """Run once before the first bar."""

    def on_bar(self, ctx: Context) -> None:
        """Run at the close of every bar; submit orders through ``ctx``."""

    def on_fill(self, ctx: Context, fill: FillEvent) -> None:
        """Run after each fill of one of this strategy's orders."""

    def on_stop(self, ctx: Context) -> None:
        """Run once after the last bar."""

    @classmethod
    def display_name(cls) -> str:
        """Return the name shown in listings and reports (the class name when none is set)."""
        return cls.name or cls.id or cls.__name__

    @classmethod
    def strategy_id(cls) -> str:
        """Return the id (the lower-case class name when none is set)."""
        return cls.id or cls.__name__.lower()


def resolve_params(cls: type[Strategy], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Merge ``overrides`` into the declared defaults of ``cls`` and validate every value.

    Raises
    ------
    ValidationError
        Listing every unknown name and invalid value at once.
    """
    declared = cls.parameters
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    given = dict(overrides or {})
    for key in given:
        if key not in declared:
            close = difflib.get_close_matches(key, list(declared), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"declared: {', '.join(declared) or 'none'}"
            problems.append(Problem(f"parameters.{key}", f"unknown parameter {key!r}", hint=hint, value=key))
    for key, spec in declared.items():
        value, problem = spec.validate(key, given.get(key, spec.default))
        if problem is not None:
            problems.append(problem)
        values[key] = value
    if problems:
        raise ValidationError(
            f"invalid parameters for strategy {cls.strategy_id()!r}", problems=problems, source=cls.__name__
        )
    return values
