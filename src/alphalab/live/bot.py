"""What ``alphalab paper run FILE`` runs: a strategy, a portfolio file or a best-config mapping as sleeves.

:func:`load_bot` turns the file into sleeve configurations (and the portfolio's risk gate);
:func:`paper_run` wires them to a feed, the ledger and the runtime and runs until the feed ends.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alphalab.core.bars import BarArrays
from alphalab.core.errors import ConfigError
from alphalab.engine.config import BacktestConfig
from alphalab.live.clock import Clock, SimulatedClock, WallClock
from alphalab.live.ledger import Ledger
from alphalab.live.runtime import RunReport, Runtime
from alphalab.live.sleeve import SleeveConfig


@dataclass
class Bot:
    """The sleeves of one bot, its risk gate (portfolios) and the symbols and timeframe it trades."""

    name: str
    sleeves: list[SleeveConfig]
    gate: Any
    symbols: tuple[str, ...]
    timeframe: str


def _strategy_source(strategy: str) -> Path | None:
    p = Path(strategy)
    if p.suffix == ".json" and p.is_file():
        return p
    from alphalab.sdl.sources import find_by_id

    return find_by_id(strategy)


def load_bot(path: str | Path, *, symbols: Sequence[str] | None = None, timeframe: str = "1d",
             capital: float = 100_000.0, config: BacktestConfig | None = None) -> Bot:
    """Return the bot a file describes: a portfolio document or mapping, else one SDL strategy.

    A strategy file (or a strategy id) runs as one sleeve on ``symbols`` (required then); a
    portfolio runs each of its sleeves on its own cash (the portfolio's capital times the sleeve's
    weight), every entry checked by the portfolio's risk gate.
    """
    cfg = config or BacktestConfig(capital=capital)
    p = Path(path)
    doc: Any = None
    if p.suffix == ".json" and p.is_file():
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            doc = None  # reported by the SDL loader with line and column
    if isinstance(doc, dict) and ("sleeves" in doc or "entries" in doc):
        return _portfolio_bot(p, cfg)
    from alphalab.engine.backtest import resolve_spec

    if not symbols:
        raise ConfigError(f"{path} is a strategy: say which symbols it trades", hint="pass --symbols AAPL,MSFT")
    spec = resolve_spec(str(path), None)
    source = p if p.is_file() else _strategy_source(str(path))
    sleeve = SleeveConfig(spec.id, spec, tuple(symbols), timeframe, cfg.capital, cfg, source)
    return Bot(spec.id, [sleeve], None, tuple(symbols), timeframe)


def _portfolio_bot(path: Path, cfg: BacktestConfig) -> Bot:
    from alphalab.portfolio.backtest import sleeve_strategy
    from alphalab.portfolio.gate import RiskGate
    from alphalab.portfolio.load import load_portfolio

    spec = load_portfolio(path)
    weights = spec.weights()
    tfs = sorted({s.timeframe for s in spec.sleeves})
    if len(tfs) > 1:
        raise ConfigError(f"{path}: sleeves on several timeframes ({', '.join(tfs)})",
                          hint="run one bot per timeframe")
    run_cfg = cfg.model_copy(update={"capital": spec.capital})
    if spec.costs is not None:
        run_cfg = run_cfg.model_copy(update={"fee_bps": spec.costs.fee_bps})
    sleeves = []
    for s in spec.sleeves:
        strat = sleeve_strategy(s)
        sleeves.append(SleeveConfig(s.id, strat, tuple(s.symbols), s.timeframe, spec.capital * weights[s.id],
                                    run_cfg, _strategy_source(s.strategy), dict(s.params)))
    symbols = tuple(sorted({sym for s in spec.sleeves for sym in s.symbols}))
    gate = RiskGate(spec.risk, assets=symbols, sleeves=[s.id for s in spec.sleeves],
                    fee_bps=float(spec.costs.fee_bps) if spec.costs is not None else 0.0)
    return Bot(spec.name, sleeves, gate, symbols, tfs[0])


def paper_run(bot: Bot, *, ledger_url: str, feed: str = "replay", data: BarArrays | None = None,
              speed: float | None = None, until_ns: int | None = None, exchange: Any = None,
              flatten_at_end: bool = False, allow_mismatch: bool = False, clock: Clock | None = None) -> RunReport:
    """Run ``bot`` on paper until the feed ends; return what happened.

    ``feed="replay"`` replays ``data`` (loaded from the catalog or the bundled samples when None) on a
    simulated clock (``speed`` None: as fast as possible; with a speed, on the wall clock);
    ``feed="poll"`` polls ``exchange`` (a ccxt exchange) on the wall clock.
    """
    from alphalab.live.feeds import PollFeed, ReplayFeed

    ledger = Ledger(ledger_url)
    try:
        if feed == "replay":
            if data is None:
                from alphalab.data.loader import load_arrays

                data = load_arrays(list(bot.symbols), bot.timeframe)
            clk = clock or (SimulatedClock(int(data.time[0])) if speed is None else WallClock())
            source: Any = ReplayFeed(data, clk, speed=speed, until_ns=until_ns)
        elif feed == "poll":
            if exchange is None:
                raise ConfigError("the poll feed needs an exchange", hint="pass --exchange binance")
            clk = clock or WallClock()
            source = PollFeed(exchange, bot.symbols, bot.timeframe, clk, until_ns=until_ns)
        else:
            raise ConfigError(f"unknown feed {feed!r}", hint="use replay or poll")
        runtime = Runtime(bot.sleeves, ledger=ledger, clock=clk, feed=source, gate=bot.gate,
                          flatten_at_end=flatten_at_end, allow_mismatch=allow_mismatch)
        return asyncio.run(_run_and_close(runtime, exchange))
    finally:
        ledger.close()


async def _run_and_close(runtime: Runtime, exchange: Any) -> RunReport:
    try:
        return await runtime.run()
    finally:
        close = getattr(exchange, "close", None)  # a ccxt async exchange holds an HTTP session
        if close is not None:
            await close()
