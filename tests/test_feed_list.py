"""The feed list outside the config: URLs checked as the config checks them, feeds that can
be removed, disabled and enabled, and an OPML re-import that reports duplicates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from monitor.cli import cli
from tests.conftest import SEEDS

OPML = b"""<?xml version="1.0" encoding="utf-8"?>
<opml version="2.0"><head><title>mine</title></head><body>
  <outline type="rss" text="Desk" xmlUrl="https://desk.example.net/feed.atom"/>
  <outline type="rss" text="Trap" xmlUrl="javascript:alert(1)"/>
  <outline type="rss" text="Wire" xmlUrl="https://wire.example.org/rss"/>
</body></opml>"""
CONFIGURED = "https://configured.example.org/feed.xml"


class Feeds:
    def __init__(self, tmp_path: Path) -> None:
        config = tmp_path / "c.toml"
        config.write_text(f'[[feeds]]\nurl = "{CONFIGURED}"\n', encoding="utf-8")
        self.base = ["--config", str(config), "--db", str(tmp_path / "m.db")]

    def __call__(self, *args: str) -> Result:
        return CliRunner().invoke(cli, [*self.base, *args])

    def listed(self, *flags: str) -> dict[str, dict[str, Any]]:
        rows = json.loads(self("feeds", "list", "--json", *flags).stdout)
        return {row["url"]: row for row in rows}


@pytest.fixture
def feeds(tmp_path: Path) -> Feeds:
    return Feeds(tmp_path)


@pytest.mark.parametrize("url", ["not a url", "ftp://files.example.org/feed.xml", "javascript:x"])
def test_fetch_refuses_a_feed_url_that_is_not_http(feeds: Feeds, url: str) -> None:
    assert feeds("import", str(SEEDS)).exit_code == 0
    result = feeds("fetch", "--feed", url)
    assert result.exit_code == 2
    assert f"--feed: {url!r} is not an http(s) URL" in result.stderr
    assert url not in feeds.listed("--all")


def test_opml_import_refuses_bad_urls_and_reports_duplicates(feeds: Feeds, tmp_path: Path) -> None:
    opml = tmp_path / "feeds.opml"
    opml.write_bytes(OPML)
    first = feeds("feeds", "import", str(opml))
    assert first.exit_code == 1  # one entry refused
    assert "2 new feeds, 0 already listed, 1 refused" in first.stdout
    assert "refused: 'javascript:alert(1)' is not an http(s) URL" in first.stderr
    assert "javascript:alert(1)" not in feeds.listed("--all")
    again = feeds("feeds", "import", str(opml))
    assert "0 new feeds, 2 already listed, 1 refused" in again.stdout


def test_a_feed_can_be_removed_but_a_configured_one_only_disabled(
    feeds: Feeds, tmp_path: Path
) -> None:
    opml = tmp_path / "feeds.opml"
    opml.write_bytes(OPML)
    feeds("feeds", "import", str(opml))
    removed = feeds("feeds", "remove", "https://wire.example.org/rss")
    assert removed.exit_code == 0, removed.output
    assert "https://wire.example.org/rss" not in feeds.listed("--all")
    assert feeds("feeds", "remove", "https://wire.example.org/rss").exit_code == 2  # gone

    refused = feeds("feeds", "remove", CONFIGURED)
    assert refused.exit_code == 2 and "remove it there" in refused.stderr
    assert feeds("feeds", "disable", CONFIGURED).exit_code == 0
    # Disabled survives the config sync that every command does, and an OPML re-import.
    assert CONFIGURED not in feeds.listed()
    assert feeds.listed("--all")[CONFIGURED]["state"] == "disabled"
    assert feeds("fetch", "--feed", CONFIGURED).exit_code == 2
    assert feeds("feeds", "enable", CONFIGURED).exit_code == 0
    assert feeds.listed()[CONFIGURED]["state"] == "new"


def test_a_disabled_opml_feed_stays_disabled_when_the_opml_is_imported_again(
    feeds: Feeds, tmp_path: Path
) -> None:
    opml = tmp_path / "feeds.opml"
    opml.write_bytes(OPML)
    feeds("feeds", "import", str(opml))
    feeds("feeds", "disable", "https://desk.example.net/feed.atom")
    feeds("feeds", "import", str(opml))
    assert feeds.listed("--all")["https://desk.example.net/feed.atom"]["state"] == "disabled"
    assert "https://desk.example.net/feed.atom" not in feeds.listed()


def test_unknown_feeds_are_a_usage_error(feeds: Feeds) -> None:
    for command in ("remove", "disable", "enable"):
        result = feeds("feeds", command, "https://nowhere.example/feed")
        assert result.exit_code == 2 and "no feed https://nowhere.example/feed" in result.stderr
