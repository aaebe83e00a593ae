"""Market data: readers, validation, the Parquet/DuckDB catalog, resampling, samples, synthetic bars.

Public API (imported lazily so that ``import alphalab.data`` stays light): ``load_bars``,
``load_arrays``, ``samples``, ``resample``, ``align_to``, ``adjust``, ``synthetic``, ``Catalog``,
``read_file``, ``validate``, ``download``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alphalab.data import samples, synthetic
    from alphalab.data.catalog import Catalog
    from alphalab.data.downloader import download
    from alphalab.data.loader import load_arrays, load_bars
    from alphalab.data.readers import read_file
    from alphalab.data.resampling import adjust, align_to, resample
    from alphalab.data.validation import ValidationReport, validate

_LAZY = {
    "load_bars": "alphalab.data.loader",
    "load_arrays": "alphalab.data.loader",
    "resample": "alphalab.data.resampling",
    "align_to": "alphalab.data.resampling",
    "adjust": "alphalab.data.resampling",
    "Catalog": "alphalab.data.catalog",
    "read_file": "alphalab.data.readers",
    "validate": "alphalab.data.validation",
    "ValidationReport": "alphalab.data.validation",
    "download": "alphalab.data.downloader",
}
_MODULES = ("samples", "synthetic")

__all__ = [
    "Catalog",
    "ValidationReport",
    "adjust",
    "align_to",
    "download",
    "load_arrays",
    "load_bars",
    "read_file",
    "resample",
    "samples",
    "synthetic",
    "validate",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _MODULES:
        return importlib.import_module(f"alphalab.data.{name}")
    raise AttributeError(f"module 'alphalab.data' has no attribute {name!r}")
