"""The Atom feed of changes: valid for a feed reader, stable entry ids."""

from __future__ import annotations

from pathlib import Path

import feedparser
from click.testing import CliRunner

from monitor.cli import cli
from tests.conftest import SEEDS


def test_atom_feed_has_one_stable_entry_per_change(tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["--db", str(tmp_path / "m.db")]
    for args in (["import", str(SEEDS)], ["evaluate"]):
        assert runner.invoke(cli, [*base, *args]).exit_code == 0
    out = tmp_path / "changes.atom"
    assert runner.invoke(cli, [*base, "atom", "--out", str(out)]).exit_code == 0
    first = feedparser.parse(out.read_bytes())
    assert first.bozo == 0 and first.version == "atom10"
    assert len(first.entries) == 3
    titles = [e.title for e in first.entries]
    assert "Amazon · facial recognition · police: extended" in titles
    amazon = next(e for e in first.entries if e.title.endswith("imposed") and "Amazon" in e.title)
    rels = [link.rel for link in amazon.links]
    assert rels[0] == "alternate" and set(rels[1:]) == {"related"} and len(rels) == 8

    again = feedparser.parse(runner.invoke(cli, [*base, "atom"]).output.encode())
    assert [e.id for e in again.entries] == [e.id for e in first.entries]
    assert all(e.id.startswith("urn:policy-monitor:change:") for e in first.entries)
