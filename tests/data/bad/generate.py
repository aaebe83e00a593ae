"""Write the bad-input corpus: files under ``cases/`` and ``manifest.json`` (run: python generate.py).

Each manifest entry is one CLI invocation that must be refused: ``args`` (``{dir}`` stands for the
``cases/`` folder), the ``culprit`` text the error must contain (a file name, a row and column, an
option), and the ``kind`` of bad input. The corpus test (tests/integration/test_bad_input_corpus.py)
runs every entry against a home whose catalog already holds ``local:X 1d`` and checks: non-zero
exit, no traceback, no "unexpected", the culprit named, the stored data unchanged.

The output is deterministic (no clock, no randomness without a seed), so the test can check that
the committed files are what this script writes.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import shutil
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
HEADER = "time,open,high,low,close,volume"
N_ROWS = 30
IMPORT = ["data", "import", "--symbol", "X", "--source", "local", "-t", "1d", "--calendar", "24/7"]


def good_rows(n: int = N_ROWS) -> list[list[str]]:
    """Daily bars from 2024-01-01 (a 24/7 calendar): consistent, positive, gently rising."""
    rows = []
    for i in range(n):
        close = 100.0 + i
        rows.append([f"2024-01-{i + 1:02d}" if i < 31 else f"2024-02-{i - 30:02d}",
                     f"{close - 0.5:g}", f"{close + 1:g}", f"{close - 1.5:g}", f"{close:g}", "1000"])
    return rows


def csv_text(rows: list[list[str]], header: str = HEADER) -> str:
    return header + "\n" + "".join(",".join(r) + "\n" for r in rows)


class Corpus:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.cases: list[dict[str, Any]] = []

    def file(self, name: str, content: str | bytes) -> str:
        path = self.root / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        return name

    def add(self, case_id: str, kind: str, args: list[str], culprit: str) -> None:
        self.cases.append({"id": case_id, "kind": kind, "args": args, "culprit": culprit})

    def data_file(self, case_id: str, kind: str, name: str, content: str | bytes, culprit: str,
                  *, check: bool = True) -> None:
        """One bad file, refused by `data import` (and by `data check` when ``check``)."""
        self.file(name, content)
        self.add(f"import-{case_id}", kind, [*IMPORT, "{dir}/" + name], culprit)
        if check:
            self.add(f"check-{case_id}", kind, ["data", "check", "{dir}/" + name, "-t", "1d",
                                                "--calendar", "24/7"], culprit)


def impossible_values(c: Corpus) -> None:
    values = {"neg": "-1", "zero": "0", "negsmall": "-0.5", "huge": "1e308", "e13": "1e13", "inf": "inf"}
    for column in ("open", "high", "low", "close"):
        col = HEADER.split(",").index(column)
        for label, value in values.items():
            for row in (1, 14, N_ROWS):
                rows = good_rows()
                rows[row - 1][col] = value
                c.data_file(f"{column}-{label}-r{row}", "impossible price", f"price_{column}_{label}_{row}.csv",
                            csv_text(rows), f"row {row}, column {column}")
    for label, value in {"neg": "-5", "huge": "1e25", "inf": "inf"}.items():
        for row in (1, 14, N_ROWS):
            rows = good_rows()
            rows[row - 1][5] = value
            c.data_file(f"volume-{label}-r{row}", "impossible volume", f"volume_{label}_{row}.csv",
                        csv_text(rows), f"row {row}, column volume")
    for row in (2, 20):
        rows = good_rows()
        rows[row - 1][2] = "95"  # high below open, close and low
        c.data_file(f"high-below-low-r{row}", "inconsistent bar", f"inconsistent_{row}.csv", csv_text(rows),
                    f"row {row}, column high")
        rows = good_rows()
        rows[row - 1][4] = "oops"
        c.data_file(f"text-close-r{row}", "unreadable value", f"text_close_{row}.csv", csv_text(rows),
                    f"row {row}, column close")
        rows = good_rows()
        rows[row - 1][4] = ""
        c.data_file(f"empty-close-r{row}", "missing value", f"empty_close_{row}.csv", csv_text(rows),
                    f"row {row}, column close")


def ambiguous_columns(c: Corpus) -> None:
    headers = {
        "close-twice": ("time,open,high,low,close,close,volume", "'close' appears twice"),
        "Close-close": ("time,open,high,low,Close,close,volume", "appears twice"),
        "open-twice": ("time,open,open,high,low,close,volume", "'open' appears twice"),
        "high-High": ("time,open,high,High,low,close,volume", "appears twice"),
        "time-twice": ("time,time,open,high,low,close,volume", "'time' appears twice"),
        "volume-twice": ("time,open,high,low,close,volume,volume", "'volume' appears twice"),
    }
    for case_id, (header, culprit) in headers.items():
        n = header.count(",") + 1
        rows = [[r[0], *(["100"] * (n - 1))] for r in good_rows()]
        c.data_file(case_id, "ambiguous column", f"columns_{case_id}.csv", csv_text(rows, header), culprit)
    rows = [r[:4] + r[5:] for r in good_rows()]
    c.data_file("no-close", "missing column", "no_close.csv", csv_text(rows, "time,open,high,low,volume"),
                "cannot find column(s) close")
    rows = [r[1:] for r in good_rows()]
    c.data_file("no-time", "missing column", "no_time.csv", csv_text(rows, "open,high,low,close,volume"),
                "cannot find column(s) time")


def foreign_files(c: Corpus) -> None:
    good = csv_text(good_rows())
    gz = gzip.compress(good.encode() * 40, mtime=0)
    files: dict[str, tuple[str, bytes, str]] = {
        "utf16": ("utf16.csv", good.encode("utf-16"), "UTF-16"),
        "utf16be": ("utf16be.csv", codecs.BOM_UTF16_BE + good.encode("utf-16-be"), "UTF-16"),
        "latin1": ("latin1.csv", good.replace("time", "t\xefme").encode("latin-1"), "not UTF-8"),
        "cp1252": ("cp1252.csv", (HEADER + ",note\n" + "2024-01-01,1,2,0.5,1.5,3,\u201cq\u201d\n").encode("cp1252"),
                   "not UTF-8"),
        "png": ("chart.png.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "PNG image"),
        "xlsx": ("book.xlsx", b"PK\x03\x04" + b"\x14\x00" * 40, "xlsx"),
        "xlsx-renamed": ("book_renamed.csv", b"PK\x03\x04" + b"\x14\x00" * 40, "xlsx"),
        "ole": ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "Excel"),
        "pdf": ("report.csv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        "nul": ("binary.csv", b"time,open\x00\x01\x02\x03" * 16, "binary file"),
        "fake-gz": ("plain.csv.gz", good.encode(), "not gzip-compressed"),
        "cut-gz": ("cut.csv.gz", gz[: len(gz) // 2], "truncated or corrupt"),
        "garbage-parquet": ("garbage.parquet", b"PAR1" + b"\x07" * 200, "not a readable Parquet file"),
        "text-parquet": ("text.parquet", good.encode(), "not a readable Parquet file"),
        "empty": ("empty.csv", b"", "the file is empty"),
        "blank-lines": ("blank.csv", b"\n\n\n", "the file is empty"),
        "header-only": ("header_only.csv", (HEADER + "\n").encode(), "no data rows"),
        "header-only-gz": ("header_only.csv.gz", gzip.compress((HEADER + "\n").encode(), mtime=0), "no data rows"),
        "ragged": ("ragged.csv", (HEADER + "\n2024-01-01,1,2,0.5,1.5,3\n2024-01-02,1,2,0.5,1.5,3,9,9,9\n").encode(),
                   "cannot be parsed as CSV"),
    }
    for case_id, (name, content, culprit) in files.items():
        c.data_file(case_id, "foreign or broken file", name, content, culprit)
    (c.root / "a_directory.csv").mkdir(exist_ok=True)
    (c.root / "a_directory.csv" / ".keep").write_text("")
    c.add("import-directory", "directory for a file", [*IMPORT, "{dir}/a_directory.csv"], "is a directory")
    c.add("check-directory", "directory for a file", ["data", "check", "{dir}/a_directory.csv"], "is a directory")
    c.add("import-missing", "missing file", [*IMPORT, "{dir}/does_not_exist.csv"], "does_not_exist.csv")
    real_parquet(c)


def real_parquet(c: Corpus) -> None:
    import pandas as pd

    rows = good_rows()
    frame = pd.DataFrame(rows, columns=HEADER.split(","))
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    for col in ("open", "high", "low", "close", "volume"):
        frame[col] = frame[col].astype(float)
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    data = buf.getvalue()
    c.data_file("cut-parquet", "foreign or broken file", "cut.parquet", data[: len(data) // 2],
                "not a readable Parquet file")
    bad = frame.copy()
    bad.loc[6, "close"] = -3.0
    buf = io.BytesIO()
    bad.to_parquet(buf, index=False)
    c.data_file("parquet-negative", "impossible price", "negative.parquet", buf.getvalue(), "row 7, column close")


def bad_times(c: Corpus) -> None:
    def with_times(times: list[str]) -> str:
        rows = good_rows(len(times))
        for r, t in zip(rows, times, strict=True):
            r[0] = t
        return csv_text(rows)

    days = [r[0] for r in good_rows()]
    cases = {
        "year-1600": ([d.replace("2024", "1600") for d in days], "row 1: '1600-01-01' is outside the years"),
        "year-2300": ([d.replace("2024", "2300") for d in days], "row 1: '2300-01-01' is outside the years"),
        "year-3000": ([d.replace("2024", "3000") for d in days], "row 1: '3000-01-01' is outside the years"),
        "one-row-1600": ([*days[:9], "1600-01-10", *days[10:]], "row 10: '1600-01-10'"),
        "epoch-3000": ([str(32503680000 + 86400 * i) for i in range(N_ROWS)], "row 1: epoch value"),
        "epoch-ms-overflow": ([str(10**19 + i) for i in range(N_ROWS)], "row 1: epoch value"),
        "excel-serial": ([str(45292 + i) for i in range(N_ROWS)], "Excel serial day number"),
        "zone-mix": ([*days[:4], days[4] + "T00:00:00+02:00", *days[5:]], "row 5"),
        "zone-mix-first": ([days[0] + "T00:00:00Z", *days[1:]], "row 2"),
        "unsorted": ([*days[:5], days[6], days[5], *days[7:]], "row 7, column time"),
        "duplicate-time": ([*days[:5], days[4], *days[6:]], "row 6, column time"),
        "not-a-date": ([*days[:3], "not-a-date", *days[4:]], "row 4, column time"),
        "missing-time": ([*days[:3], "", *days[4:]], "row 4, column time"),
    }
    for case_id, (times, culprit) in cases.items():
        c.data_file(case_id, "impossible timestamp", f"time_{case_id}.csv", with_times(times), culprit)


SDL_OK: dict[str, Any] = {
    "id": "bad_case", "name": "Bad case",
    "indicators": {"ma": {"type": "sma", "params": {"period": 10}}},
    "entry": {"long": {"cross_above": {"left": "close", "right": "ma"}}},
}


def documents(c: Corpus) -> None:
    inner = json.dumps(SDL_OK["entry"]["long"])
    deep = '{"not":' * 3000 + inner + "}" * 3000
    mid = '{"not":' * 400 + inner + "}" * 400
    sdl: dict[str, tuple[bytes, str]] = {
        "malformed": (b'{"id": "x", "name": ', "malformed JSON"),
        "array": (b"[1, 2, 3]", "must be a JSON object"),
        "unknown-field": (json.dumps({**SDL_OK, "colour": "red"}).encode(), "colour"),
        "unknown-indicator": (json.dumps({**SDL_OK, "indicators": {"ma": {"type": "nosuch", "params": {}}}}).encode(),
                              "nosuch"),
        "deep-3000": (('{"id":"deep","name":"Deep","indicators":{"ma":{"type":"sma","params":{"period":10}}},'
                       '"entry":{"long":' + deep + "}}").encode(), "nested too deeply"),
        "deep-400": (('{"id":"deep","name":"Deep","indicators":{"ma":{"type":"sma","params":{"period":10}}},'
                      '"entry":{"long":' + mid + "}}").encode(), "entry.long"),
        "latin1": (json.dumps({**SDL_OK, "name": "Caf\xe9"}, ensure_ascii=False).encode("latin-1"), "not UTF-8"),
        "binary": (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8"),
        "empty": (b"", "malformed JSON"),
    }
    for case_id, (content, culprit) in sdl.items():
        name = c.file(f"sdl_{case_id}.json", content)
        c.add(f"sdl-validate-{case_id}", "bad SDL", ["sdl", "validate", "{dir}/" + name], culprit)
        c.add(f"sdl-backtest-{case_id}", "bad SDL",
              ["backtest", "-S", "{dir}/" + name, "--symbol", "sample:AAPL"], culprit)
    mapping: dict[str, tuple[bytes, str]] = {
        "malformed": (b'{"entries": [', "not valid JSON"),
        "array": (b"[]", "a mapping is a JSON object"),
        "latin1": ('{"entries": [], "note": "d\xe9j\xe0"}'.encode("latin-1"), "not UTF-8"),
        "entry-missing-fields": (json.dumps({"schema_version": "1.0", "entries": [{"asset": "sample:AAPL"}]}).encode(),
                                 "entries"),
        "wrong-types": (json.dumps({"schema_version": "1.0", "entries": "all"}).encode(), "entries"),
    }
    for case_id, (content, culprit) in mapping.items():
        name = c.file(f"mapping_{case_id}.json", content)
        c.add(f"mapping-validate-{case_id}", "bad mapping", ["mapping", "validate", "{dir}/" + name], culprit)
        c.add(f"mapping-run-{case_id}", "bad mapping", ["mapping", "run", "{dir}/" + name], culprit)
    routing: dict[str, tuple[bytes, str]] = {
        "malformed": (b'{"entries": {', "not valid JSON"),
        "latin1": ('{"entries": {}, "n": "\xe9"}'.encode("latin-1"), "not UTF-8"),
        "unknown-regime": (json.dumps({"entries": {"sideways-ish": {"strategy": "ema_cross"}}}).encode(),
                           "sideways-ish"),
        "array": (b"[1]", "routing table"),
    }
    for case_id, (content, culprit) in routing.items():
        name = c.file(f"routing_{case_id}.json", content)
        c.add(f"router-{case_id}", "bad routing table",
              ["backtest", "--router", "{dir}/" + name, "--symbol", "sample:AAPL"], culprit)
    fitness_tables(c)
    c.add("sdl-directory", "directory for a file", ["sdl", "validate", "{dir}/a_directory.csv"], "a_directory.csv")
    for case_id, command in (("mapping-validate", ["mapping", "validate"]), ("mapping-run", ["mapping", "run"]),
                             ("backtest-strategy", ["backtest", "--symbol", "sample:AAPL", "-S"]),
                             ("router", ["backtest", "--symbol", "sample:AAPL", "--router"])):
        c.add(f"{case_id}-directory", "directory for a file", [*command, "{dir}/a_directory.csv"], "a_directory.csv")


def fitness_tables(c: Corpus) -> None:
    tables: dict[str, tuple[str, bytes, str]] = {
        "empty-csv": ("fitness_empty.csv", b"", "fitness_empty.csv"),
        "header-only": ("fitness_header.csv", b"strategy,symbol,timeframe,params,sharpe\n", "fitness_header.csv"),
        "all-skipped": ("fitness_skipped.csv", b"strategy,symbol,timeframe,params,status,reason\n"
                        b"ema_cross,sample:AAPL,1d,{},skipped,timeout\n", "every cell"),
        "wrong-columns": ("fitness_cols.csv", b"a,b,c\n1,2,3\n", "fitness_cols.csv"),
        "garbage-json": ("fitness_garbage.json", b"{not json", "fitness_garbage.json"),
        "json-strings": ("fitness_strings.json", b'["a", "b"]', "fitness_strings.json"),
        "binary": ("fitness_binary.csv", b"\x89PNG\r\n\x1a\n\x00\x00\xff", "fitness_binary.csv"),
        "latin1": ("fitness_latin1.csv", "strat\xe9gie,symbol\n1,2\n".encode("latin-1"), "fitness_latin1.csv"),
    }
    for case_id, (name, content, culprit) in tables.items():
        c.file(name, content)
        c.add(f"mapping-export-{case_id}", "bad fitness table",
              ["mapping", "export", "{dir}/" + name, "--out", "{tmp}/never_written.json"], culprit)
    c.add("mapping-export-directory", "directory for a file",
          ["mapping", "export", "{dir}/a_directory.csv", "--out", "{tmp}/never_written.json"], "a_directory.csv")


def arguments(c: Corpus) -> None:
    bt = ["backtest", "-S", "ema_cross", "--symbol", "sample:AAPL"]
    options: dict[str, tuple[list[str], list[str], str]] = {
        "capital-0": (bt, ["--capital", "0"], "--capital"),
        "capital-neg": (bt, ["--capital", "-5"], "--capital"),
        "capital-nan": (bt, ["--capital", "nan"], "--capital"),
        "capital-inf": (bt, ["--capital", "inf"], "--capital"),
        "capital-huge": (bt, ["--capital", "1e300"], "--capital"),
        "fee-neg": (bt, ["--fee-bps", "-1"], "--fee-bps"),
        "fee-huge": (bt, ["--fee-bps", "1e6"], "--fee-bps"),
        "fee-nan": (bt, ["--fee-bps", "nan"], "--fee-bps"),
        "slippage-neg": (bt, ["--slippage-bps", "-0.5"], "--slippage-bps"),
        "slippage-huge": (bt, ["--slippage-bps", "5000"], "--slippage-bps"),
        "start-garbage": (bt, ["--start", "not-a-date"], "--start 'not-a-date'"),
        "start-month-13": (bt, ["--start", "2020-13-45"], "--start '2020-13-45'"),
        "start-1600": (bt, ["--start", "1600-01-01"], "--start '1600-01-01'"),
        "end-garbage": (bt, ["--end", "yesterday-ish"], "--end 'yesterday-ish'"),
        "start-after-end": (bt, ["--start", "2012-01-01", "--end", "2010-01-01"], "is not before --end"),
        "start-equals-end": (bt, ["--start", "2010-01-01", "--end", "2010-01-01"], "is not before --end"),
        "window-after-data": (bt, ["--start", "2030-01-01"], "no 1d bars in the window"),
        "window-before-data": (bt, ["--end", "1990-01-01"], "no 1d bars in the window"),
        "fill-unknown": (bt, ["--fill", "whenever"], "--fill"),
        "param-form": (bt, ["--param", "fast"], "--param 'fast'"),
        "symbol-unknown": (["backtest", "-S", "ema_cross"], ["--symbol", "nosuch:ZZZ"], "nosuch:ZZZ"),
        "strategy-unknown": (["backtest", "--symbol", "sample:AAPL"], ["-S", "no_such_strategy"], "no_such_strategy"),
        "regimes-unknown": (bt, ["--regimes", "astrology"], "--regimes 'astrology'"),
    }
    opt = ["optimize", "ema_cross", "--symbol", "sample:AAPL"]
    wf = ["walkforward", "ema_cross", "--symbol", "sample:AAPL"]
    mc = ["montecarlo", "ema_cross", "--symbol", "sample:AAPL"]
    la = ["lookahead", "-S", "ema_cross", "--symbol", "sample:AAPL"]
    fit = ["fitness", "--strategy", "ema_cross", "--symbol", "sample:AAPL"]
    for flag, values in {"--trials": ["-1", "0"], "--workers": ["0", "-3", "5000"], "--seed": ["-1"]}.items():
        for v in values:
            options[f"optimize{flag}{v}"] = (opt, [flag, v], flag)
            if flag != "--seed":
                options[f"walkforward{flag}{v}"] = (wf, [flag, v], flag)
    for flag, values in {"--step": ["0", "-5"], "--train": ["0", "1"], "--test": ["0"], "--purge": ["-1"],
                         "--embargo": ["-2"]}.items():
        for v in values:
            options[f"walkforward{flag}{v}"] = (wf, [flag, v], flag)
    for flag, values in {"--sims": ["0", "-10"], "--block": ["0"], "--ruin": ["0", "1.5", "-0.1", "nan"],
                         "--seed": ["-3"]}.items():
        for v in values:
            options[f"montecarlo{flag}{v}"] = (mc, [flag, v], flag)
    options["montecarlo-on"] = (mc, ["--on", "dreams"], "--on 'dreams'")
    for v in ("0", "-2"):
        options[f"lookahead--cuts{v}"] = (la, ["--cuts", v], "--cuts")
    for flag, values in {"--timeout": ["0", "-1", "nan"], "--workers": ["0"]}.items():
        for v in values:
            options[f"fitness{flag}{v}"] = (fit, [flag, v], flag)
    options["data-show-rows"] = (["data", "show", "sample:AAPL"], ["--rows", "-1"], "--rows")
    options["data-show-start"] = (["data", "show", "sample:AAPL"], ["--start", "soon"], "--start 'soon'")
    for command in ("fit", "label"):
        extra = ["--out", "{tmp}/labels.csv"] if command == "label" else []
        base = ["regimes", command, "--symbol", "sample:AAPL", "--method", "rule", *extra]
        options[f"regimes-{command}-start"] = (base, ["--start", "31/31/2020"], "--start '31/31/2020'")
        options[f"regimes-{command}-order"] = (base, ["--start", "2012-01-01", "--end", "2011-01-01"],
                                               "is not before --end")
    for case_id, (base, extra, culprit) in options.items():
        c.add(f"arg-{case_id}", "bad argument", [*base, *extra], culprit)
    for name, command in (("list", ["data", "list"]), ("import", [*IMPORT, "{dir}/good.csv"]),
                          ("backtest", ["backtest", "-S", "ema_cross", "--symbol", "sample:AAPL"])):
        c.add(f"home-is-a-file-{name}", "bad home", ["--home", "{dir}/good.csv", *command], "is a file")
        c.add(f"home-under-a-file-{name}", "bad home", ["--home", "{dir}/good.csv/home", *command],
              "a folder on its path is a file")
    export = ["mapping", "export", "{dir}/fitness_ok.csv", "--out", "{tmp}/never_written.json"]
    c.file("fitness_ok.csv", "strategy,symbol,timeframe,params,status,sharpe,trades\nema_cross,sample:AAPL,1d,{},ok,1.0,10\n")
    for flag, v in (("--top-k", "0"), ("--max-drawdown", "2"), ("--min-trades", "-1"), ("--min-stability", "5")):
        c.add(f"arg-mapping-export{flag}{v}", "bad argument", [*export, flag, v], flag)


def build(root: Path) -> list[dict[str, Any]]:
    """Write the corpus into ``root/cases`` and return the manifest entries."""
    cases_dir = root / "cases"
    if cases_dir.exists():
        shutil.rmtree(cases_dir)
    cases_dir.mkdir(parents=True)
    c = Corpus(cases_dir)
    impossible_values(c)
    ambiguous_columns(c)
    foreign_files(c)
    bad_times(c)
    documents(c)
    arguments(c)
    c.file("good.csv", csv_text(good_rows()))
    ids = [case["id"] for case in c.cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    (root / "manifest.json").write_text(json.dumps({"cases": c.cases}, indent=1) + "\n", encoding="utf-8")
    return c.cases


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    print(f"{len(build(target))} cases written to {target}")
