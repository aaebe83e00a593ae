"""Argument checks at the edge: every numeric or date option is checked before any work starts.

One call per command, ``check_options(capital=capital, fee_bps=fee_bps, ...)``: each keyword is an
option name (``fee_bps`` is ``--fee-bps``) checked against its rule in ``RULES``; ``None`` means
"not given" and passes. A failed check raises a ConfigError that names the option, the value and
the allowed range. ``start``/``end`` are also checked against each other. The rules live here so
that every command shares them and the Python API can call them too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from alphalab.core.errors import ConfigError

EARLIEST_YEAR, LATEST_YEAR = 1800, 2200


@dataclass(frozen=True, slots=True)
class Rule:
    """An allowed numeric range: ``low <= x <= high`` (``low_open`` makes the lower bound strict)."""

    low: float
    high: float = math.inf
    low_open: bool = False
    integer: bool = False
    meaning: str = ""

    def describe(self) -> str:
        low = f"> {self.low:g}" if self.low_open else f">= {self.low:g}"
        rng = low if math.isinf(self.high) else f"{low} and <= {self.high:g}"
        kind = "a whole number " if self.integer else "a number "
        return kind + rng + (f" ({self.meaning})" if self.meaning else "")

    def holds(self, x: float) -> bool:
        if not math.isfinite(x):
            return False
        above = x > self.low if self.low_open else x >= self.low
        return above and x <= self.high and (not self.integer or float(x).is_integer())


_BPS = Rule(0, 1000, meaning="basis points; 1000 bps = 10% per trade")
_COUNT = Rule(1, integer=True)
RULES: dict[str, Rule] = {
    "capital": Rule(0, 1e15, low_open=True, meaning="starting cash"),
    "fee_bps": _BPS,
    "slippage_bps": _BPS,
    "trials": _COUNT,
    "workers": Rule(1, 1024, integer=True),
    "sims": _COUNT,
    "cuts": _COUNT,
    "step": _COUNT,
    "test": _COUNT,
    "train": Rule(2, integer=True),
    "block": _COUNT,
    "top_k": _COUNT,
    "rows": Rule(0, integer=True),
    "purge": Rule(0, integer=True),
    "embargo": Rule(0, integer=True),
    "min_trades": Rule(0, integer=True),
    "seed": Rule(0, 2**32 - 1, integer=True),
    "ruin": Rule(0, 1, low_open=True, meaning="a drawdown fraction, e.g. 0.5 for 50%"),
    "max_drawdown": Rule(0, 1, meaning="a drawdown fraction"),
    "min_stability": Rule(0, 1),
    "timeout": Rule(0, 7 * 86400, low_open=True, meaning="seconds"),
}


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def check_number(name: str, value: Any, rule: Rule | None = None) -> None:
    """Raise a ConfigError naming ``--name`` unless ``value`` satisfies its rule."""
    rule = rule or RULES[name]
    try:
        x = float(value)
    except (TypeError, ValueError):
        x = math.nan
    if not rule.holds(x):
        raise ConfigError(
            f"{_flag(name)} {value!r} is out of range: it must be {rule.describe()}",
            hint=f"pass a value in range, or leave out {_flag(name)} for the default",
        )


def parse_date(name: str, value: str) -> Any:
    """Return ``value`` as a UTC timestamp; raise a ConfigError naming ``--name`` when it is not a date."""
    import pandas as pd

    try:
        ts = pd.Timestamp(str(value).strip())
    except (ValueError, TypeError, OverflowError, pd.errors.OutOfBoundsDatetime):
        ts = None
    if ts is None or pd.isna(ts):
        raise ConfigError(
            f"{_flag(name)} {value!r} is not a date", hint="write it as YYYY-MM-DD, e.g. 2020-01-31"
        )
    if not EARLIEST_YEAR <= ts.year < LATEST_YEAR:
        raise ConfigError(
            f"{_flag(name)} {value!r} is outside the years {EARLIEST_YEAR}..{LATEST_YEAR}",
            hint="pick a date inside the data",
        )
    return ts.tz_localize("UTC") if ts.tz is None else ts.tz_convert("UTC")


def check_dates(start: str | None, end: str | None) -> None:
    """Check that ``--start`` and ``--end`` are dates and that start comes before end."""
    a = parse_date("start", start) if start is not None else None
    b = parse_date("end", end) if end is not None else None
    if a is not None and b is not None and a >= b:
        raise ConfigError(
            f"--start {start} is not before --end {end}", hint="swap them, or widen the window"
        )


def check_options(**options: Any) -> None:
    """Check every given option (``None`` = not given) against its rule; ``start``/``end`` as dates."""
    check_dates(options.pop("start", None), options.pop("end", None))
    for name, value in options.items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            for v in value:
                check_number(name, v)
        else:
            check_number(name, value)


def warnings_for_result(trades: int, metrics: dict[str, Any], bars: int | None = None) -> list[str]:
    """Explain a backtest whose numbers say nothing: no trades, or metrics that are undefined."""
    out = []
    if trades == 0:
        why = f" on {bars} bars" if bars is not None else ""
        out.append(
            f"the run made no trades{why}: the entry condition never held (constant prices, data "
            "shorter than the indicators' warm-up, or a window without signals); metrics are undefined"
        )
    undefined = sorted(
        k for k, v in metrics.items() if isinstance(v, float) and not math.isfinite(v)
    )
    if undefined and trades:
        out.append(
            f"undefined metric(s) {', '.join(undefined[:8])}{' ...' if len(undefined) > 8 else ''}: "
            "too few trades or returns without variation"
        )
    return out


def emit_warnings(warnings: list[str]) -> None:
    """Print each warning on stderr (``--json`` output carries them in its ``warnings`` key)."""
    import sys

    for w in warnings:
        sys.stderr.write(f"warning: {w}\n")


def require_some_success(rows: Any, what: str, *, reason: str = "reason", written: str | None = None) -> None:
    """Raise a ResearchError listing the reasons when no row of ``rows`` (a table) has status ``ok``.

    Call after the outputs are written, so the table of reasons is still there to read.
    """
    from alphalab.core.errors import ResearchError

    if rows is None or "status" not in rows or (rows["status"] == "ok").any():
        return
    if len(rows) == 0:
        raise ResearchError(f"the {what} had nothing to run", hint="check the inputs you gave it")
    col = reason if reason in rows else "error" if "error" in rows else None
    reasons = [str(r) for r in rows[col].dropna().unique()[:3]] if col else []
    raise ResearchError(
        f"every one of the {len(rows)} {what} failed: {'; '.join(reasons) or 'no reason recorded'}",
        hint=f"see the table in {written}" if written else "run one backtest of the strategy to see the problem",
    )


def mapping_entry_problems(mapping: Any) -> list[Any]:
    """Check what the schema cannot: each entry's strategy exists, takes its parameters, and its timeframe parses."""
    from alphalab.core.errors import AlphaLabError, Problem
    from alphalab.core.timeframe import Timeframe
    from alphalab.engine.backtest import resolve_spec

    problems = []
    for i, entry in enumerate(mapping.entries):
        where = f"$.entries[{i}] ({entry.asset} {entry.timeframe} {entry.strategy_id})"
        try:
            Timeframe.parse(entry.timeframe)
            resolve_spec(entry.strategy_id, dict(entry.parameters) or None)
        except AlphaLabError as exc:
            problems.append(Problem(where, str(exc).splitlines()[0], hint=exc.hint))
    return problems


