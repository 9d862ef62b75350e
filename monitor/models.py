"""The project's words as typed records (see DESIGN.md: article, story, finding, ...).

Frozen dataclasses, not pydantic models: they cross process boundaries (the parse pool
pickles them) and sit on the hot path of import, where validation would cost time for
data the code itself built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Article:
    """One fetched or imported item, as plain text, before it is stored."""

    title: str
    text: str
    url: str | None = None
    guid: str | None = None
    published: datetime | None = None
    outlet: str | None = None
    # Where it came from: the feed URL for a fetch, the file path for an import.
    origin: str | None = None
    summary: str = ""


@dataclass(frozen=True, slots=True)
class KeyedArticle:
    """An article with the keys it is deduplicated by (see ingest.py), computed where it
    was parsed: they are pure, so a parse worker computes them and the main process
    only looks them up and writes."""

    article: Article
    canonical_url: str | None
    guid_key: str | None
    content_hash: str


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """What one feed document yielded: its own title and link, and its articles."""

    title: str | None
    link: str | None
    version: str
    articles: list[Article] = field(default_factory=list)
    # A harmless fault feedparser worked around (e.g. a wrong declared encoding).
    warning: str | None = None
    # Not well-formed XML: what the loose parser recovered is kept, and this is an error.
    malformed: str | None = None


@dataclass(frozen=True, slots=True)
class FileError:
    """A file that could not be imported, and why, in words for a person."""

    path: str
    error: str


@dataclass(slots=True)
class ImportReport:
    """The outcome of `import`: counts and per-file errors (the `--json` shape)."""

    new: int = 0
    duplicates: int = 0
    errors: list[FileError] = field(default_factory=list)

    def add(self, other: ImportReport) -> None:
        self.new += other.new
        self.duplicates += other.duplicates
        self.errors.extend(other.errors)

    def as_json(self) -> dict[str, object]:
        return {
            "new": self.new,
            "duplicates": self.duplicates,
            "errors": [{"path": e.path, "error": e.error} for e in self.errors],
        }
