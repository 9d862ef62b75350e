"""The outbox's rules, pure: which channels want a change, the idempotency key, what an
attempt's outcome means, and when to try again.

The rows themselves live in SQLite (monitor/store/outbox.py); a change and its rows are
written in one transaction, and delivery is at-least-once with a stable key per
(change, channel), so a receiver can always tell a resend.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from tenacity import RetryCallState, Retrying, wait_exponential_jitter

from monitor.config import ChannelFilter, DeliveryConfig, Settings

ChannelKind = Literal["webhook", "apprise", "email"]
# 408 Request Timeout and 429 Too Many Requests are worth another try; so is any 5xx.
RETRYABLE_STATUS = frozenset({408, 429})


@dataclass(frozen=True, slots=True)
class Channel:
    name: str
    kind: ChannelKind
    filter: ChannelFilter
    max_age_s: float = 0.0  # `delivery.max_age`; 0: no limit


@dataclass(frozen=True, slots=True)
class ChangeFacts:
    """What channel filters look at."""

    subject: str
    change: str
    confidence: float
    topic: str | None
    # When the change was first reported (the article's published date); None: now.
    reported_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Attempt:
    """The outcome of one try to deliver one row."""

    ok: bool
    status_code: int | None = None
    error: str | None = None
    retry_after: float | None = None  # seconds the receiver asked us to wait
    permanent: bool = False  # no point trying again (a 4xx other than 408/429)
    duration_ms: int = 0


def channels(settings: Settings) -> list[Channel]:
    max_age = settings.delivery.max_age
    found = [Channel(w.channel, "webhook", w, max_age) for w in settings.webhooks]
    found += [Channel(a.channel, "apprise", a, max_age) for a in settings.apprise]
    if settings.email is not None:
        found.append(Channel(settings.email.channel, "email", settings.email, max_age))
    return found


def wanted(available: Sequence[Channel], facts: ChangeFacts) -> list[str]:
    """The channels whose filters let this change through."""
    return [c.name for c in available if _passes(c.filter, facts)]


def too_old(available: Sequence[Channel], facts: ChangeFacts, now: datetime) -> dict[str, str]:
    """The channels this change is too old for, each with the reason, in words. Their
    outbox rows are recorded as `skipped`, so the outbox shows why nothing was sent."""
    reasons = {}
    for channel in available:
        reason = stale_reason(facts.reported_at, now, channel.max_age_s)
        if reason is not None:
            reasons[channel.name] = reason
    return reasons


def stale_reason(reported_at: datetime | None, now: datetime, max_age_s: float) -> str | None:
    """Why a change reported at `reported_at` is not sent now, or None if it is news."""
    if reported_at is None or max_age_s <= 0:
        return None
    if now - reported_at <= timedelta(seconds=max_age_s):
        return None
    return (
        f"not sent: reported {reported_at:%Y-%m-%d}, older than delivery.max_age"
        f" ({format_duration(max_age_s)})"
    )


def start_of(day: date) -> datetime:
    """Midnight UTC: when a change known only by its date (a presumed expiry) happened."""
    return datetime.combine(day, time(), UTC)


def format_duration(seconds: float) -> str:
    """14d, 36h, 90m, 45s: the largest unit that divides it."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def _passes(rule: ChannelFilter, facts: ChangeFacts) -> bool:
    if rule.topics and facts.topic not in rule.topics:
        return False
    if rule.subjects and facts.subject.casefold() not in {s.casefold() for s in rule.subjects}:
        return False
    if rule.changes and facts.change not in rule.changes:
        return False
    return facts.confidence >= rule.min_confidence


def idempotency_key(change_key: str, channel: str) -> str:
    """Stable per (change, channel): a resend, even after a replay, carries the same key."""
    digest = hashlib.sha256(f"{change_key}\x1f{channel}".encode()).hexdigest()[:32]
    return f"msg_{digest}"


def http_attempt(status_code: int, retry_after: float | None, duration_ms: int) -> Attempt:
    """2xx is delivered; 408, 429 and 5xx are retried; any other status is final."""
    if 200 <= status_code < 300:
        return Attempt(True, status_code, duration_ms=duration_ms)
    retryable = status_code in RETRYABLE_STATUS or status_code >= 500
    return Attempt(
        False,
        status_code,
        f"HTTP {status_code}",
        retry_after=retry_after,
        permanent=not retryable,
        duration_ms=duration_ms,
    )


def next_state(attempts: int, attempt: Attempt, config: DeliveryConfig) -> str:
    """sent, pending (to be retried) or dead, after `attempts` tries including this one."""
    if attempt.ok:
        return "sent"
    if attempt.permanent or attempts >= config.max_attempts:
        return "dead"
    return "pending"


def retry_at(now: datetime, attempts: int, attempt: Attempt, config: DeliveryConfig) -> datetime:
    """Exponential backoff with jitter (tenacity's: initial × 2^(n-1) + up to `initial`
    more at random, capped), never sooner than the receiver's Retry-After."""
    wait = wait_exponential_jitter(
        multiplier=config.backoff_initial, max=config.backoff_max, jitter=config.backoff_initial
    )
    state = RetryCallState(retry_object=Retrying(), fn=None, args=(), kwargs={})
    state.attempt_number = attempts
    delay = min(wait(state), config.backoff_max)
    if attempt.retry_after is not None:
        delay = max(delay, attempt.retry_after)
    return now + timedelta(seconds=delay)
