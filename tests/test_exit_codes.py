"""Exit codes cron can see: 0 when everything worked, 1 when some of the work failed
(a file, a feed, a delivery), with the output saying which; 2 for usage and config errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import cli
from tests.conftest import FIXTURES, SEEDS, LocalServer, send


def test_import_with_error_entries_exits_1_and_still_imports_the_rest(tmp_path: Path) -> None:
    base = ["--db", str(tmp_path / "m.db")]
    result = CliRunner().invoke(cli, [*base, "import", str(FIXTURES / "files"), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["new"] == 2 and {e["path"] for e in report["errors"]} == {
        str(FIXTURES / "files" / "mixed.jsonl"),
        str(FIXTURES / "files" / "picture.png"),
    }
    clean = CliRunner().invoke(cli, [*base, "import", str(SEEDS)])
    assert clean.exit_code == 0, clean.output


def test_fetch_exits_1_when_a_feed_fails(tmp_path: Path, server: LocalServer) -> None:
    server.routes["/good.atom"] = lambda h: send(
        h, (FIXTURES / "feeds" / "extension.atom").read_bytes()
    )
    (tmp_path / "c.toml").write_text("feeds = []\n[fetch]\nparse_workers = 1\n")
    base = ["--config", str(tmp_path / "c.toml"), "--db", str(tmp_path / "m.db")]
    good, gone = server.url("/good.atom"), server.url("/gone.atom")
    result = CliRunner().invoke(cli, [*base, "fetch", "--feed", good, "--feed", gone])
    assert result.exit_code == 1
    assert "1 ok" in result.stdout and "1 failed" in result.stdout
    assert f"{gone}: HTTP 404" in result.stderr
    only_good = CliRunner().invoke(cli, [*base, "fetch", "--feed", good])
    assert only_good.exit_code == 0, only_good.output


def test_run_once_exits_1_when_a_feed_fails(tmp_path: Path, server: LocalServer) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'db = "{tmp_path / "m.db"}"\n[[feeds]]\nurl = "{server.url("/gone")}"\n')
    result = CliRunner().invoke(cli, ["--config", str(config), "run", "--once"])
    assert result.exit_code == 1
    assert "1 failed" in result.stdout and "HTTP 404" in result.stderr
