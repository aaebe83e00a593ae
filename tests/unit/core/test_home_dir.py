"""A home directory that is a file, or that cannot be written, is a one-sentence ConfigError."""

from __future__ import annotations

import os

import pytest

from alphalab import paths
from alphalab.core.errors import ConfigError
from alphalab.data.catalog import Catalog
from alphalab.testing.bars import from_closes


def test_home_that_is_a_file_names_it(tmp_path):
    home = tmp_path / "home.txt"
    home.write_text("")
    paths.set_home(home)
    try:
        with pytest.raises(ConfigError, match=r"home\.txt is a file, not a directory") as info:
            paths.lake_dir()
        assert "--home" in (info.value.hint or "")
        paths.set_home(home / "sub")
        with pytest.raises(ConfigError, match="a folder on its path is a file"):
            paths.results_dir()
    finally:
        paths.set_home(None)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_catalog_write_is_a_config_error(tmp_path):
    cat = Catalog(tmp_path)
    cat.write(from_closes([1.0, 2.0], timeframe="1d"), "local", "X", "1d")
    folder = cat.path("local", "X", "1d").parent
    folder.chmod(0o555)
    try:
        with pytest.raises(ConfigError, match="permission denied"):
            cat.write(from_closes([3.0], timeframe="1d", start="2024-01-03"), "local", "X", "1d")
    finally:
        folder.chmod(0o755)


def test_permission_denied_while_writing_is_a_config_error(tmp_path, monkeypatch):
    from alphalab.data import catalog as catalog_module

    def denied(table, path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(catalog_module, "atomic_write_table", denied)
    with pytest.raises(ConfigError, match=r"cannot write to the catalog at .*1d\.parquet"):
        Catalog(tmp_path).write(from_closes([1.0, 2.0], timeframe="1d"), "local", "X", "1d")
