"""The evaluate stage: stored articles → findings → policy changes, and the daily sweep.

Each article is one transaction: its findings, the changes and sources they make, its
story and its evaluated mark are written together, so a crash re-reads it whole.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from rapidfuzz import fuzz

from monitor.engine import Engine, Event
from monitor.outbox import ChangeFacts, Channel, start_of, too_old, wanted
from monitor.policy import IN_FORCE, Decision, Finding, decide, expiry, reminder
from monitor.store import Store, from_iso

# Articles the engine found nothing in still join a story whose title reads alike.
TITLE_SIMILARITY = 75
STORY_WINDOW_DAYS = 3


@dataclass
class EvaluateReport:
    articles: int = 0
    findings: int = 0
    changes: int = 0
    sources: int = 0
    ignored: int = 0
    failed: int = 0  # articles the rules failed on, set aside with their error

    def as_json(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class SweepReport:
    expired: int = 0
    reminders: int = 0

    def as_json(self) -> dict[str, int]:
        return asdict(self)


def change_key(actor: str, subject: str, scope: str, change: str, effective: date) -> str:
    """A stable name for a change: the same change rebuilt by a replay gets the same key."""
    text = "\x1f".join([actor, subject, scope, change, effective.isoformat()])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def evaluate_pending(
    store: Store,
    engine: Engine,
    now: datetime,
    *,
    limit: int | None = None,
    min_confidence: float = 0.0,
    channels: Sequence[Channel] = (),
) -> EvaluateReport:
    """Evaluate the articles not yet evaluated, in published order. Each new change is
    queued for the channels that want it, in the same transaction."""
    report = EvaluateReport()
    for candidate in store.unevaluated(limit=limit):
        try:
            with store.transaction():
                # Another evaluator may have taken it since the list was read.
                row = store.claim_unevaluated(candidate["id"])
                if row is None:
                    continue
                evaluate_article(store, engine, row, now, report, min_confidence, channels)
        except sqlite3.Error:
            raise  # the database's trouble, not the article's
        except Exception as exc:  # one article the rules fail on must not stop every run
            store.set_aside(candidate["id"], f"{type(exc).__name__}: {exc}", now)
            report.failed += 1
            continue
        report.articles += 1
    return report


def replay(
    store: Store,
    engine: Engine,
    now: datetime,
    *,
    min_confidence: float = 0.0,
    channels: Sequence[Channel] = (),
) -> EvaluateReport:
    """Drop the derived state and rebuild it from the stored articles. Changes already
    delivered come back under the same keys and are not sent again."""
    store.reset_derived()
    return evaluate_pending(store, engine, now, min_confidence=min_confidence, channels=channels)


def article_text(store: Store, row: dict[str, Any]) -> str:
    """What the engine reads: the linked page's main text when it was fetched (the whole
    article, so the evidence comes from it), else what the feed or file gave."""
    page = store.page_of(row["id"])
    if page is not None and page["text"]:
        return str(page["text"])
    return feed_text(row["summary"], row["text"])


def evaluate_article(
    store: Store,
    engine: Engine,
    row: dict[str, Any],
    now: datetime,
    report: EvaluateReport,
    min_confidence: float = 0.0,
    channels: Sequence[Channel] = (),
) -> None:
    published_at = from_iso(row["published"]) or from_iso(row["fetched_at"]) or now
    published = published_at.date()
    text = article_text(store, row)
    extraction = engine.extract(row["title"], text, published)
    store.insert_findings(
        [_finding_row(row["id"], e, news=True) for e in extraction.events]
        + [_finding_row(row["id"], e, news=False) for e in extraction.background]
        + [_finding_row(row["id"], e, news=False) for e in extraction.rejected]
    )
    report.findings += len(extraction.events) + len(extraction.background)
    strong = [e for e in extraction.events if e.confidence >= min_confidence]
    for event in strong:
        prior = _prior_status(event, extraction.background)
        _apply(store, row, event, published, now, report, prior, channels)
    if not strong:
        _join_similar_story(store, row, published)
    store.mark_evaluated(row["id"], now)


def _apply(
    store: Store,
    row: dict[str, Any],
    event: Event,
    published: date,
    now: datetime,
    report: EvaluateReport,
    prior: str | None,
    channels: Sequence[Channel],
) -> None:
    subject, scope = event.subject or "", event.scope or ""
    policy_id = store.policy_id(event.actor, subject, scope, now)
    effective = _effective(event, published)
    finding = Finding(event.change, event.status_after, effective, event.until, prior)
    decision = decide(store.history(policy_id), finding)
    if decision.action == "ignore":
        report.ignored += 1
        return
    if decision.action == "source":
        assert decision.source_of is not None
        change_id = decision.source_of
        if decision.fill_until:
            store.fill_until(change_id, decision.fill_until, now)
        report.sources += 1
    else:
        topic = store.feed_topic(row["feed_id"])
        change_id = _insert_change(store, policy_id, event, decision, row["title"], topic, now)
        assert decision.change is not None
        reported_at = from_iso(row["published"]) or from_iso(row["fetched_at"])
        facts = ChangeFacts(subject, decision.change, event.confidence, topic, reported_at)
        _enqueue(store, change_id, facts, channels, now)
        report.changes += 1
    store.add_source(change_id, row["id"], now)
    story = store.story_of(change_id)
    if story is not None:
        store.set_story(row["id"], story)


def _insert_change(
    store: Store,
    policy_id: int,
    event: Event,
    decision: Decision,
    title: str,
    topic: str | None,
    now: datetime,
) -> int:
    assert decision.change is not None and decision.effective is not None
    key = change_key(
        event.actor, event.subject or "", event.scope or "", decision.change, decision.effective
    )
    return store.insert_change(
        policy_id,
        decision,
        key=key,
        evidence=event.evidence,
        confidence=event.confidence,
        now=now,
        story_title=title,
        topic=topic,
    )


def _enqueue(
    store: Store,
    change_id: int,
    facts: ChangeFacts,
    channels: Sequence[Channel],
    now: datetime,
) -> None:
    skipped = too_old(channels, facts, now)
    store.enqueue(
        change_id, store.change_key(change_id), wanted(channels, facts), now, skipped=skipped
    )


def _prior_status(event: Event, background: list[Event]) -> str | None:
    """The status the article's own background gives this policy before the news."""
    for earlier in background:
        if earlier.key()[:3] == event.key()[:3] and earlier.status_after in IN_FORCE:
            return earlier.status_after
    return None


