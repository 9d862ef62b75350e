"""The read-only dashboard: `web`."""

from __future__ import annotations

import click

from monitor.cli.app import AppContext, BadInput, Failed, cli, needs_database, pass_app
from monitor.config import check_host_port, split_host_port
from monitor.web.server import WebServer, log


@cli.command("web")
@click.option(
    "--bind",
    metavar="HOST:PORT",
    help="Address to serve on. Default: the config's [web] bind (127.0.0.1:8322).",
)
@pass_app
@needs_database
def web_command(app: AppContext, bind: str | None) -> None:
    """Serve the read-only dashboard (recent changes, policy timelines, stories, feed
    health) from the database, until Ctrl-C. It only reads, so it runs beside the
    daemon; the daemon also serves it on its `[daemon] listen` address.

    \b
    Example:
      policy-monitor --db monitor.db web --bind 127.0.0.1:8322
    """
    address = bind or app.settings.web.bind
    try:
        check_host_port(address)
    except ValueError as exc:
        raise BadInput(f"--bind: {exc}") from None
    horizon = int(app.settings.policy.reminder_horizon // 86400)
    try:
        server = WebServer(app.settings.db, *split_host_port(address), horizon_days=horizon)
    except OSError as exc:
        raise Failed(f"cannot serve on {address}: {exc.strerror or exc}") from None
    host, port = server.address
    log.info("dashboard: http://%s:%d/", host, port)
    click.echo(f"serving the dashboard on http://{host}:{port}/ (Ctrl-C stops it)", err=True)
    server.serve()
