"""The article_pages table: each feed item's linked page, reduced to its main text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.store.base import StoreBase, iso


@dataclass(frozen=True, slots=True)
class PageOutcome:
    """What fetching and extracting one article's page gave: `text`, or an `error`."""

    url: str
    fetched_at: datetime
    final_url: str | None = None
    status_code: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    text: str | None = None
    error: str | None = None


class PagesTable(StoreBase):
    def articles_without_page(self, limit: int) -> list[dict[str, Any]]:
        """Feed items not yet evaluated whose page has not been tried. Imported files
        (seeds, JSONL) are whole articles already: only what a feed gave is completed."""
        return self._rows(
            """SELECT a.id, a.url, a.title, a.summary, a.text FROM articles a
               WHERE a.evaluated_at IS NULL AND a.feed_id IS NOT NULL AND a.url IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM article_pages p WHERE p.article_id = a.id)
               ORDER BY a.id LIMIT ?""",
            [limit],
        )

    def record_page(self, article_id: int, page: PageOutcome) -> None:
        with self.transaction():
            self.db.execute(
                """INSERT INTO article_pages (article_id, url, final_url, fetched_at,
                     status_code, etag, last_modified, text, error)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(article_id) DO UPDATE SET final_url = excluded.final_url,
                     fetched_at = excluded.fetched_at, status_code = excluded.status_code,
                     etag = coalesce(excluded.etag, etag),
                     last_modified = coalesce(excluded.last_modified, last_modified),
                     text = coalesce(excluded.text, text), error = excluded.error""",
                [
                    article_id,
                    page.url,
                    page.final_url,
                    iso(page.fetched_at),
                    page.status_code,
                    page.etag,
                    page.last_modified,
                    page.text,
                    page.error,
                ],
            )

    def page_of(self, article_id: int) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM article_pages WHERE article_id = ?", [article_id])
        return rows[0] if rows else None
