"""feeds import / export / list over OPML."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.opml import read_opml
from monitor.parse import ParseError

OPML = b"""<?xml version="1.0" encoding="utf-8"?>
<opml version="2.0"><head><title>mine</title></head><body>
  <outline text="bans">
    <outline type="rss" text="Desk" xmlUrl="https://desk.example.net/feed.atom"/>
  </outline>
  <outline type="rss" title="Wire" xmlUrl="https://wire.example.org/rss"/>
</body></opml>"""


def test_read_opml_takes_topic_from_the_folder() -> None:
    feeds = read_opml(OPML)
    assert [(f.url, f.title, f.topic) for f in feeds] == [
        ("https://desk.example.net/feed.atom", "Desk", "bans"),
        ("https://wire.example.org/rss", "Wire", None),
    ]


def test_opml_with_entities_is_refused() -> None:
    with pytest.raises(ParseError):
        read_opml(b'<!DOCTYPE opml [<!ENTITY x "y">]><opml><body/></opml>')


def test_import_then_export_round_trips(tmp_path: Path) -> None:
    (tmp_path / "in.opml").write_bytes(OPML)
    (tmp_path / "c.toml").write_text("feeds = []\n")
    base = ["--config", str(tmp_path / "c.toml"), "--db", str(tmp_path / "m.db")]
    runner = CliRunner()
    imported = runner.invoke(cli, [*base, "feeds", "import", str(tmp_path / "in.opml")])
    assert imported.exit_code == 0 and "2 new feeds" in imported.output
    exported = runner.invoke(cli, [*base, "feeds", "export", "--out", str(tmp_path / "out.opml")])
    assert exported.exit_code == 0
    again = read_opml((tmp_path / "out.opml").read_bytes())
    assert {(f.url, f.topic) for f in again} == {(f.url, f.topic) for f in read_opml(OPML)}
    listed = json.loads(runner.invoke(cli, [*base, "feeds", "list", "--json"]).output)
    assert {row["origin"] for row in listed} == {"opml"}


def test_bad_opml_exits_2(tmp_path: Path) -> None:
    (tmp_path / "bad.opml").write_text("<opml><body>")
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "m.db"), "feeds", "import", str(tmp_path / "bad.opml")]
    )
    assert result.exit_code == 2 and "not valid OPML" in result.output
