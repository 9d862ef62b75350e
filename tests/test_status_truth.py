"""Status tells the truth: a feed never polled is `new`, not `ok`; a read command on a
mistyped --db says there is no database there instead of creating one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from tests.conftest import FIXTURES, LocalServer, send


def test_a_feed_never_polled_is_new_until_its_first_poll(
    tmp_path: Path, server: LocalServer
) -> None:
    server.routes["/feed.atom"] = lambda h: send(
        h, (FIXTURES / "feeds" / "extension.atom").read_bytes()
    )
    config = tmp_path / "c.toml"
    config.write_text(
        f'[[feeds]]\nurl = "{server.url("/feed.atom")}"\n[fetch]\nparse_workers = 1\n',
        encoding="utf-8",
    )
    base = ["--config", str(config), "--db", str(tmp_path / "m.db")]
    runner = CliRunner()
    opml = tmp_path / "f.opml"
    opml.write_text(
        '<opml version="2.0"><body><outline xmlUrl="https://wire.example.org/rss"/></body></opml>'
    )
    assert runner.invoke(cli, [*base, "feeds", "import", str(opml)]).exit_code == 0
    status = json.loads(runner.invoke(cli, [*base, "status", "--json"]).stdout)["feeds"]
    assert (status["active"], status["ok"], status["new"], status["failing"]) == (1, 0, 1, [])
    assert "0 ok, 1 new (never polled), 0 failing" in runner.invoke(cli, [*base, "status"]).stdout

    assert runner.invoke(cli, [*base, "fetch", "--feed", server.url("/feed.atom")]).exit_code == 0
    listed = json.loads(runner.invoke(cli, [*base, "feeds", "list", "--json"]).stdout)
    assert {row["url"]: row["state"] for row in listed} == {
        "https://wire.example.org/rss": "new",
        server.url("/feed.atom"): "ok",
    }
    status = json.loads(runner.invoke(cli, [*base, "status", "--json"]).stdout)["feeds"]
    assert (status["active"], status["ok"], status["new"]) == (2, 1, 1)


@pytest.mark.parametrize(
    "command",
    [
        ["status"],
        ["timeline"],
        ["outbox"],
        ["feeds", "list"],
        ["feeds", "export"],
        ["atom"],
        ["digest", "--preview"],
    ],
    ids=" ".join,
)
def test_a_read_command_on_a_mistyped_db_creates_nothing(
    tmp_path: Path, command: list[str]
) -> None:
    mistyped = tmp_path / "var" / "lib" / "policy-monitr" / "monitor.db"
    result = CliRunner().invoke(cli, ["--db", str(mistyped), *command])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"Error: no database at {mistyped} (check --db or the" + (
        " config's `db`; `policy-monitor run` or `import` creates one)"
    )
    assert not (tmp_path / "var").exists()
