"""A monitor database made from the seed articles, and the dashboard serving it on
127.0.0.1: shared by the HTTP tests and the browser tests of the dashboard."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import cli
from monitor.web.server import WebServer
from tests.conftest import SEEDS


def seeded_database(folder: Path) -> Path:
    """The seed articles imported and evaluated: Amazon's moratorium imposed and
    extended, Microsoft's imposed."""
    config = folder / "monitor.toml"
    config.write_text("feeds = []\n", encoding="utf-8")
    db = folder / "monitor.db"
    runner = CliRunner()
    for args in (["import", str(SEEDS)], ["evaluate"]):
        result = runner.invoke(cli, ["--config", str(config), "--db", str(db), *args])
        assert result.exit_code == 0, result.output
    return db


@contextmanager
def serving(db: Path) -> Iterator[str]:
    """The dashboard of `db` on a free port; yields its base URL."""
    server = WebServer(db, "127.0.0.1", 0)
    server.start()
    try:
        host, port = server.address
        yield f"http://{host}:{port}"
    finally:
        server.stop()