def check_mapping(mapping: Any, source: str) -> None:
    """Raise a ValidationError naming each entry of ``mapping`` that cannot run (a validator fails on any)."""
    from alphalab.core.errors import ValidationError

    problems = mapping_entry_problems(mapping)
    if problems:
        n = len(mapping.entries)
        what = f"none of its {n} entries" if len(problems) == n else f"{len(problems)} of its {n} entries"
        raise ValidationError(
            f"{source}: {what} can run",
            hint="fix the strategies and parameters named above, or export the mapping again",
            source=source,
            problems=problems,
        )


def warnings_for_trials(trials: Any, objective: str) -> list[str]:
    """Explain an optimisation whose trials say nothing: no trades anywhere, or an undefined objective."""
    import pandas as pd

    if trials is None or len(trials) == 0 or "status" not in trials:
        return []
    ok = trials[trials["status"] == "ok"]
    out = []
    if "m_trades" in ok and len(ok) and (pd.to_numeric(ok["m_trades"], errors="coerce").fillna(0) == 0).all():
        out.append(
            f"none of the {len(ok)} trials made a trade (constant prices, data shorter than the warm-up, "
            "or no signal in the data); every metric is undefined"
        )
    column = f"m_{objective}"
    if column in ok and len(ok):
        undefined = int(pd.to_numeric(ok[column], errors="coerce").isna().sum())
        if undefined:
            out.append(f"{undefined} of {len(ok)} trials have no {objective} (undefined: too few trades or flat returns)")
    return out
