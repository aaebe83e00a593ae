"""``alphalab paper run`` and ``alphalab live status|orders|positions|kill|resume``.

The bot's memory is its ledger (SQLite under the home by default, or ``--db URL``): these commands
read it, and ``kill`` / ``resume`` write the kill switch there, where a running bot sees it at its
next bar (it then cancels its open orders and halts every sleeve until ``resume``).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from alphalab.cli._common import JsonOpt, emit, table

paper_app = typer.Typer(help="Run strategies and portfolios forward in time on the paper broker.",
                        no_args_is_help=True)
live_app = typer.Typer(help="Inspect and control a running or stopped bot: status, orders, kill switch.",
                       no_args_is_help=True)

_Db = Annotated[str | None, typer.Option("--db", help="Ledger URL (default: SQLite under the home, live/ledger.sqlite).")]


def register(app: typer.Typer) -> None:
    app.add_typer(paper_app, name="paper")
    app.add_typer(live_app, name="live")


def _url(db: str | None) -> str:
    if db:
        return db
    from alphalab import paths
    from alphalab.live.ledger import default_url

    return default_url(paths.home())


def _ledger(db: str | None) -> Any:
    from alphalab.live.ledger import Ledger

    return Ledger(_url(db))


def _ns(value: str | None, name: str) -> int | None:
    if value is None:
        return None
    import pandas as pd

    from alphalab.cli._validate import parse_date

    ts = pd.Timestamp(parse_date(name, value))
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return int(ts.value)


@paper_app.command("run")
def run(
    file: Annotated[str, typer.Argument(help="A strategy (file or id), a portfolio file or a best-config mapping.")],
    feed: Annotated[str, typer.Option("--feed", help="replay (stored bars) or poll (ccxt REST).")] = "replay",
    speed: Annotated[float | None, typer.Option("--speed", help="Replay speed (x real time); default: as fast as possible.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Stop before the first bar at or after this date.")] = None,
    symbols: Annotated[str | None, typer.Option("--symbols", help="Comma-separated symbols (for a strategy file).")] = None,
    timeframe: Annotated[str, typer.Option("--timeframe", help="Bar timeframe (for a strategy file).")] = "1d",
    capital: Annotated[float, typer.Option("--capital", help="Starting cash of a strategy run.")] = 100_000.0,
    exchange: Annotated[str | None, typer.Option("--exchange", help="ccxt exchange id for --feed poll.")] = None,
    flatten_at_end: Annotated[bool, typer.Option("--flatten-at-end", help="Close every position on the replay's last bar (as a backtest does).")] = False,
    allow_mismatch: Annotated[bool, typer.Option("--allow-mismatch", help="Trade even when reconciliation finds unexplained positions.")] = False,
    db: _Db = None,
    as_json: JsonOpt = False,
) -> None:
    """Run FILE on paper until the feed ends (a replay's last bar, or --until)."""
    from alphalab.live.bot import load_bot, paper_run

    bot = load_bot(file, symbols=[s.strip() for s in symbols.split(",") if s.strip()] if symbols else None,
                   timeframe=timeframe, capital=capital)
    ex = None
    if feed == "poll":
        from alphalab._optional import require

        ccxt = require("ccxt.async_support", purpose="polling a venue")
        ex = getattr(ccxt, exchange or "binance")()
    report = paper_run(bot, ledger_url=_url(db), feed=feed, speed=speed, until_ns=_ns(until, "--until"),
                       exchange=ex, flatten_at_end=flatten_at_end, allow_mismatch=allow_mismatch)
    payload = {"bot": bot.name, "sleeves": len(bot.sleeves), "rows": report.rows, "warm_rows": report.warm_rows,
               "intents": report.intents, "denied": report.denied, "fills": report.fills,
               "halted_rows": report.halted_rows, "events": report.events}

    def render() -> None:
        table(f"paper run: {bot.name}", ["sleeves", "bars", "intents", "denied", "fills", "halted"],
              [(len(bot.sleeves), report.rows, report.intents, report.denied, report.fills, report.halted_rows)])
        for e in report.events:
            typer.echo(f"{e['kind']}: {', '.join(f'{k}={v}' for k, v in e.items() if k != 'kind')}")

    emit(payload, as_json=as_json, render=render)


@live_app.command("status")
def status(db: _Db = None, as_json: JsonOpt = False) -> None:
    """Show the kill switch, the sleeves (equity, positions, disabled, reloads) and the feed's health."""
    from alphalab.live.manager import KILL_KEY
    from alphalab.live.runtime import LAST_KEY, STATUS_KEY

    ledger = _ledger(db)
    try:
        st = ledger.get_state(STATUS_KEY, {}) or {}
        book = ledger.load_book()
        payload = {"kill_switch": ledger.get_state(KILL_KEY, {"active": False}),
                   "last_bar_ns": ledger.get_state(LAST_KEY), "orders": len(book.orders),
                   "open_orders": len(book.open_orders()), "sleeves": st.get("sleeves", []),
                   "feed": st.get("feed", {}), "events": st.get("events", [])}
    finally:
        ledger.close()

    def render() -> None:
        ks = payload["kill_switch"]
        typer.echo(f"kill switch: {'ON (' + str(ks.get('reason', '')) + ')' if ks.get('active') else 'off'}; "
                   f"orders {payload['orders']} ({payload['open_orders']} open)")
        table("sleeves", ["id", "strategy", "symbols", "equity", "positions", "state"],
              [(s["id"], s["strategy"], ",".join(s["symbols"]), f"{s['equity']:.2f}",
                ", ".join(f"{k} {v:g}" for k, v in s["positions"].items()) or "-",
                s["disabled"] or ("reload rejected" if s["reload_errors"] else "running"))
               for s in payload["sleeves"]])

    emit(payload, as_json=as_json, render=render)


@live_app.command("orders")
def orders(db: _Db = None, open_only: Annotated[bool, typer.Option("--open", help="Only open orders.")] = False,
           as_json: JsonOpt = False) -> None:
    """List the orders in the ledger with their current state."""
    ledger = _ledger(db)
    try:
        book = ledger.load_book()
    finally:
        ledger.close()
    recs = book.open_orders() if open_only else list(book.orders.values())
    rows = [{"client_id": r.intent.client_id, "strategy": r.intent.strategy, "symbol": r.intent.symbol,
             "side": r.intent.side, "quantity": r.intent.quantity, "status": r.status.value,
             "filled": r.filled_qty, "avg_price": r.avg_price, "reason": r.intent.reason,
             "verdict": r.intent.verdict, "bar_time_ns": r.intent.bar_time_ns} for r in recs]
    emit({"orders": rows}, as_json=as_json, render=lambda: table(
        "orders", ["client id", "strategy", "symbol", "side", "status", "filled", "price", "reason"],
        [(o["client_id"], o["strategy"], o["symbol"], o["side"], o["status"], f"{o['filled']:g}",
          f"{o['avg_price']:.4f}", o["reason"]) for o in rows]))


@live_app.command("positions")
def positions(db: _Db = None, as_json: JsonOpt = False) -> None:
    """Show the positions the ledger's fills add up to, per symbol (and per sleeve)."""
    ledger = _ledger(db)
    try:
        book = ledger.load_book()
    finally:
        ledger.close()
    total: dict[str, float] = {}
    by_sleeve: dict[str, dict[str, float]] = {}
    for r in book.orders.values():
        q = (1.0 if r.intent.side == "buy" else -1.0) * r.filled_qty
        if q == 0.0:
            continue
        sleeve = r.intent.strategy.split("/")[0]
        total[r.intent.symbol] = total.get(r.intent.symbol, 0.0) + q
        by_sleeve.setdefault(sleeve, {})[r.intent.symbol] = by_sleeve.get(sleeve, {}).get(r.intent.symbol, 0.0) + q
    total = {k: v for k, v in total.items() if abs(v) > 1e-9}
    by_sleeve = {s: {k: v for k, v in p.items() if abs(v) > 1e-9} for s, p in by_sleeve.items()}
    emit({"positions": total, "by_sleeve": {k: v for k, v in by_sleeve.items() if v}}, as_json=as_json,
         render=lambda: table("positions", ["symbol", "quantity"], [(k, f"{v:g}") for k, v in sorted(total.items())]))


@live_app.command("kill")
def kill(db: _Db = None, reason: Annotated[str, typer.Option("--reason", help="Why (kept in the ledger).")] = "manual",
         flatten: Annotated[bool, typer.Option("--flatten", help="Also ask the bot to close its positions.")] = False,
         as_json: JsonOpt = False) -> None:
    """Turn the kill switch on: the bot cancels its open orders and halts until `alphalab live resume`."""
    import time

    from alphalab.live.manager import KILL_KEY

    ledger = _ledger(db)
    try:
        now = time.time_ns()
        ledger.set_state(KILL_KEY, {"active": True, "reason": reason, "at_ns": now, "flatten": flatten}, now)
        payload = ledger.get_state(KILL_KEY)
    finally:
        ledger.close()
    emit({"kill_switch": payload}, as_json=as_json, render=lambda: typer.echo(f"kill switch ON ({reason})"))


@live_app.command("resume")
def resume(db: _Db = None, as_json: JsonOpt = False) -> None:
    """Lift the kill switch."""
    import time

    from alphalab.live.manager import KILL_KEY

    ledger = _ledger(db)
    try:
        ledger.set_state(KILL_KEY, {"active": False}, time.time_ns())
        payload = ledger.get_state(KILL_KEY)
    finally:
        ledger.close()
    emit({"kill_switch": payload}, as_json=as_json, render=lambda: typer.echo("kill switch off"))


@live_app.command("divergence")
def divergence_cmd(db: _Db = None,
                   closed_out: Annotated[bool, typer.Option("--closed-out", help="The run closed out at its end (--flatten-at-end).")] = False,
                   as_json: JsonOpt = False) -> None:
    """Compare every paper fill with the backtest model's fill on the same bars (missed and extra trades too)."""
    from alphalab.live.divergence import divergence

    ledger = _ledger(db)
    try:
        report = divergence(ledger, closed_out=closed_out)
    finally:
        ledger.close()
    payload = report.to_dict()

    def render() -> None:
        s = report.summary
        table("paper vs backtest", ["matched", "missed", "extra", "max price diff", "max qty diff", "latency ms"],
              [(s["matched"], s["missed"], s["extra"], f"{s['max_price_diff']:.2e}", f"{s['max_quantity_diff']:.2e}",
                "-" if s["decision_latency_ms_median"] is None else f"{s['decision_latency_ms_median']:.3f}")])
        odd = [f for f in report.fills if f.kind != "matched"]
        if odd:
            table("missed and extra fills", ["sleeve", "kind", "time", "symbol", "side"],
                  [(f.sleeve, f.kind, f.t_ns, f.symbol, f.side) for f in odd[:50]])

    emit(payload, as_json=as_json, render=render)
