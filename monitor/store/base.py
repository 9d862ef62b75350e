"""The connection and helpers shared by the table modules of the store.

SQLite through sqlite-utils; WAL so readers (status, Datasette) never block the daemon,
foreign keys on, and a busy timeout so a second process waits instead of failing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

BUSY_TIMEOUT_MS = 30_000


def iso(moment: datetime | None) -> str | None:
    """UTC timestamps as sortable text: 2021-05-18T21:18:00Z, the year always four digits.

    Not strftime("%Y"): glibc writes year 1 as "1", which neither sorts nor reads back.
    """
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}Z"
    )


def from_iso(text: str | None) -> datetime | None:
    """A stored timestamp, or None if there is none or it cannot be read: one bad value
    (written by an older version, or by hand) must not stop a run."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


class StoreBase:
    """The connection and the helpers every table module uses."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """A write transaction: BEGIN IMMEDIATE takes the write lock first, waiting up to
        the busy timeout for another writer. A deferred BEGIN would read first, and a
        transaction that read an older snapshot fails at its first write with "database
        is locked" at once, without waiting (https://sqlite.org/rescode.html#busy_snapshot).
        Nested, it is a savepoint of the outer transaction."""
        if self.db.conn.in_transaction:
            with self.db.atomic() as db:
                yield db
            return
        self.db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.rollback()
            raise
        try:
            self.db.conn.execute("COMMIT")
        except BaseException:
            self.db.rollback()
            raise

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        return list(self.db.query(sql, list(params)))

    def count(self, table: str) -> int:
        return int(self.db.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0])
