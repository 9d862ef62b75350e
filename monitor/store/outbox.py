"""The outbox: one row per (change, channel), claimed, attempted, and marked sent, retried
or dead; the ledger of sent keys; email digests and the rows they covered."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from monitor.outbox import Attempt, idempotency_key
from monitor.store.base import StoreBase, iso


class OutboxTable(StoreBase):
    def enqueue(
        self,
        change_id: int,
        change_key: str,
        channels: Iterable[str],
        now: datetime,
        *,
        skipped: Mapping[str, str] | None = None,
    ) -> int:
        """Rows for a new change; call inside the change's transaction. A key delivered
        before (the same change rebuilt by a replay) is recorded as sent, not sent again;
        a channel in `skipped` (too old to alert) gets a `skipped` row with the reason."""
        added = 0
        for channel in channels:
            key = idempotency_key(change_key, channel)
            sent = self.db.execute(
                "SELECT sent_at FROM sent_keys WHERE idempotency_key = ?", [key]
            ).fetchone()
            reason = (skipped or {}).get(channel)
            state = "sent" if sent else "skipped" if reason is not None else "pending"
            cursor = self.db.execute(
                """INSERT INTO outbox (change_id, channel, idempotency_key, state,
                     next_attempt_at, created_at, sent_at, last_error)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
                [
                    change_id,
                    channel,
                    key,
                    state,
                    iso(now) if state == "pending" else None,
                    iso(now),
                    sent[0] if sent else None,
                    reason if state == "skipped" else None,
                ],
            )
            added += cursor.rowcount
        return added

    def changes_without_rows(self, channels: list[str]) -> list[dict[str, Any]]:
        """Changes that lack an outbox row for one of these channels (recorded before the
        channel was configured), with what the channel filters and `max_age` look at.
        A presumed expiry that a later report overruled is left out: it is not news."""
        if not channels:
            return []
        marks = ",".join("?" * len(channels))
        return self._rows(
            f"""SELECT c.id, c.key, c.change, c.confidence, c.topic, p.subject,
                  (SELECT group_concat(o.channel, char(31)) FROM outbox o
                     WHERE o.change_id = c.id) AS queued,
                  coalesce(
                    (SELECT min(coalesce(a.published, a.fetched_at)) FROM change_sources s
                       JOIN articles a ON a.id = s.article_id WHERE s.change_id = c.id),
                    c.effective || 'T00:00:00Z') AS reported_at
                FROM changes c JOIN policies p ON p.id = c.policy_id
                WHERE (SELECT count(*) FROM outbox o
                         WHERE o.change_id = c.id AND o.channel IN ({marks})) < ?
                  AND NOT (c.presumed AND EXISTS (SELECT 1 FROM changes later
                    WHERE later.policy_id = c.policy_id AND later.id > c.id
                      AND NOT later.presumed))
                ORDER BY c.id""",
            [*channels, len(channels)],
        )

    def claim_due(
        self, now: datetime, lease_until: datetime, *, prefixes: tuple[str, ...], limit: int = 100
    ) -> list[dict[str, Any]]:
        """Pending rows that are due, for channels with these prefixes. Each is leased
        (its next attempt pushed to `lease_until`) so another deliverer skips it; a
        crash leaves it pending and it is tried again, with the same key, when the
        lease ends."""
        like = " OR ".join("channel LIKE ?" for _ in prefixes) or "0"
        with self.transaction():
            rows = self._rows(
                f"""SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?
                    AND ({like}) ORDER BY next_attempt_at, id LIMIT {int(limit)}""",
                [iso(now), *(f"{p}%" for p in prefixes)],
            )
            for row in rows:
                self.db.execute(
                    "UPDATE outbox SET next_attempt_at = ? WHERE id = ?",
                    [iso(lease_until), row["id"]],
                )
        return rows

    def finish_attempt(
        self,
        row: dict[str, Any],
        attempt: Attempt,
        state: str,
        now: datetime,
        next_attempt_at: datetime | None,
    ) -> None:
        """Record one attempt and the row's state after it, together."""
        with self.transaction():
            self.db.table("deliveries").insert(
                {
                    "outbox_id": row["id"],
                    "attempted_at": iso(now),
                    "status_code": attempt.status_code,
                    "error": attempt.error,
                    "duration_ms": attempt.duration_ms,
                }
            )
            self.db.execute(
                """UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ?,
                     next_attempt_at = ?, sent_at = ? WHERE id = ?""",
                [
                    state,
                    attempt.error,
                    iso(next_attempt_at),
                    iso(now) if state == "sent" else None,
                    row["id"],
                ],
            )
            if state == "sent":
                self._remember_sent(row["idempotency_key"], row["channel"], now)

    def _remember_sent(self, key: str, channel: str, now: datetime) -> None:
        self.db.execute(
            "INSERT INTO sent_keys (idempotency_key, channel, sent_at) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            [key, channel, iso(now)],
        )

    def outbox_rows(self, *, state: str | None = None) -> list[dict[str, Any]]:
        where, params = ("WHERE o.state = ?", [state]) if state else ("", [])
        return self._rows(
            f"""SELECT o.*, c.change, c.effective, p.actor, p.subject, p.scope
                FROM outbox o JOIN changes c ON c.id = o.change_id
                JOIN policies p ON p.id = c.policy_id {where} ORDER BY o.id""",
            params,
        )

    def requeue(self, now: datetime, *, row_id: int | None = None) -> int:
        """Dead rows (one, or all) back to pending, due now, attempts reset."""
        # A dead email row leaves its refused digest and joins the next one.
        sql = (
            "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?,"
            " last_error = NULL, digest_id = NULL WHERE state = 'dead'"
        )
        params: list[Any] = [iso(now)]
        if row_id is not None:
            sql += " AND id = ?"
            params.append(row_id)
        with self.transaction():
            return int(self.db.execute(sql, params).rowcount)

    def outbox_counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall()
        return {"pending": 0, "sent": 0, "dead": 0, "skipped": 0} | {state: n for state, n in rows}

    # --- digests ------------------------------------------------------------------------

    def unsent_digest(self) -> dict[str, Any] | None:
        """A digest that was built and perhaps sent, but not marked sent (a crash)."""
        rows = self._rows(
            "SELECT * FROM digests WHERE sent_at IS NULL AND dead_at IS NULL ORDER BY id LIMIT 1"
        )
        return rows[0] if rows else None

    def pending_for(self, channel: str) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT * FROM outbox WHERE channel = ? AND state = 'pending' AND digest_id IS NULL"
            " ORDER BY change_id",
            [channel],
        )

    def digest_rows(self, digest_id: int) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT * FROM outbox WHERE digest_id = ? ORDER BY change_id", [digest_id]
        )

    def open_digest(self, message_id: str, outbox_ids: list[int], now: datetime) -> int | None:
        """Record which rows a digest covers before it is sent. None if another sender
        (the daemon, or `digest --send` beside it) took any of them since they were read:
        that sender mails them, and this digest is not sent."""
        with self.transaction():
            marks = ",".join("?" * len(outbox_ids)) or "NULL"
            free = self.db.execute(
                f"SELECT count(*) FROM outbox WHERE id IN ({marks})"
                " AND digest_id IS NULL AND state = 'pending'",
                outbox_ids,
            ).fetchone()[0]
            if free != len(outbox_ids):
                return None
            digest = self.db.table("digests").insert(
                {"message_id": message_id, "created_at": iso(now), "changes": len(outbox_ids)}
            )
            digest_id = int(str(digest.last_pk))
            for outbox_id in outbox_ids:
                self.db.execute(
                    "UPDATE outbox SET digest_id = ? WHERE id = ?", [digest_id, outbox_id]
                )
        return digest_id

    def close_digest(self, digest_id: int, now: datetime) -> None:
        with self.transaction():
            self.db.execute("UPDATE digests SET sent_at = ? WHERE id = ?", [iso(now), digest_id])
            for row in self.digest_rows(digest_id):
                self.db.execute(
                    "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1"
                    " WHERE id = ?",
                    [iso(now), row["id"]],
                )
                self._remember_sent(row["idempotency_key"], row["channel"], now)

    def kill_digest(self, digest_id: int, error: str, now: datetime) -> int:
        """A digest refused for good: it and its outbox rows are dead (`outbox retry`
        requeues the rows into a later digest). Returns the number of rows."""
        with self.transaction():
            self.db.execute(
                "UPDATE digests SET dead_at = ?, last_error = ? WHERE id = ?",
                [iso(now), error, digest_id],
            )
            cursor = self.db.execute(
                "UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ?"
                " WHERE digest_id = ? AND state = 'pending'",
                [error, digest_id],
            )
        return int(cursor.rowcount)
