"""The daemon's heartbeat and its jobs, so `status` in another process can report them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from monitor.store.base import StoreBase, iso


class DaemonTable(StoreBase):
    def daemon_started(self, pid: int, version: str, now: datetime) -> None:
        with self.transaction():
            self.db.execute(
                """INSERT INTO daemon (id, pid, version, started_at, heartbeat_at)
                   VALUES (1, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET pid = excluded.pid,
                     version = excluded.version, started_at = excluded.started_at,
                     heartbeat_at = excluded.heartbeat_at, stopped_at = NULL""",
                [pid, version, iso(now), iso(now)],
            )
            self.db.execute("DELETE FROM jobs")

    def daemon_stopped(self, now: datetime) -> None:
        with self.transaction():
            self.db.execute("UPDATE daemon SET stopped_at = ? WHERE id = 1", [iso(now)])

    def heartbeat(self, now: datetime) -> None:
        with self.transaction():
            self.db.execute("UPDATE daemon SET heartbeat_at = ? WHERE id = 1", [iso(now)])

    def job_scheduled(self, job_id: str, schedule: str, next_run: datetime | None) -> None:
        with self.transaction():
            self.db.execute(
                """INSERT INTO jobs (id, schedule, next_run_at) VALUES (?, ?, ?)
                   ON CONFLICT(id) DO UPDATE SET schedule = excluded.schedule,
                     next_run_at = excluded.next_run_at""",
                [job_id, schedule, iso(next_run)],
            )

    def job_started(self, job_id: str, now: datetime) -> None:
        with self.transaction():
            self.db.execute("UPDATE jobs SET last_started_at = ? WHERE id = ?", [iso(now), job_id])

    def job_finished(
        self,
        job_id: str,
        now: datetime,
        *,
        error: str | None,
        summary: str | None,
        next_run: datetime | None,
    ) -> None:
        with self.transaction():
            self.db.execute(
                """UPDATE jobs SET last_finished_at = :now, runs = runs + 1,
                     last_ok_at = CASE WHEN :error IS NULL THEN :now ELSE last_ok_at END,
                     last_error = :error, last_summary = :summary, next_run_at = :next
                   WHERE id = :id""",
                {
                    "now": iso(now),
                    "error": error,
                    "summary": summary,
                    "next": iso(next_run),
                    "id": job_id,
                },
            )
            self.db.execute("UPDATE daemon SET heartbeat_at = ? WHERE id = 1", [iso(now)])

    def daemon_state(self) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM daemon WHERE id = 1")
        return rows[0] if rows else None

    def jobs(self) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM jobs ORDER BY next_run_at IS NULL, next_run_at, id")
