"""Publication dates from the outside world: an absurd date costs only its own article.

A feed or a JSONL line can carry any date at all. A date before 1900 or more than two
days ahead is unknown (None); one whose offset overflows the calendar is unknown too;
every stored date is zero-padded ISO; and a bad date already stored never stops a run.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.engine import Engine
from monitor.ingest import plausible_published
from monitor.models import Article
from monitor.parse import parse_date, parse_feed
from monitor.store import Store, from_iso, iso
from tests.conftest import SEEDS

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
DENVER = {
    "id": "y1",
    "published": "0001-01-01",
    "title": "Denver bans facial recognition",
    "text": "The city of Denver said it will ban police use of facial recognition software.",
}


def run(db: Path, *args: str) -> Any:
    result = CliRunner().invoke(cli, ["--db", str(db), *args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def seeds_with(tmp_path: Path, *records: dict[str, str]) -> Path:
    """The seed articles, with a JSONL file of these records beside them."""
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    lines = "".join(json.dumps(record) + "\n" for record in records)
    (folder / "more.jsonl").write_text(lines, encoding="utf-8")
    return folder


def test_iso_is_zero_padded_and_reads_back() -> None:
    early = datetime(999, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert iso(early) == "0999-03-04T05:06:07Z"
    assert from_iso(iso(early)) == early


def test_a_bad_stored_date_reads_as_unknown() -> None:
    assert from_iso("1-01-01T00:00:00Z") is None
    assert from_iso("yesterday") is None


def test_an_offset_that_overflows_the_calendar_is_unknown() -> None:
    assert parse_date("9999-12-31T23:00:00-05:00") is None
    assert parse_date("0001-01-01T00:30:00+01:00") is None


@pytest.mark.parametrize(
    ("published", "kept"),
    [
        (datetime(1, 1, 1, tzinfo=UTC), False),
        (datetime(1899, 12, 31, tzinfo=UTC), False),
        (datetime(1900, 1, 1, tzinfo=UTC), True),
        (NOW + timedelta(days=1), True),  # a time zone ahead, or a clock a little fast
        (NOW + timedelta(days=3), False),
        (datetime(9999, 12, 31, tzinfo=UTC), False),
    ],
)
def test_plausible_published_dates(published: datetime, kept: bool) -> None:
    assert plausible_published(published, NOW) == (published if kept else None)


def test_year_one_in_a_feed_is_stored_as_unknown(store: Store) -> None:
    feed = (
        b'<rss version="2.0"><channel><title>t</title><item><title>Denver bans facial'
        b" recognition</title><link>https://d.example/1</link>"
        b"<pubDate>Mon, 01 Jan 0001 00:00:00 +0000</pubDate></item></channel></rss>"
    )
    articles = parse_feed(feed).articles
    store.insert_articles(articles, now=NOW)
    row = next(iter(store.db.query("SELECT published FROM articles")))
    assert row["published"] is None


def test_one_overflowing_line_costs_only_itself(tmp_path: Path) -> None:
    folder = seeds_with(
        tmp_path,
        {**DENVER, "id": "y2", "published": "9999-12-31T23:00:00-05:00", "title": "Boston"},
        {**DENVER, "id": "ok", "published": "2021-05-19", "title": "Portland"},
    )
    report = run(tmp_path / "m.db", "import", str(folder))
    assert (report["new"], report["errors"]) == (11, [])


def test_year_one_beside_the_seeds_never_stops_evaluate_or_replay(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    run(db, "import", str(seeds_with(tmp_path, DENVER)))
    assert run(db, "evaluate")["articles"] == 10
    assert run(db, "evaluate")["articles"] == 0
    assert run(db, "replay")["articles"] == 10
    extended = [c for c in run(db, "timeline") if c["change"] == "extended"]
    assert extended and extended[0]["effective"] == "2021-05-18"


def test_a_bad_date_stored_by_an_older_version_is_repaired_on_open(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    Store.open(db).insert_articles([Article(title="Denver", text=DENVER["text"])], now=NOW)
    with sqlite3.connect(db) as conn:  # what `iso` wrote before dates were padded
        conn.execute("UPDATE articles SET published = '1-01-01T00:00:00Z'")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm005_repair_dates'")
    reopened = Store.open(db)
    assert [r["published"] for r in reopened.db.query("SELECT published FROM articles")] == [None]
    reopened.close()


def test_an_article_the_engine_fails_on_costs_only_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Like a bad date, any article the rules cannot read must not stop every later run:
    it is set aside with its error and the others are evaluated."""
    real = Engine.extract

    def fragile(self: Engine, title: str, text: str, published: Any) -> Any:
        if "Denver" in title:
            raise IndexError("a rule-engine bug")
        return real(self, title, text, published)

    monkeypatch.setattr(Engine, "extract", fragile)
    db = tmp_path / "m.db"
    run(db, "import", str(seeds_with(tmp_path, {**DENVER, "published": "2021-05-19"})))
    report = run(db, "evaluate")
    assert (report["articles"], report["failed"]) == (9, 1)
    assert run(db, "evaluate")["articles"] == 0
    assert run(db, "status")["unevaluable"] == [
        {"title": DENVER["title"], "error": "IndexError: a rule-engine bug"}
    ]
    monkeypatch.setattr(Engine, "extract", real)
    replayed = run(db, "replay")  # e.g. once the rules are fixed
    assert (replayed["articles"], replayed["failed"]) == (10, 0)
    assert run(db, "status")["unevaluable"] == []
