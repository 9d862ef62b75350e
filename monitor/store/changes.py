"""Policies, findings, changes with their sources, stories and reminders: the derived
state, which `replay` can drop and rebuild from the stored articles."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from monitor.evidence import cap_evidence
from monitor.policy import Decision, KnownChange, PolicyView, current
from monitor.store.base import StoreBase, iso

DERIVED_TABLES = ("change_sources", "changes", "findings", "reminders", "policies", "stories")


class ChangesTable(StoreBase):
    # --- findings and policies ----------------------------------------------------------

    def insert_findings(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            self.db.table("findings").insert(
                {
                    **row,
                    "evidence": cap_evidence(row["evidence"]),
                    "rejected_cues": json.dumps(list(row.get("rejected_cues", ()))),
                }
            )

    def policy_id(self, actor: str, subject: str, scope: str, now: datetime) -> int:
        self.db.execute(
            "INSERT INTO policies (actor, subject, scope, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(actor, subject, scope) DO NOTHING",
            [actor, subject, scope, iso(now)],
        )
        row = self.db.execute(
            "SELECT id FROM policies WHERE actor = ? AND subject = ? AND scope = ?",
            [actor, subject, scope],
        ).fetchone()
        return int(row[0])

    def history(self, policy_id: int) -> list[KnownChange]:
        rows = self._rows(
            "SELECT * FROM changes WHERE policy_id = ? ORDER BY effective, id", [policy_id]
        )
        return [_known(r) for r in rows]

    def policy_views(self) -> list[PolicyView]:
        views = []
        for row in self._rows("SELECT * FROM policies ORDER BY id"):
            views.append(
                PolicyView(
                    id=row["id"],
                    actor=row["actor"],
                    subject=row["subject"],
                    scope=row["scope"],
                    status=row["status"],
                    until=row["until"],
                    history=self.history(row["id"]),
                )
            )
        return views

    # --- changes ------------------------------------------------------------------------

    def insert_change(
        self,
        policy_id: int,
        decision: Decision,
        *,
        key: str,
        evidence: str,
        confidence: float,
        now: datetime,
        story_title: str,
        presumed: bool = False,
        topic: str | None = None,
    ) -> int:
        """A new change, its story, and the policy's status after it. Returns its id."""
        effective = decision.effective.isoformat() if decision.effective else None
        story = self.db.table("stories").insert(
            {
                "event_key": key,
                "title": story_title,
                "first_published": effective,
                "created_at": iso(now),
            }
        )
        cursor = self.db.execute(
            """INSERT INTO changes (policy_id, change, status_before, status_after, effective,
                 until, evidence, confidence, story_id, created_at, key, presumed, topic)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                policy_id,
                decision.change,
                decision.status_before,
                decision.status_after,
                effective,
                decision.until,
                cap_evidence(evidence),
                confidence,
                story.last_pk,
                iso(now),
                key,
                int(presumed),
                topic,
            ],
        )
        self._refresh_policy(policy_id, now)
        return int(cursor.lastrowid or 0)

    def add_source(self, change_id: int, article_id: int, now: datetime) -> None:
        self.db.execute(
            "INSERT INTO change_sources (change_id, article_id, added_at) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            [change_id, article_id, iso(now)],
        )

    def fill_until(self, change_id: int, until: str, now: datetime) -> None:
        """A change first reported without an end date learns it from a later source."""
        self.db.execute(
            "UPDATE changes SET until = ? WHERE id = ? AND until IS NULL", [until, change_id]
        )
        row = self.db.execute("SELECT policy_id FROM changes WHERE id = ?", [change_id]).fetchone()
        self._refresh_policy(int(row[0]), now)

    def change_key(self, change_id: int) -> str:
        return str(
            self.db.execute("SELECT key FROM changes WHERE id = ?", [change_id]).fetchone()[0]
        )

    def story_of(self, change_id: int) -> int | None:
        row = self.db.execute("SELECT story_id FROM changes WHERE id = ?", [change_id]).fetchone()
        return int(row[0]) if row and row[0] is not None else None

    def stories_between(self, first: date, last: date) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT id, title FROM stories WHERE first_published BETWEEN ? AND ?",
            [first.isoformat(), last.isoformat()],
        )

    def _refresh_policy(self, policy_id: int, now: datetime) -> None:
        latest = current(self.history(policy_id))
        if latest is not None:
            self.db.execute(
                "UPDATE policies SET status = ?, until = ?, updated_at = ? WHERE id = ?",
                [latest.status_after, latest.until, iso(now), policy_id],
            )

    def feed_topic(self, feed_id: int | None) -> str | None:
        if feed_id is None:
            return None
        row = self.db.execute("SELECT topic FROM feeds WHERE id = ?", [feed_id]).fetchone()
        return row[0] if row else None

    def upcoming_expiries(self, first: date, last: date) -> list[dict[str, Any]]:
        """Moratoriums whose stated end falls between two dates."""
        return self._rows(
            "SELECT * FROM policies WHERE status = 'moratorium' AND until BETWEEN ? AND ?"
            " ORDER BY until",
            [first.isoformat(), last.isoformat()],
        )

    # --- reminders ----------------------------------------------------------------------

    def add_reminder(self, policy_id: int, until: date, now: datetime) -> bool:
        """Record a reminder once per (policy, end date). True if it is new."""
        cursor = self.db.execute(
            "INSERT INTO reminders (policy_id, until, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            [policy_id, until.isoformat(), iso(now)],
        )
        return cursor.rowcount > 0

    # --- reading ------------------------------------------------------------------------

    def timeline(self, policy_text: str | None = None) -> list[dict[str, Any]]:
        """Every change with its policy and sources, by policy then date."""
        where, params = "", []
        if policy_text:
            where = "WHERE (p.actor || ' ' || p.subject || ' ' || p.scope) LIKE ?"
            params = [f"%{policy_text}%"]
        return self._change_records(where, params)

    def change_records(self, change_ids: Iterable[int]) -> list[dict[str, Any]]:
        ids = list(change_ids)
        marks = ",".join("?" * len(ids)) or "NULL"
        return self._change_records(f"WHERE c.id IN ({marks})", ids)

    def recent_changes(self, limit: int) -> list[dict[str, Any]]:
        records = self._change_records("", [])
        return sorted(records, key=lambda r: r["id"], reverse=True)[:limit]

    def _change_records(self, where: str, params: list[Any]) -> list[dict[str, Any]]:
        rows = self._rows(
            f"""SELECT c.*, p.actor, p.subject, p.scope,
                  (c.presumed AND EXISTS (SELECT 1 FROM changes o WHERE o.policy_id = c.policy_id
                     AND o.id > c.id AND NOT o.presumed)) AS overruled
                FROM changes c
                JOIN policies p ON p.id = c.policy_id {where}
                ORDER BY p.actor, p.subject, p.scope, c.effective, c.id""",
            params,
        )
        for row in rows:
            sources = self._rows(
                """SELECT a.url, a.canonical_url, a.outlet, a.title, a.published
                   FROM change_sources s JOIN articles a ON a.id = s.article_id
                   WHERE s.change_id = ? ORDER BY a.published, a.id""",
                [row["id"]],
            )
            row["source_articles"] = sources
        return [change_record(row) for row in rows]

    def reset_derived(self) -> None:
        """Drop every row the engine and the state machine made; keep articles and feeds."""
        with self.transaction():
            self.db.execute(
                "UPDATE articles SET evaluated_at = NULL, story_id = NULL, evaluation_error = NULL"
            )
            for table in DERIVED_TABLES:
                self.db.execute(f"DELETE FROM [{table}]")


def _known(row: dict[str, Any]) -> KnownChange:
    return KnownChange(
        id=row["id"],
        change=row["change"],
        status_before=row["status_before"],
        status_after=row["status_after"],
        effective=date.fromisoformat(row["effective"]),
        until=row["until"],
        presumed=bool(row["presumed"]),
    )


def change_record(row: dict[str, Any]) -> dict[str, Any]:
    """One change as `timeline --json` prints it (the contract in DESIGN.md)."""
    sources = row["source_articles"]
    return {
        "id": row["id"],
        "key": row["key"],
        "policy_id": row["policy_id"],
        "actor": row["actor"],
        "subject": row["subject"] or None,
        "scope": row["scope"] or None,
        "change": row["change"],
        "status_before": row["status_before"],
        "status_after": row["status_after"],
        "effective": row["effective"],
        "until": row["until"],
        # Cut again on the way out: rows stored before evidence was capped.
        "evidence": cap_evidence(row["evidence"]),
        "confidence": round(row["confidence"], 2),
        "presumed": bool(row["presumed"]),
        "overruled": bool(row["overruled"]),
        "sources": [
            s["url"] or s["canonical_url"] for s in sources if s["url"] or s["canonical_url"]
        ],
        # Each source as a reader sees it: outlet and headline, linked (dashboard, digest).
        "links": [
            {"url": s["url"] or s["canonical_url"], "outlet": s["outlet"], "title": s["title"]}
            for s in sources
            if s["url"] or s["canonical_url"]
        ],
        "articles": len(sources),
        "outlets": sorted({s["outlet"] for s in sources if s["outlet"]}),
        "story": row["story_id"],
        "topic": row["topic"],
        "created_at": row["created_at"],
    }
