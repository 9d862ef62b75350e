"""The schema, versioned with sqlite_utils.Migrations. Add a new function; never edit one."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from monitor.ingest import plausible_published

migrations = Migrations("policy-monitor")

_INITIAL = [
    """CREATE TABLE feeds (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        title TEXT,
        topic TEXT,
        interval_s REAL,
        origin TEXT NOT NULL DEFAULT 'config',   -- config | opml | cli
        active INTEGER NOT NULL DEFAULT 1,
        etag TEXT,
        last_modified TEXT,
        last_polled_at TEXT,
        last_ok_at TEXT,
        next_due_at TEXT,
        error_count INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        added_at TEXT NOT NULL
    )""",
    """CREATE TABLE fetch_log (
        id INTEGER PRIMARY KEY,
        feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        started_at TEXT NOT NULL,
        duration_ms INTEGER NOT NULL,
        outcome TEXT NOT NULL,                   -- ok | not_modified | error
        status_code INTEGER,
        final_url TEXT,
        bytes INTEGER,
        entries INTEGER,
        new_articles INTEGER,
        error TEXT
    )""",
    "CREATE INDEX fetch_log_feed ON fetch_log(feed_id, started_at)",
    """CREATE TABLE stories (
        id INTEGER PRIMARY KEY,
        event_key TEXT,
        title TEXT,
        first_published TEXT,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX stories_event_key ON stories(event_key)",
    """CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        canonical_url TEXT,
        url TEXT,
        guid_key TEXT,
        content_hash TEXT NOT NULL,
        title TEXT NOT NULL,
        summary TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL,
        published TEXT,
        outlet TEXT,
        origin TEXT,
        feed_id INTEGER REFERENCES feeds(id) ON DELETE SET NULL,
        fetched_at TEXT NOT NULL,
        evaluated_at TEXT,
        story_id INTEGER REFERENCES stories(id) ON DELETE SET NULL
    )""",
    "CREATE UNIQUE INDEX articles_canonical_url ON articles(canonical_url)"
    " WHERE canonical_url IS NOT NULL",
    "CREATE INDEX articles_guid_key ON articles(guid_key) WHERE guid_key IS NOT NULL",
    "CREATE INDEX articles_content_hash ON articles(content_hash)",
    "CREATE INDEX articles_unevaluated ON articles(published) WHERE evaluated_at IS NULL",
    """CREATE TABLE policies (
        id INTEGER PRIMARY KEY,
        actor TEXT NOT NULL,
        subject TEXT NOT NULL,
        scope TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'none',
        until TEXT,
        updated_at TEXT NOT NULL,
        UNIQUE (actor, subject, scope)
    )""",
    """CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        rule TEXT NOT NULL,
        actor TEXT, subject TEXT, scope TEXT,
        change TEXT NOT NULL,
        status_after TEXT,
        effective TEXT,
        until TEXT,
        evidence TEXT NOT NULL,
        confidence REAL NOT NULL,
        is_news INTEGER NOT NULL,
        rejected_cues TEXT NOT NULL DEFAULT '[]',
        policy_id INTEGER REFERENCES policies(id) ON DELETE SET NULL
    )""",
    "CREATE INDEX findings_article ON findings(article_id)",
    """CREATE TABLE changes (
        id INTEGER PRIMARY KEY,
        policy_id INTEGER NOT NULL REFERENCES policies(id) ON DELETE CASCADE,
        change TEXT NOT NULL,
        status_before TEXT NOT NULL,
        status_after TEXT NOT NULL,
        effective TEXT,
        until TEXT,
        evidence TEXT NOT NULL,
        confidence REAL NOT NULL,
        story_id INTEGER REFERENCES stories(id) ON DELETE SET NULL,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE change_sources (
        change_id INTEGER NOT NULL REFERENCES changes(id) ON DELETE CASCADE,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        added_at TEXT NOT NULL,
        PRIMARY KEY (change_id, article_id)
    )""",
    """CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        change_id INTEGER NOT NULL REFERENCES changes(id) ON DELETE CASCADE,
        channel TEXT NOT NULL,
        idempotency_key TEXT NOT NULL UNIQUE,
        state TEXT NOT NULL DEFAULT 'pending',   -- pending | sent | dead
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        last_error TEXT,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        UNIQUE (change_id, channel)
    )""",
    "CREATE INDEX outbox_pending ON outbox(state, next_attempt_at)",
    """CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY,
        outbox_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
        attempted_at TEXT NOT NULL,
        status_code INTEGER,
        error TEXT,
        duration_ms INTEGER
    )""",
]


@migrations()
def m001_initial(db: Database) -> None:
    # One statement at a time: executescript() would COMMIT the migration's transaction.
    for statement in _INITIAL:
        db.execute(statement)


