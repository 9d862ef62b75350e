"""The articles table: insert with dedupe, read back."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.ingest import keyed, plausible_published
from monitor.models import Article, KeyedArticle
from monitor.store.base import StoreBase, iso


@dataclass(frozen=True, slots=True)
class InsertCounts:
    new: int
    duplicates: int


class ArticlesTable(StoreBase):
    def insert_articles(
        self,
        articles: Iterable[Article | KeyedArticle],
        *,
        now: datetime,
        feed_id: int | None = None,
    ) -> InsertCounts:
        """Insert the articles not already stored, in one transaction.

        A duplicate is an article whose canonical URL, guid key or content hash is
        already stored (checked in that order of strength, in one indexed query). An
        article given without its keys is keyed here.
        """
        new = duplicates = 0
        fetched_at = iso(now)
        with self.transaction():
            for item in articles:
                keys = item if isinstance(item, KeyedArticle) else keyed(item)
                article = keys.article
                canonical, guid, digest = keys.canonical_url, keys.guid_key, keys.content_hash
                seen = self.db.execute(
                    "SELECT 1 FROM articles WHERE canonical_url = ? OR guid_key = ?"
                    " OR content_hash = ? LIMIT 1",
                    [canonical, guid, digest],
                ).fetchone()
                if seen:
                    duplicates += 1
                    continue
                self.db.execute(
                    """INSERT INTO articles (canonical_url, url, guid_key, content_hash, title,
                         summary, text, published, outlet, origin, feed_id, fetched_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [
                        canonical,
                        article.url,
                        guid,
                        digest,
                        article.title,
                        article.summary,
                        article.text,
                        iso(plausible_published(article.published, now)),
                        article.outlet,
                        article.origin,
                        feed_id,
                        fetched_at,
                    ],
                )
                new += 1
        return InsertCounts(new=new, duplicates=duplicates)

    def articles(self, *, limit: int | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM articles ORDER BY coalesce(published, fetched_at), id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self._rows(sql)

    def unevaluated(self, *, limit: int | None = None) -> list[dict[str, Any]]:
        """Articles the engine has not read yet, oldest news first."""
        sql = (
            "SELECT * FROM articles WHERE evaluated_at IS NULL"
            " ORDER BY coalesce(published, fetched_at), id"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self._rows(sql)

    def claim_unevaluated(self, article_id: int) -> dict[str, Any] | None:
        """The article if no one has evaluated it yet. Call inside the transaction that
        evaluates it: the write lock makes the check and the evaluation one step, so two
        evaluators (the daemon and `evaluate`) never take the same article."""
        rows = self._rows(
            "SELECT * FROM articles WHERE id = ? AND evaluated_at IS NULL", [article_id]
        )
        return rows[0] if rows else None

    def mark_evaluated(self, article_id: int, now: datetime) -> None:
        self.db.execute("UPDATE articles SET evaluated_at = ? WHERE id = ?", [iso(now), article_id])

    def set_aside(self, article_id: int, error: str, now: datetime) -> None:
        """An article the rules failed on: marked evaluated, with the error, so that it no
        longer blocks the articles after it. `replay` tries it again."""
        with self.transaction():
            self.db.execute(
                "UPDATE articles SET evaluated_at = ?, evaluation_error = ?"
                " WHERE id = ? AND evaluated_at IS NULL",
                [iso(now), error, article_id],
            )

    def unevaluable(self, limit: int = 20) -> list[dict[str, Any]]:
        """The articles set aside, most recent first."""
        return self._rows(
            "SELECT title, evaluation_error AS error FROM articles"
            " WHERE evaluation_error IS NOT NULL ORDER BY evaluated_at DESC, id DESC"
            f" LIMIT {int(limit)}"
        )

    def set_story(self, article_id: int, story_id: int) -> None:
        self.db.execute(
            "UPDATE articles SET story_id = coalesce(story_id, ?) WHERE id = ?",
            [story_id, article_id],
        )

    def count_unevaluated(self) -> int:
        row = self.db.execute("SELECT count(*) FROM articles WHERE evaluated_at IS NULL")
        return int(row.fetchone()[0])
