"""Run every benchmark module (``benchmarks/bench_*.py``) and print one table.

Usage: ``python benchmarks/run.py [--quick] [--only NAME] [--json OUT]``.
Each module defines ``run(quick: bool) -> list[dict]`` built with ``_harness.row``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load(path: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument(
        "--only", action="append", default=[], help="run only modules whose name contains this"
    )
    parser.add_argument("--json", type=Path, help="also write the rows as JSON to this file")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    rows: list[dict] = []
    for path in sorted(HERE.glob("bench_*.py")):
        if args.only and not any(o in path.stem for o in args.only):
            continue
        print(f"running {path.stem} ...", file=sys.stderr, flush=True)
        rows.extend(_load(path).run(args.quick))
    from rich.console import Console
    from rich.table import Table

    table = Table(title="AlphaLab benchmarks (ratios measured in the same run)")
    for col in ("benchmark", "subject", "throughput", "seconds", "peak MB", "peer", "speed-up vs peer"):
        table.add_column(col)
    for r in rows:
        unit_key = next(k for k in r if k.endswith("_per_s"))
        ratio = r.get("speedup_vs_peer")
        table.add_row(
            r["benchmark"],
            r["subject"],
            f"{r[unit_key]:,.0f} {unit_key[:-6]}/s",
            f"{r['seconds']:.4f}",
            f"{r['peak_mb']:.1f}",
            r.get("peer") or "",
            f"{ratio:.2f}x" if ratio else "",
        )
    Console().print(table)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
