"""The trial store: every finished trial's parameters and metrics, as Parquet chunks on disk.

Layout: ``home()/research/<namespace>/<study>/chunk-<time>-<uuid>.parquet``. Each chunk is written
to a temporary name and renamed into place (an atomic rename on POSIX), so a crash leaves either
the whole chunk or nothing; finished chunks are never rewritten. Rows are keyed by ``trial_key``,
a sha256 of the study fingerprint (strategy document, data digest, engine version, window) and
the parameters, so a re-run finds what is done and evaluates only what is missing.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from alphalab import paths


def canonical_params(params: Mapping[str, Any]) -> str:
    """Return parameters as canonical JSON (sorted keys), the form that is hashed and stored."""
    return json.dumps({k: params[k] for k in sorted(params)}, sort_keys=True, default=str)


def trial_key(study_fingerprint: str, params: Mapping[str, Any]) -> str:
    """Return the sha256 key of one trial: its study fingerprint and its parameters."""
    h = hashlib.sha256()
    h.update(study_fingerprint.encode())
    h.update(b"\0")
    h.update(canonical_params(params).encode())
    return h.hexdigest()


def study_id(fingerprint: str) -> str:
    """Return a short directory name for a study fingerprint."""
    return hashlib.sha256(fingerprint.encode()).hexdigest()[:20]


class TrialStore:
    """Append-only Parquet chunks of trial rows under one directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    @classmethod
    def for_study(cls, fingerprint: str, namespace: str = "trials", root: Path | None = None) -> TrialStore:
        """Return the store of a study under ``root`` (default ``home()/research``)."""
        base = Path(root) if root is not None else paths.home() / "research"
        store = cls(base / namespace / study_id(fingerprint))
        meta = store.directory / "study.json"
        if not meta.exists():
            _atomic_write_bytes(meta, json.dumps({"fingerprint": fingerprint}).encode())
        return store

    def chunks(self) -> list[Path]:
        return sorted(self.directory.glob("chunk-*.parquet"))

    def append(self, rows: Sequence[Mapping[str, Any]]) -> Path | None:
        """Write ``rows`` as one new chunk, atomically; return its path (None when empty)."""
        if not rows:
            return None
        frame = pd.DataFrame(list(rows))
        name = f"chunk-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.parquet"
        target = self.directory / name
        tmp = self.directory / f".{name}.tmp"
        frame.to_parquet(tmp, index=False)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        return target

    def load(self) -> pd.DataFrame:
        """Return every stored row, the latest row winning when a key appears twice."""
        frames = []
        for path in self.chunks():
            try:
                frames.append(pd.read_parquet(path))
            except Exception:  # a foreign or damaged file: skip it, the trials will re-run
                continue
        if not frames:
            return pd.DataFrame({"trial_key": pd.Series([], dtype=str)})
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        return frame.drop_duplicates("trial_key", keep="last").reset_index(drop=True)

    def done_keys(self) -> set[str]:
        return set(self.load()["trial_key"].astype(str))


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:6]}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