def _effective(event: Event, published: date) -> date:
    try:
        return date.fromisoformat(event.effective or "")
    except ValueError:
        return published


def _join_similar_story(store: Store, row: dict[str, Any], published: date) -> None:
    window = timedelta(days=STORY_WINDOW_DAYS)
    for story in store.stories_between(published - window, published + window):
        if fuzz.token_sort_ratio(row["title"], story["title"] or "") >= TITLE_SIMILARITY:
            store.set_story(row["id"], story["id"])
            return


def _finding_row(article_id: int, event: Event, *, news: bool) -> dict[str, Any]:
    return {
        "article_id": article_id,
        "rule": event.rule,
        "actor": event.actor,
        "subject": event.subject,
        "scope": event.scope,
        "change": event.change,
        "status_after": event.status_after,
        "effective": event.effective,
        "until": event.until,
        "evidence": event.evidence,
        "confidence": event.confidence,
        "is_news": int(news),
        "rejected_cues": event.cues,
    }


# --- the daily sweep ---------------------------------------------------------------------


def sweep(
    store: Store,
    today: date,
    horizon_days: int,
    now: datetime,
    channels: Sequence[Channel] = (),
) -> SweepReport:
    """Expire moratoriums whose end date passed; remind of those within the horizon."""
    report = SweepReport()
    with store.transaction():
        for policy in store.policy_views():
            decision = expiry(policy, today)
            if decision is not None:
                assert decision.effective is not None
                names = (policy.actor, policy.subject, policy.scope)
                change_id = store.insert_change(
                    policy.id,
                    decision,
                    key=change_key(*names, "expired", decision.effective),
                    evidence=f"Presumed: {decision.reason}.",
                    confidence=0.5,
                    now=now,
                    story_title=f"{names[0]}: {names[1]} ({names[2]}) moratorium presumed expired",
                    presumed=True,
                )
                # Reported the day it is presumed to have happened: an expiry presumed
                # years late (an old moratorium, a backlog) is history, not news.
                facts = ChangeFacts(
                    policy.subject, "expired", 0.5, None, start_of(decision.effective)
                )
                _enqueue(store, change_id, facts, channels, now)
                report.expired += 1
                continue
            due = reminder(policy, today, horizon_days)
            if due is not None and store.add_reminder(policy.id, due.until, now):
                report.reminders += 1
    return report


def feed_text(summary: str | None, text: str | None) -> str:
    """The text the engine reads: the body, after the summary unless the body already
    holds it (many feeds repeat one in the other, which would count every word twice)."""
    summary, text = (summary or "").strip(), (text or "").strip()
    if not summary or summary in text:
        return text
    if not text or text in summary:
        return summary
    return f"{summary}\n{text}"
