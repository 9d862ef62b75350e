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
from monitor.store.daemon import DaemonTable
from monitor.store.dashboard import ChangeFilter, DashboardTable
from monitor.store.errors import (
    USAGE,
    DatabaseProblem,
    DatabaseUnusable,
    describe_folder_error,
    describe_sqlite_error,
)
from monitor.store.feeds import FeedRow, FeedsTable, FetchOutcome
from monitor.store.outbox import OutboxTable
from monitor.store.pages import PageOutcome, PagesTable

__all__ = [
    "ChangeFilter",
    "DatabaseUnusable",
    "FeedRow",
    "FetchOutcome",
    "InsertCounts",
    "PageOutcome",
    "Store",
    "from_iso",
    "iso",
]


class Store(FeedsTable, ArticlesTable, DashboardTable, OutboxTable, DaemonTable, PagesTable):
    """The database of one monitor. Open with Store.open(path)."""

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open (creating it and its folder if need be) and migrate the database.
        Raises DatabaseUnusable, with one line saying why, if that cannot be done."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseUnusable(describe_folder_error(path, exc)) from None
        try:
            return cls._connect(path)
        except sqlite3.Error as exc:
            raise DatabaseUnusable(describe_sqlite_error(path, exc)) from None

    @classmethod
    def open_read_only(cls, path: Path) -> Store:
        """A connection that can only read (the dashboard): it never migrates or writes,
        and works beside the daemon (WAL). Raises DatabaseUnusable if it cannot open."""
        if not path.is_file():
            raise DatabaseUnusable(DatabaseProblem(f"no database at {path}", USAGE))
        try:
            conn = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=ro",
                uri=True,
                timeout=BUSY_TIMEOUT_MS / 1000,
                check_same_thread=False,
            )
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as exc:
            raise DatabaseUnusable(describe_sqlite_error(path, exc)) from None
        return cls(Database(conn))

    @classmethod
    def _connect(cls, path: Path) -> Store:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            store = cls(Database(conn))
            if migrations.pending(store.db):
                # Under the write lock: a second process opening it at the same moment
                # waits, then finds nothing left to apply. An up-to-date database is only
                # read.
                with store.transaction():
                    migrations.apply(store.db)
        except sqlite3.Error:
            conn.close()
            raise
        return store
