"""The error hierarchy that the CLI turns into one-sentence messages.

Every error carries a human sentence, an optional hint, and, where it applies, the place of
the problem (file, row, column or JSON path) so the message can name it.
"""

from __future__ import annotations

from dataclasses import dataclass


class AlphaLabError(Exception):
    """Base of every error AlphaLab raises on purpose.

    Parameters
    ----------
    message
        One sentence that says what is wrong, naming the file, field or row.
    hint
        What the user can do about it.
    """

    exit_code: int = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class ConfigError(AlphaLabError):
    """A configuration value (CLI option, config file) is invalid."""


class NotFoundError(AlphaLabError):
    """A named thing (symbol, strategy, dataset, result) does not exist."""


class MissingExtraError(AlphaLabError):
    """An optional dependency is not installed."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One located problem in a file or document.

    ``where`` is a row/column description for data or a JSON path for documents.
    """

    where: str
    message: str
    hint: str | None = None
    value: object = None
    row: int | None = None
    column: str | None = None

    def render(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class DataError(AlphaLabError):
    """Market data is malformed; lists every problem with its file, row and column."""

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        source: str | None = None,
        problems: list[Problem] | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.source = source
        self.problems = list(problems or [])

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        lines = [self.message] + [f"  - {p.render()}" for p in self.problems]
        return "\n".join(lines)


class ValidationError(AlphaLabError):
    """A user document (SDL strategy, mapping, routing table) is invalid; lists every problem."""

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        source: str | None = None,
        problems: list[Problem] | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.source = source
        self.problems = list(problems or [])

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        lines = [self.message] + [f"  - {p.render()}" for p in self.problems]
        return "\n".join(lines)


class EngineError(AlphaLabError):
    """A backtest cannot run with the given inputs (shapes, dtypes, settings)."""


class ResearchError(AlphaLabError):
    """An optimisation, walk-forward or fitness run cannot proceed."""
