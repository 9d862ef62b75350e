"""The store: real SQLite on disk, migrations, pragmas, feed state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.migrations import migrations
from monitor.store import FetchOutcome, Store

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_open_sets_wal_foreign_keys_and_busy_timeout(store: Store) -> None:
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000


def test_schema_has_every_stage_table(store: Store) -> None:
    tables = set(store.db.table_names())
    assert {
        "feeds",
        "fetch_log",
        "articles",
        "stories",
        "findings",
        "policies",
        "changes",
        "outbox",
        "deliveries",
    } <= tables


def test_reopening_applies_no_migration_twice(tmp_path: Path) -> None:
    Store.open(tmp_path / "m.db").close()
    again = Store.open(tmp_path / "m.db")
    assert migrations.pending(again.db) == []
    assert [m.name for m in migrations.applied(again.db)] == [
        "m001_initial",
        "m002_change_keys_and_reminders",
        "m003_delivery",
        "m004_daemon",
        "m005_repair_dates",
        "m006_dead_digests",
        "m007_evaluation_errors",
        "m008_feed_disabled",
        "m009_article_pages",
    ]
    again.close()


def test_upsert_feed_keeps_fetch_state(store: Store) -> None:
    feed_id = store.upsert_feed("https://a.example/feed", origin="config", now=NOW)
    store.record_fetch(
        feed_id,
        FetchOutcome("ok", NOW, 12, NOW + timedelta(minutes=30), 200, etag='"v1"', entries=1),
    )
    assert (
        store.upsert_feed("https://a.example/feed", origin="config", now=NOW, topic="t") == feed_id
    )
    row = store.feed_by_url("https://a.example/feed")
    assert row is not None and row.etag == '"v1"' and row.topic == "t"


def test_failures_count_up_and_success_resets(store: Store) -> None:
    feed_id = store.upsert_feed("https://a.example/feed", origin="config", now=NOW)
    later = NOW + timedelta(hours=1)
    for _ in range(2):
        store.record_fetch(feed_id, FetchOutcome("error", NOW, 5, later, 500, error="HTTP 500"))
    row = store.feed_by_url("https://a.example/feed")
    assert row is not None and (row.error_count, row.last_error) == (2, "HTTP 500")
    assert store.due_feeds(NOW) == [] and len(store.due_feeds(later)) == 1
    store.record_fetch(feed_id, FetchOutcome("not_modified", later, 5, later, 304))
    row = store.feed_by_url("https://a.example/feed")
    assert row is not None and (row.error_count, row.last_error) == (0, None)
    assert store.count("fetch_log") == 3


def test_retiring_config_feeds(store: Store) -> None:
    store.upsert_feed("https://a.example/feed", origin="config", now=NOW)
    store.upsert_feed("https://b.example/feed", origin="config", now=NOW)
    store.upsert_feed("https://c.example/feed", origin="opml", now=NOW)
    assert store.retire_config_feeds(["https://a.example/feed"]) == 1
    assert [f.url for f in store.feeds()] == ["https://a.example/feed", "https://c.example/feed"]
