"""Every `alphalab ...` command in README.md and docs/ runs as written, in document order, in a fresh home.

Commands come from fenced shell blocks (README.md, docs/*.md, docs/guide/*.md) and from the README's
inline code spans (its tables of commands). They run in-process (the CLI's own
``main``) in one working folder and one fresh ``ALPHALAB_HOME``, so a later command sees what an earlier
one wrote (``mapping export latest`` reads the fitness run above it). ``prices.csv`` and
``my_strategy.json`` stand for the user's own files and are provided here; ``data download`` replays
the recorded Binance responses in ``tests/data/ccxt`` through CCXT (no network). Commands that use
``--executor ray`` run in their own test (marked ``ray``).
"""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import shutil
import socket
import time
from pathlib import Path

import pytest

from alphalab import paths
from alphalab.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "docs" / "guide").glob("*.md"))]
_FENCE = re.compile(r"```([a-z]*)\n(.*?)```", re.S)
_SHELL = {"", "bash", "sh", "shell", "console"}


def documented_commands(text: str, *, inline: bool = True) -> list[str]:
    """Return the `alphalab ...` commands of a Markdown text in order: fenced shell lines, and with
    ``inline`` the inline code spans too (the README's tables are examples; elsewhere an inline
    `alphalab optimize` is a reference to a command in prose, and examples go in fenced blocks)."""
    out: list[str] = []
    pos = 0
    for m in _FENCE.finditer(text):
        out += _inline(text[pos:m.start()]) if inline else []
        if m.group(1) in _SHELL:
            body = re.sub(r"\\\n\s*", " ", m.group(2))
            for line in body.splitlines():
                line = line.strip().removeprefix("$ ")
                if line.startswith("alphalab "):
                    out.append(" ".join(line.split()))
        pos = m.end()
    return out + (_inline(text[pos:]) if inline else [])


def _inline(text: str) -> list[str]:
    return [" ".join(span.split()) for span in re.findall(r"`(alphalab [^`]+)`", text)]


def _all_commands() -> list[tuple[str, str]]:
    return [(p.relative_to(ROOT).as_posix(), c) for p in DOCS
            for c in documented_commands(p.read_text(), inline=p.name == "README.md" and p.parent == ROOT)]


# `alphalab demo` (2 minutes on a cold cache) runs verbatim in tests/integration/test_demo.py.
# Run by their own tests: the demo (tests/integration/test_demo.py) and serve-user, which reads a
# password from stdin (tests/unit/service: the command with a piped password).
ELSEWHERE = {"alphalab demo", "alphalab serve-user admin --role admin"}


def _is_ray(cmd: str) -> bool:
    return "--executor ray" in cmd


def test_extraction_finds_fenced_continued_and_inline_commands() -> None:
    text = ("run `alphalab data samples` first\n```bash\n$ alphalab optimize ema_cross \\\n    --trials 5\n"
            "echo no\n```\n```json\n{\"alphalab x\": 1}\n```\nthen `alphalab report\nlatest`.")
    assert documented_commands(text) == ["alphalab data samples", "alphalab optimize ema_cross --trials 5",
                                          "alphalab report latest"]


def test_the_docs_name_only_runnable_commands() -> None:
    cmds = _all_commands()
    assert len(cmds) >= 40
    for where, cmd in cmds:
        runnable = "..." not in cmd and not re.search(r"<[A-Za-z_ -]+>|\[--", cmd)
        assert runnable, f"{where}: not runnable as written: {cmd}"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with the user's files and a fresh home; the network refused, CCXT replayed."""
    from alphalab.data.samples import load_sample

    work = tmp_path / "work"
    work.mkdir()
    load_sample("sample:AAPL").iloc[-600:].rename_axis("time").to_csv(work / "prices.csv")
    (work / "my_strategy.json").write_text(json.dumps({
        "schema_version": "1.1", "id": "my_strategy", "name": "My EMA cross", "extends": "ema_cross",
        "parameters": {"fast": {"type": "int", "default": 12, "min": 5, "max": 40, "step": 1}},
    }))
    shutil.copytree(ROOT / "examples", work / "examples")
    home = tmp_path / "home"
    old = paths.home()
    paths.set_home(home)
    monkeypatch.setenv("ALPHALAB_HOME", str(home))
    monkeypatch.chdir(work)
    _replay_ccxt(monkeypatch)
    yield work
    paths.set_home(old)


def _replay_ccxt(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("_docs_ccxt_replay", ROOT / "tests" / "unit" / "data" / "_ccxt_replay.py")
    assert spec is not None and spec.loader is not None
    replay = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(replay)

    def make_exchange(exchange_id: str, *args: object, **kwargs: object) -> object:
        assert exchange_id == "binance", "the docs download from binance (the recorded fixture)"
        return replay.replay_exchange("binance", "binance_btcusdt_1h.json")[0]

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a documented command tried to open a network connection")

    import alphalab.data.downloader as downloader

    monkeypatch.setattr(downloader, "make_exchange", make_exchange)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _run_all(cmds: list[tuple[str, str]], capsys: pytest.CaptureFixture[str]) -> list[tuple[str, float]]:
    timings = []
    for where, cmd in cmds:
        t0 = time.perf_counter()
        code = main(shlex.split(cmd)[1:])
        captured = capsys.readouterr()
        assert code == 0, f"{where}: `{cmd}` exited {code}\n{captured.err[-3000:]}\n{captured.out[-2000:]}"
        assert "Traceback" not in captured.err, f"{where}: `{cmd}`\n{captured.err[-3000:]}"
        timings.append((cmd, time.perf_counter() - t0))
    return timings


@pytest.mark.slow
def test_every_documented_command_runs_in_a_fresh_home(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cmds = [(w, c) for w, c in _all_commands() if not _is_ray(c) and c not in ELSEWHERE]
    timings = _run_all(cmds, capsys)
    assert (workdir / "mapping.json").is_file() and (workdir / "sdl.schema.json").is_file()
    slowest = sorted(timings, key=lambda t: -t[1])[:5]
    print("slowest documented commands:", [(c, round(s, 1)) for c, s in slowest])


@pytest.mark.slow
@pytest.mark.ray
@pytest.mark.xdist_group("ray")  # one worker runs every Ray test, one after the other
def test_documented_ray_commands_run(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ray = pytest.importorskip("ray")
    cmds = [(w, c) for w, c in _all_commands() if _is_ray(c)]
    assert cmds, "the docs show how to run on Ray"
    try:
        _run_all(cmds, capsys)
    finally:
        ray.shutdown()  # the next Ray test expects no cluster of ours to be left running