@migrations()
def m002_change_keys_and_reminders(db: Database) -> None:
    # key: a stable name for a change (policy, kind, effective date), so that a replay
    # rebuilds the same change under the same key and delivery can tell it was sent.
    # presumed: an expiry the sweep inferred from the end date, not one an article reported.
    for statement in [
        "ALTER TABLE changes ADD COLUMN key TEXT",
        "ALTER TABLE changes ADD COLUMN presumed INTEGER NOT NULL DEFAULT 0",
        "CREATE UNIQUE INDEX changes_key ON changes(key)",
        "CREATE INDEX changes_policy ON changes(policy_id, effective)",
        "CREATE INDEX change_sources_article ON change_sources(article_id)",
        """CREATE TABLE reminders (
            id INTEGER PRIMARY KEY,
            policy_id INTEGER NOT NULL REFERENCES policies(id) ON DELETE CASCADE,
            until TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (policy_id, until)
        )""",
    ]:
        db.execute(statement)


@migrations()
def m003_delivery(db: Database) -> None:
    # sent_keys: every idempotency key ever delivered. It is not derived state, so a
    # replay that rebuilds a change under the same key never sends it again.
    # digests: one row per email digest, and the outbox rows it covered point to it.
    for statement in [
        "ALTER TABLE changes ADD COLUMN topic TEXT",
        """CREATE TABLE sent_keys (
            idempotency_key TEXT PRIMARY KEY,
            channel TEXT NOT NULL,
            sent_at TEXT NOT NULL
        )""",
        """CREATE TABLE digests (
            id INTEGER PRIMARY KEY,
            message_id TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            changes INTEGER NOT NULL
        )""",
        "ALTER TABLE outbox ADD COLUMN digest_id INTEGER REFERENCES digests(id)",
    ]:
        db.execute(statement)


@migrations()
def m004_daemon(db: Database) -> None:
    # What the running daemon is doing, for `status` in another process: a heartbeat row
    # and one row per scheduled job.
    for statement in [
        """CREATE TABLE daemon (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            pid INTEGER NOT NULL,
            version TEXT NOT NULL,
            started_at TEXT NOT NULL,
            heartbeat_at TEXT NOT NULL,
            stopped_at TEXT
        )""",
        """CREATE TABLE jobs (
            id TEXT PRIMARY KEY,
            schedule TEXT NOT NULL,
            next_run_at TEXT,
            last_started_at TEXT,
            last_finished_at TEXT,
            last_ok_at TEXT,
            last_error TEXT,
            last_summary TEXT,
            runs INTEGER NOT NULL DEFAULT 0
        )""",
    ]:
        db.execute(statement)


@migrations()
def m005_repair_dates(db: Database) -> None:
    # Before dates were zero-padded, a feed's year 1 was stored as "1-01-01T00:00:00Z",
    # which cannot be read back and stopped every evaluate and replay. Such dates, and any
    # other that does not read or is not plausible, become unknown (see ingest.py).
    # Imported here: the store package imports this module when it opens a database.
    from monitor.store.base import from_iso, iso

    now = datetime.now(UTC)
    rows = db.execute(
        "SELECT id, published FROM articles WHERE published IS NOT NULL"
        " AND (published NOT GLOB '[0-9][0-9][0-9][0-9]-*' OR published < '1900' OR published > ?)",
        [iso(now)],
    ).fetchall()
    for article_id, published in rows:
        repaired = iso(plausible_published(from_iso(published), now))
        db.execute("UPDATE articles SET published = ? WHERE id = ?", [repaired, article_id])


@migrations()
def m006_dead_digests(db: Database) -> None:
    # A digest the SMTP server refuses for good (5xx) is dead, with its outbox rows, so
    # that the next digest is sent instead of this one being retried forever.
    for statement in [
        "ALTER TABLE digests ADD COLUMN dead_at TEXT",
        "ALTER TABLE digests ADD COLUMN last_error TEXT",
    ]:
        db.execute(statement)


@migrations()
def m007_evaluation_errors(db: Database) -> None:
    # An article the rules fail on is set aside with its error (evaluated_at set), so it
    # no longer stops every later evaluate; `replay` tries it again.
    db.execute("ALTER TABLE articles ADD COLUMN evaluation_error TEXT")


@migrations()
def m008_feed_disabled(db: Database) -> None:
    # disabled_at: the operator turned the feed off (`feeds disable`). Unlike `active`,
    # which the config sync sets, it survives a restart and an OPML re-import.
    db.execute("ALTER TABLE feeds ADD COLUMN disabled_at TEXT")


@migrations()
def m009_article_pages(db: Database) -> None:
    # The page a feed item links to, fetched and reduced to its main text: the engine
    # reads it instead of the feed's summary. One row per article, also when the fetch or
    # the extraction failed (with the error), so a page is tried once, not at every pass.
    # etag / last_modified: a conditional GET when the page is fetched again.
    db.execute(
        """CREATE TABLE article_pages (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            url TEXT NOT NULL,
            final_url TEXT,
            fetched_at TEXT NOT NULL,
            status_code INTEGER,
            etag TEXT,
            last_modified TEXT,
            text TEXT,
            error TEXT
        )"""
    )
