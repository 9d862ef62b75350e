"""What the dashboard reads: changes filtered by topic, actor and kind, one policy, one
story and its articles, and the choices the filters offer. Reads only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from monitor.store.changes import ChangesTable


@dataclass(frozen=True, slots=True)
class ChangeFilter:
    """The overview's filters, as its query string carries them (empty: any)."""

    topic: str = ""
    actor: str = ""
    change: str = ""

    def sql(self) -> tuple[str, list[Any]]:
        clauses, params = [], []
        if self.topic:
            clauses.append("c.topic = ?")
            params.append(self.topic)
        if self.actor:
            clauses.append("p.actor = ?")
            params.append(self.actor)
        if self.change:
            clauses.append("c.change = ?")
            params.append(self.change)
        return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


class DashboardTable(ChangesTable):
    def filtered_changes(self, wanted: ChangeFilter, limit: int) -> list[dict[str, Any]]:
        """Changes matching the filters, newest first (by effective date, then record)."""
        where, params = wanted.sql()
        records = self._change_records(where, params)
        records.sort(key=lambda r: (r["effective"] or "", r["id"]), reverse=True)
        return records[:limit]

    def policies_with_counts(self) -> list[dict[str, Any]]:
        return self._rows(
            """SELECT p.*, count(c.id) AS changes, max(c.effective) AS last_effective
               FROM policies p LEFT JOIN changes c ON c.policy_id = p.id
               GROUP BY p.id ORDER BY p.actor, p.subject, p.scope"""
        )

    def policy_row(self, policy_id: int) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM policies WHERE id = ?", [policy_id])
        return rows[0] if rows else None

    def policy_changes(self, policy_id: int) -> list[dict[str, Any]]:
        """A policy's changes, oldest first."""
        return self._change_records("WHERE c.policy_id = ?", [policy_id])

    def story_row(self, story_id: int) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM stories WHERE id = ?", [story_id])
        return rows[0] if rows else None

    def story_articles(self, story_id: int) -> list[dict[str, Any]]:
        """The articles of a story: those assigned to it and the sources of its changes."""
        return self._rows(
            """SELECT DISTINCT a.id, a.url, a.canonical_url, a.outlet, a.title, a.summary,
                      a.published, pg.text IS NOT NULL AS page_read, pg.error AS page_error
               FROM articles a LEFT JOIN article_pages pg ON pg.article_id = a.id
               WHERE a.story_id = ?
                  OR a.id IN (SELECT s.article_id FROM change_sources s
                              JOIN changes c ON c.id = s.change_id WHERE c.story_id = ?)
               ORDER BY a.published, a.id""",
            [story_id, story_id],
        )

    def story_changes(self, story_id: int) -> list[dict[str, Any]]:
        return self._change_records("WHERE c.story_id = ?", [story_id])

    def filter_choices(self) -> dict[str, list[str]]:
        """The values each filter can take, from what is recorded."""

        def column(sql: str) -> list[str]:
            return [str(row[0]) for row in self.db.execute(sql).fetchall() if row[0]]

        return {
            "topic": column("SELECT DISTINCT topic FROM changes ORDER BY topic"),
            "actor": column(
                "SELECT DISTINCT p.actor FROM policies p JOIN changes c ON c.policy_id = p.id"
                " ORDER BY p.actor"
            ),
            "change": column("SELECT DISTINCT change FROM changes ORDER BY change"),
        }
