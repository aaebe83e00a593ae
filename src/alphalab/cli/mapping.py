"""``alphalab mapping export | run | validate``: best-config mappings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from alphalab.cli._common import JsonOpt, emit, fmt_metric, table
from alphalab.cli._validate import check_mapping, check_options, require_some_success

Out = Annotated[Path | None, typer.Option("--out", help="Folder for the run's tables and report.")]

NOT_USED_YET = (
    "risk_model and data_range are recorded for reference but not read by any command yet "
    "(mapping run uses each strategy's own sizing, exits and costs and all of its data); "
    "they will drive paper and live trading, which do not exist yet"
)


def register(app: typer.Typer) -> None:
    mapping_app = typer.Typer(help="Best-config mappings: export, run, validate.", no_args_is_help=True)
    mapping_app.command("export", help="Build a mapping from a fitness table (or 'latest').")(mapping_export)
    mapping_app.command("run", help="Re-run the configurations of a mapping file.")(mapping_run)
    mapping_app.command("validate", help="Check a mapping file against the schema.")(mapping_validate)
    app.add_typer(mapping_app, name="mapping")


def _fitness_file(ref: str) -> Path:
    """``latest``, a fitness run folder, or a fitness.csv/.json file."""
    from alphalab.core.errors import NotFoundError
    from alphalab.runs import resolve

    path = resolve(ref, "fitness")
    if path.is_dir():
        path = path / "fitness.json"
    if not path.exists():
        raise NotFoundError(f"fitness table {path} does not exist",
                            hint="run `alphalab fitness` first, then pass `latest` or the 'table' path it printed")
    return path


def mapping_export(
    fitness_file: Annotated[str, typer.Argument(
        help="fitness.json / fitness.csv from `alphalab fitness`, its run folder, or 'latest'.")],
    out: Annotated[Path, typer.Option("--out", help="Mapping file to write.")] = Path("mapping.json"),
    min_trades: Annotated[int, typer.Option("--min-trades")] = 0,
    min_expectancy: Annotated[float | None, typer.Option("--min-expectancy")] = None,
    max_drawdown: Annotated[float | None, typer.Option("--max-drawdown")] = None,
    min_stability: Annotated[float | None, typer.Option("--min-stability")] = None,
    top_k: Annotated[int, typer.Option("--top-k")] = 1,
    as_json: JsonOpt = False,
) -> None:
    """Build a mapping from a fitness table."""
    from alphalab.core.errors import ResearchError
    from alphalab.research.engine_eval import EngineEvaluator
    from alphalab.research.fitness import read_fitness_table
    from alphalab.research.mapping import DataRange, SelectionRules, export_mapping

    check_options(min_trades=min_trades, top_k=top_k, max_drawdown=max_drawdown, min_stability=min_stability)
    path = _fitness_file(fitness_file)
    tbl = read_fitness_table(path)
    ev = EngineEvaluator()

    def data_range(symbol: str, tf: str) -> DataRange:
        idx = ev.bars(symbol, tf).index
        return DataRange(start=idx[0].to_pydatetime(), end=idx[-1].to_pydatetime(), bars=len(idx))

    rules = SelectionRules(min_trades=min_trades, min_expectancy=min_expectancy, max_drawdown=max_drawdown,
                           min_stability=min_stability, top_k=top_k)
    mapping = export_mapping(tbl, rules, data_range=data_range, source=str(path))
    if not mapping.entries:
        raise ResearchError(f"no cell of {path} passes the selection rules (of {len(tbl)} cells)",
                            hint="loosen --min-trades / --max-drawdown / --min-stability")
    written = mapping.save(out)
    emit({"mapping": str(written), "entries": len(mapping.entries)}, as_json=as_json,
         render=lambda: typer.echo(f"wrote {len(mapping.entries)} entries to {written}"))


def mapping_run(
    file: Annotated[Path, typer.Argument(help="Mapping file.")],
    router: Annotated[bool, typer.Option(
        "--router", help="Run each asset and timeframe through the regime router (regime entries).")] = False,
    on_switch: Annotated[str, typer.Option("--on-switch", help="Router: close or keep at a regime switch.")] = "close",
    regimes: Annotated[str | None, typer.Option(
        "--regimes", help="Detector method (rule or hmm); default: the mapping's detector, else rule.")] = None,
    out: Out = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-run the configurations of a mapping file (or route them by regime with --router)."""
    from alphalab.research.mapping import load_mapping
    from alphalab.research.report import write_html
    from alphalab.runs import new_run_dir

    mapping = load_mapping(file)
    if router:
        rows, agg = _run_routed(mapping, on_switch, regimes)
    else:
        from alphalab.research.engine_eval import EngineEvaluator
        from alphalab.research.mapping import run_mapping

        detector = {"method": regimes} if regimes else mapping.detector
        rows, agg = run_mapping(mapping, EngineEvaluator(detector=detector))
    d = new_run_dir("mapping", file.stem, out)
    rows.to_csv(d / "mapping_run.csv", index=False)
    require_some_success(rows, "mapping entries", written=str(d / "mapping_run.csv"))
    report = write_html(d / "report.html", f"Mapping run of {file.name}", {"aggregate": agg})
    payload = {"run": str(d), "entries": rows.to_dict("records"), "aggregate": agg, "report": str(report)}

    def render() -> None:
        cols = [c for c in ("asset", "timeframe", "regime", "strategy_id", "routes", "status", "sharpe",
                            "max_drawdown", "trades", "reason") if c in rows]
        cells = [[fmt_metric(c, v) for c, v in zip(cols, r, strict=True)] for r in rows[cols].itertuples(index=False)]
        table("mapping run", cols, cells)
        typer.echo(f"report: {report}")

    emit(payload, as_json=as_json, render=render)


def _run_routed(mapping: Any, on_switch: str, regimes: str | None) -> tuple[Any, dict[str, float]]:
    from alphalab.core.errors import ConfigError
    from alphalab.research.routing import run_mapping_routed

    if on_switch not in ("close", "keep"):
        raise ConfigError(f"--on-switch {on_switch!r}: choose close or keep")
    rows, _ = run_mapping_routed(mapping, on_switch=on_switch, detector=regimes)  # type: ignore[arg-type]
    ok = rows[rows["status"] == "ok"] if len(rows) else rows
    agg = {"runs": float(len(rows)), "ok": float(len(ok))}
    for k in ("sharpe", "max_drawdown", "trades"):
        if k in ok and len(ok):
            agg[f"mean_{k}"] = float(ok[k].mean())
    return rows, agg


def mapping_validate(
    file: Annotated[Path, typer.Argument(help="Mapping file.")],
    as_json: JsonOpt = False,
) -> None:
    """Check a mapping file against the schema (and say which recorded fields nothing reads yet)."""
    from alphalab.research.mapping import load_mapping

    mapping = load_mapping(file)  # raises ValidationError with path-precise problems
    check_mapping(mapping, str(file))
    notes = [NOT_USED_YET]
    payload = {"valid": True, "entries": len(mapping.entries), "schema_version": mapping.schema_version,
               "notes": notes}

    def render() -> None:
        typer.echo(f"{file}: valid ({len(mapping.entries)} entries, schema {mapping.schema_version})")
        for n in notes:
            typer.echo(f"note: {n}")

    emit(payload, as_json=as_json, render=render)
