"""``alphalab data``: import, download, list, show, check, resample, delete and list samples."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from alphalab.cli._common import JsonOpt, emit, err_console, table

data_app = typer.Typer(
    name="data",
    help="Market data: import, download, check, resample and browse the catalog.",
    no_args_is_help=True,
)

TfOpt = Annotated[str, typer.Option("--timeframe", "-t", help="Bar length, e.g. 1m 1h 1d.")]
SourceOpt = Annotated[
    str, typer.Option("--source", "-s", help="Catalog source name (exchange id, 'local', ...).")
]


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")


def _mapping(pairs: list[str] | None) -> dict[str, str]:
    from alphalab.core.errors import ConfigError

    out = {}
    for pair in pairs or []:
        field, sep, column = pair.partition("=")
        if not sep:
            raise ConfigError(f"cannot read --map {pair!r}", hint="write FIELD=COLUMN, e.g. --map time=Date")
        out[field.strip()] = column.strip()
    return out


def _print_problems(report: Any) -> None:
    con = err_console()
    for line in report.repairs:
        con.print(f"[cyan]repaired[/]: {line}", highlight=False, markup=True, soft_wrap=True)
    for p in report.errors:
        con.print(f"[red]error[/]: {p.render()}", highlight=False, soft_wrap=True)
    for p in report.warnings:
        con.print(f"[yellow]warning[/]: {p.render()}", highlight=False, soft_wrap=True)


@data_app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="CSV or Parquet file.")],
    symbol: Annotated[str, typer.Option("--symbol", help="Symbol to store the bars under.")],
    timeframe: Annotated[
        str | None, typer.Option("--timeframe", "-t", help="Bar length (inferred when left out).")
    ] = None,
    source: SourceOpt = "local",
    calendar: Annotated[
        str | None, typer.Option("--calendar", help="24/7, 24/5 or XNYS (inferred when left out).")
    ] = None,
    repair: Annotated[
        bool, typer.Option("--repair", help="Sort rows and drop exact duplicates, reporting each change.")
    ] = False,
    mapping: Annotated[
        list[str] | None, typer.Option("--map", help="FIELD=COLUMN, e.g. --map time='Open time'.")
    ] = None,
    allow_nonpositive: Annotated[
        bool, typer.Option("--allow-nonpositive", help="Accept prices <= 0 (spreads, some futures).")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Validate a file and append its bars to the catalog (atomically)."""
    from alphalab.data.catalog import Catalog
    from alphalab.data.readers import read_file
    from alphalab.data.validation import validate

    raw = read_file(path, columns=_mapping(mapping))
    report = validate(
        raw,
        timeframe,
        calendar=calendar,
        mode="repair" if repair else "strict",
        source=str(path),
        allow_nonpositive=allow_nonpositive,
    )
    assert report.frame is not None
    written = Catalog().write(report.frame, source, symbol, report.timeframe)
    payload = {
        "file": str(path),
        "source": source,
        "symbol": symbol,
        "timeframe": report.timeframe,
        "rows_read": report.rows,
        "rows_added": written.rows_added,
        "rows_total": written.rows_after,
        "repairs": report.repairs,
        "warnings": [p.render() for p in report.warnings],
        "path": str(written.path),
    }

    def render() -> None:
        _print_problems(report)
        typer.echo(
            f"imported {report.rows} rows of {path} as {source}:{symbol} {report.timeframe}: {written.rows_added} new, {written.rows_after} in total"
        )

    emit(payload, as_json=as_json, render=render)


