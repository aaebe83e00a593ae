"""Find Debian's Chromium for browser tests: skip where it is missing, fail in CI (where it must run)."""

from __future__ import annotations

import os
import shutil


def chromium_or_skip() -> str:
    import pytest

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed but CI is set: the browser test must run in CI")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return exe
