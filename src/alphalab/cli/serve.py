"""``alphalab serve``: the operator service (API, dashboard, metrics); ``alphalab serve-user``: its users."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from alphalab.cli._common import JsonOpt, emit

if TYPE_CHECKING:
    from alphalab.service.settings import ServiceSettings

_Ledger = Annotated[str | None, typer.Option("--ledger", help="Ledger database URL (default: the home's SQLite ledger).")]


def register(app: typer.Typer) -> None:
    app.command("serve", help="Serve the dashboard, REST/WebSocket API and /metrics of a bot.")(serve)
    app.command("serve-user", help="Create or update a user of the service (password from stdin or a prompt).")(
        serve_user)


def _settings(ledger: str | None, host: str, port: int, poll: float = 0.5) -> ServiceSettings:
    from alphalab import paths
    from alphalab.live.ledger import default_url
    from alphalab.service.settings import ServiceSettings, secret_from_env

    home = paths.home()
    return ServiceSettings(secret=secret_from_env(), ledger_url=ledger or default_url(home), home=home, host=host,
                           port=port, poll_interval_s=poll)


def serve(
    ledger: _Ledger = None,
    host: Annotated[str, typer.Option("--host", help="Address to bind (loopback unless you say otherwise).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8765,
    poll: Annotated[float, typer.Option("--poll", help="Seconds between ledger polls for live updates.")] = 0.5,
) -> None:
    """Serve the service; the signing secret comes from $ALPHALAB_SERVICE_SECRET (no default is accepted)."""
    from alphalab._optional import require

    require("fastapi", purpose="alphalab serve")
    uvicorn = require("uvicorn", purpose="alphalab serve")

    from alphalab.service.app import create_app

    settings = _settings(ledger, host, port, poll)
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.stderr.write(f"warning: binding to {host}: the service is reachable from other hosts; put TLS in front\n")
    sys.stderr.write(f"serving on http://{host}:{port}/ (ledger {settings.ledger_url})\n")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


def serve_user(
    username: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Option("--role", help="viewer, trader or admin.")] = "viewer",
    ledger: _Ledger = None,
    as_json: JsonOpt = False,
) -> None:
    """Create or update a user (its password is read from stdin when piped, else prompted for twice)."""
    from alphalab import paths
    from alphalab.live.ledger import Ledger, default_url
    from alphalab.service.store import ServiceStore

    if sys.stdin.isatty():
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    led = Ledger(ledger or default_url(Path(paths.home())))
    try:
        ServiceStore(led.engine).add_user(username, password, role)
    finally:
        led.close()
    emit({"user": username, "role": role}, as_json=as_json, render=lambda: typer.echo(f"user {username} ({role}) saved"))
