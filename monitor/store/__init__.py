"""All SQL lives here: the one package that writes the database, one module per group of
tables (feeds, articles, changes, outbox, daemon). `Store.open(path)` opens, tunes and
migrates it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from monitor.migrations import migrations
from monitor.store.articles import ArticlesTable, InsertCounts
from monitor.store.base import BUSY_TIMEOUT_MS, from_iso, iso
from monitor.store.changes import ChangesTable
from monitor.store.daemon import DaemonTable
from monitor.store.feeds import FeedRow, FeedsTable, FetchOutcome
from monitor.store.outbox import OutboxTable

__all__ = ["FeedRow", "FetchOutcome", "InsertCounts", "Store", "from_iso", "iso"]


class Store(FeedsTable, ArticlesTable, ChangesTable, OutboxTable, DaemonTable):
    """The database of one monitor. Open with Store.open(path)."""

    @classmethod
    def open(cls, path: Path) -> Store:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        store = cls(Database(conn))
        if migrations.pending(store.db):
            # Under the write lock: a second process opening it at the same moment waits,
            # then finds nothing left to apply. An up-to-date database is only read.
            with store.transaction():
                migrations.apply(store.db)
        return store
