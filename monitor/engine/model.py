"""What the engine finds: events (findings) and an article's extraction."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    """One status change a rule found in an article (a finding)."""

    actor: str
    subject: str | None
    scope: str | None
    change: str
    status_after: str
    effective: str | None
    until: str | None
    evidence: str
    rule: str
    confidence: float
    news: bool = True
    cues: tuple[str, ...] = ()
    headline: bool = False  # found in the title
    actor_by: str = "alias"  # how the actor was found: alias, proper-noun, ...
    position: int = 0  # the sentence's index: 0.. for the title, then the body's
    offset: int = 0  # where the trigger's clause starts in the sentence

    def key(self) -> tuple[str, str | None, str | None, str]:
        return (self.actor, self.subject, self.scope, self.change)

    def but(self, **changes: Any) -> Event:
        return replace(self, **changes)

    def as_json(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "subject": self.subject,
            "scope": self.scope,
            "change": self.change,
            "status_after": self.status_after,
            "effective": self.effective,
            "until": self.until,
            "evidence": self.evidence,
            "rule": self.rule,
            "confidence": round(self.confidence, 2),
        }


@dataclass(frozen=True, slots=True)
class Extraction:
    events: list[Event] = field(default_factory=list)  # news as of the article's date
    background: list[Event] = field(default_factory=list)  # earlier events, own dates
    rejected: list[Event] = field(default_factory=list)  # triggers a cue cancelled