@data_app.command("download")
def download_(
    exchange: Annotated[str, typer.Argument(help="CCXT exchange id, e.g. binance.")],
    symbol: Annotated[str, typer.Argument(help="Unified symbol, e.g. BTC/USDT.")],
    timeframe: TfOpt = "1h",
    since: Annotated[str | None, typer.Option("--since", help="Start (UTC), e.g. 2024-01-01.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="End (UTC), default now.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Download bars from an exchange into the catalog, resuming from the last stored bar."""
    from alphalab.data.downloader import download

    result = download(exchange, symbol, timeframe, since=since, until=until, progress=not as_json)
    emit(
        result.to_dict(),
        as_json=as_json,
        render=lambda: typer.echo(
            f"{result.source}:{symbol} {result.timeframe}: {result.bars_fetched} bars fetched in {result.requests} requests "
            f"({result.retries} retries), {result.rows_added} new, {result.rows_total} in total"
        ),
    )


@data_app.command("list")
def list_(as_json: JsonOpt = False) -> None:
    """List the datasets in the catalog."""
    from alphalab.data.catalog import Catalog

    infos = [d.to_dict() for d in Catalog().list()]
    cols = ("source", "symbol", "timeframe", "rows", "start", "end")
    emit(infos, as_json=as_json, render=lambda: table("catalog", cols, [[d[c] for c in cols] for d in infos]))


@data_app.command("show")
def show(
    symbol: Annotated[str, typer.Argument(help="sample:AAPL, source:SYMBOL, SYMBOL or synthetic:gbm?n=100.")],
    timeframe: TfOpt = "1d",
    start: Annotated[str | None, typer.Option("--start")] = None,
    end: Annotated[str | None, typer.Option("--end")] = None,
    rows: Annotated[int, typer.Option("--rows", "-n", help="Rows to print from the end.")] = 10,
    raw: Annotated[bool, typer.Option("--raw", help="Do not adjust for splits and dividends.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Print the last bars of a symbol."""
    from alphalab.cli._validate import check_options
    from alphalab.data.loader import load_bars

    check_options(rows=rows, start=start, end=end)
    frame = load_bars(symbol, timeframe, start, end, adjust=not raw)
    tail = frame.tail(rows)
    records = [
        {"time": t.isoformat(), **{c: float(v) for c, v in r.items()}}
        for t, r in zip(tail.index, tail.to_dict("records"), strict=True)
    ]
    payload = {
        "symbol": symbol,
        "timeframe": timeframe,
        "rows": len(frame),
        "start": frame.index[0].isoformat() if len(frame) else None,
        "end": frame.index[-1].isoformat() if len(frame) else None,
        "bars": records,
    }
    cols = ["time", *tail.columns]
    emit(
        payload,
        as_json=as_json,
        render=lambda: table(
            f"{symbol} {timeframe} ({len(frame)} bars)", cols, [[r[c] for c in cols] for r in records]
        ),
    )


@data_app.command("check")
def check(
    target: Annotated[
        str, typer.Argument(help="A CSV/Parquet file, or a symbol (sample:AAPL, source:SYMBOL).")
    ],
    timeframe: Annotated[
        str | None, typer.Option("--timeframe", "-t", help="Bar length (inferred when left out).")
    ] = None,
    calendar: Annotated[
        str | None, typer.Option("--calendar", help="24/7, 24/5 or XNYS (inferred when left out).")
    ] = None,
    mapping: Annotated[list[str] | None, typer.Option("--map", help="FIELD=COLUMN for files.")] = None,
    allow_nonpositive: Annotated[
        bool, typer.Option("--allow-nonpositive", help="Accept prices <= 0 (spreads, some futures).")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Validate a file or a stored dataset; exit 1 when it has problems (one message per problem)."""
    from alphalab.data.validation import validate

    frame, cal = _check_target(target, timeframe, mapping)
    report = validate(
        frame,
        timeframe,
        calendar=calendar or cal,
        mode="report",
        source=target,
        allow_nonpositive=allow_nonpositive,
    )

    def render() -> None:
        _print_problems(report)
        verdict = "ok" if report.ok else f"{len(report.errors)} problem(s)"
        typer.echo(
            f"{target}: {report.rows} rows, {report.timeframe}, calendar {report.calendar}: {verdict}, {len(report.warnings)} warning(s)"
        )

    emit(report.to_dict(), as_json=as_json, render=render)
    if not report.ok:
        raise typer.Exit(1)


def _check_target(target: str, timeframe: str | None, mapping: list[str] | None) -> tuple[Any, str | None]:
    from alphalab.data.loader import load_bars
    from alphalab.data.readers import read_file

    if Path(target).exists():
        return read_file(target, columns=_mapping(mapping)), None
    if target.lower().startswith("sample:"):
        from alphalab.data.samples import load_sample, sample_info

        return load_sample(target), sample_info(target).calendar
    return load_bars(target, timeframe or "1d", adjust=False), None


@data_app.command("resample")
def resample_(
    symbol: Annotated[str, typer.Argument(help="Dataset symbol (source:SYMBOL or SYMBOL).")],
    to: Annotated[str, typer.Option("--to", help="Target timeframe, e.g. 1h.")],
    timeframe: Annotated[
        str | None, typer.Option("--from", help="Source timeframe (default: the finest stored one).")
    ] = None,
    include_partial: Annotated[
        bool, typer.Option("--include-partial", help="Keep an incomplete last bar.")
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this CSV/Parquet file instead of the catalog.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Resample a dataset to a coarser timeframe and store it in the catalog (or a file)."""
    from alphalab.data.catalog import Catalog
    from alphalab.data.loader import load_bars
    from alphalab.data.resampling import resample

    timeframe = timeframe or _stored_timeframe(symbol, to)
    frame = load_bars(symbol, timeframe, adjust=False)
    bars = resample(frame, to, include_partial, source_timeframe=timeframe)
    if out is not None:
        bars.to_parquet(out) if out.suffix == ".parquet" else bars.to_csv(out)
        target = str(out)
    else:
        source, _, bare = symbol.rpartition(":") if ":" in symbol else ("local", "", symbol)
        target = str(Catalog().write(bars, source, bare, to).path)
    payload = {
        "symbol": symbol,
        "from": timeframe,
        "to": to,
        "rows_in": len(frame),
        "rows_out": len(bars),
        "written": target,
    }
    emit(
        payload,
        as_json=as_json,
        render=lambda: typer.echo(
            f"{len(frame)} {timeframe} bars -> {len(bars)} {to} bars, written to {target}"
        ),
    )


def _stored_timeframe(symbol: str, to: str) -> str:
    """Return the finest timeframe ``symbol`` is stored at that can make ``to`` bars."""
    from alphalab.core.errors import NotFoundError
    from alphalab.core.timeframe import Timeframe
    from alphalab.data.catalog import Catalog
    from alphalab.data.samples import sample_info

    target = Timeframe.parse(to)
    if symbol.lower().startswith("sample:"):
        return sample_info(symbol).timeframe
    source, _, bare = symbol.rpartition(":") if ":" in symbol else ("", "", symbol)
    stored = [Timeframe.parse(d.timeframe) for d in Catalog().find(bare, source=source or None)]
    usable = sorted(tf for tf in stored if tf < target and tf.divides(target))
    if usable:
        return str(usable[0])
    if stored:
        return str(min(stored))  # resample() then names why it cannot make ``to`` bars
    raise NotFoundError(f"no dataset {symbol!r} in the catalog", hint="see `alphalab data list`")


@data_app.command("delete")
def delete(
    symbol: Annotated[str, typer.Argument(help="source:SYMBOL of the dataset.")],
    timeframe: Annotated[
        str | None, typer.Option("--timeframe", "-t", help="One timeframe (default: all).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Delete a dataset from the catalog."""
    from alphalab.core.errors import ConfigError
    from alphalab.data.catalog import Catalog

    source, sep, bare = symbol.partition(":")
    if not sep:
        raise ConfigError(
            f"name the source of {symbol!r}", hint=f"e.g. local:{symbol} (see `alphalab data list`)"
        )
    gone = Catalog().delete(source, bare, timeframe)
    emit(
        {"deleted": [str(p) for p in gone]},
        as_json=as_json,
        render=lambda: typer.echo(f"deleted {len(gone)} file(s)"),
    )


@data_app.command("samples")
def samples_(as_json: JsonOpt = False) -> None:
    """List the real data bundled with AlphaLab (usable offline as sample:SYMBOL)."""
    from alphalab.data.samples import list_samples

    infos = [s.to_dict() for s in list_samples()]
    cols = ("name", "timeframe", "calendar", "description", "licence")
    emit(
        infos,
        as_json=as_json,
        render=lambda: table("bundled samples", cols, [[d[c] for c in cols] for d in infos]),
    )
