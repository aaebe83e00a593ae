"""A point-in-time feature store on Parquet + DuckDB: every value has an event and an available time.

Each write appends one Parquet file under ``<root>/<group>/`` with columns ``symbol``,
``event_time`` (the bar the value describes), ``available_time`` (when it could first be known:
by default the bar's close, plus any publication delay) and the feature columns. A training set
joins each group to the decision times with a DuckDB ``ASOF JOIN`` on ``available_time <=
decision_time``, so a value is used only once it was available ("what was the RSI known then").
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from alphalab.core.errors import ConfigError, NotFoundError

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _check_name(kind: str, name: str) -> str:
    if not _NAME.match(name):
        raise ConfigError(f"{kind} name {name!r} is not a plain identifier", hint="use letters, digits and _")
    return name


class FeatureStore:
    """Point-in-time store rooted at a directory (e.g. ``paths.home() / "features"``)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def write(
        self,
        group: str,
        symbol: str,
        values: pd.DataFrame,
        *,
        available: pd.Series | pd.DatetimeIndex | pd.Timedelta,
    ) -> Path:
        """Append ``values`` (indexed by event time, UTC) for ``symbol`` to ``group``; return the file.

        ``available`` is either one available time per row or a delay added to the event time
        (for bar features computed at the close: the bar duration).
        """
        _check_name("feature group", group)
        for col in values.columns:
            _check_name("feature", str(col))
        event = pd.DatetimeIndex(values.index)
        if event.tz is None:
            raise ConfigError(f"feature group {group!r}: event times must be UTC-aware")
        avail = event + available if isinstance(available, pd.Timedelta) else pd.DatetimeIndex(available)
        if len(avail) != len(event) or bool((avail < event).any()):
            raise ConfigError(
                f"feature group {group!r}: each value needs an available time at or after its event time"
            )
        table = values.reset_index(drop=True).astype("float64")
        table.insert(0, "available_time", pd.Series(avail.tz_convert("UTC").as_unit("us")))
        table.insert(0, "event_time", pd.Series(event.tz_convert("UTC").as_unit("us")))
        table.insert(0, "symbol", symbol)
        folder = self.root / group
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{symbol}-{uuid.uuid4().hex[:12]}.parquet"
        table.to_parquet(path, index=False)
        return path

    def _glob(self, group: str) -> str:
        folder = self.root / _check_name("feature group", group)
        if not any(folder.glob("*.parquet")):
            raise NotFoundError(f"feature group {group!r} has no data under {folder}", hint="write features first")
        return str(folder / "*.parquet")

    def training_set(self, decisions: pd.DataFrame, groups: Sequence[str]) -> pd.DataFrame:
        """Join every group as of each decision: the latest value with ``available_time <= time``.

        ``decisions`` has columns ``symbol`` and ``time`` (the moment the model decides, UTC) plus
        any label columns; the result keeps its rows and order and adds each group's features
        (NaN where nothing was available yet) with ``<group>__available_time``.
        """
        import duckdb

        if not {"symbol", "time"} <= set(decisions.columns):
            raise ConfigError("a training set needs decision columns 'symbol' and 'time'")
        left = decisions.reset_index(drop=True).copy()
        left["_row"] = range(len(left))
        times = pd.DatetimeIndex(left["time"])
        if times.tz is None:
            raise ConfigError("decision times must be UTC-aware")
        left["time"] = times.tz_convert("UTC").as_unit("us")
        con = duckdb.connect()
        try:
            con.execute("SET TimeZone = 'UTC'")
            con.register("decisions", left)
            query = "SELECT d.*"
            joins = ""
            for k, group in enumerate(groups):
                described = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{self._glob(group)}')").fetchall()
                feats = [c[0] for c in described if c[0] not in ("symbol", "event_time", "available_time")]
                query += "".join(f', g{k}."{f}"' for f in feats) + f', g{k}.available_time AS "{group}__available_time"'
                joins += (
                    f" ASOF LEFT JOIN read_parquet('{self._glob(group)}') g{k}"
                    f" ON d.symbol = g{k}.symbol AND d.time >= g{k}.available_time"
                )
            out = con.sql(f"{query} FROM decisions d{joins} ORDER BY d._row").to_arrow_table().to_pandas()
        finally:
            con.close()
        for col in ["time", *(f"{g}__available_time" for g in groups)]:
            out[col] = pd.DatetimeIndex(out[col]).tz_convert("UTC")
        return out.drop(columns="_row")
