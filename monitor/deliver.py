"""The deliver stage: drain the outbox (webhooks, Apprise) once, and send email digests.

At-least-once: a row is marked sent only after the receiver accepted it, in the same
transaction as the record of the attempt. A crash in between leaves it pending, and the
resend carries the same idempotency key (webhook-id, Message-ID).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiosmtplib
import httpx

from monitor.config import ConfigError, Settings
from monitor.notify import apprise as apprise_channel
from monitor.notify import email as email_channel
from monitor.notify import webhook
from monitor.outbox import (
    Attempt,
    ChangeFacts,
    Channel,
    channels,
    idempotency_key,
    next_state,
    retry_at,
    stale_reason,
    wanted,
)
from monitor.store import Store, from_iso

Clock = Callable[[], datetime]
CONCURRENCY = 8
LEASE_MARGIN_S = 10.0


@dataclass
class DeliverReport:
    attempted: int = 0
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


async def deliver_pending(
    store: Store,
    settings: Settings,
    clock: Clock,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> DeliverReport:
    """Try every due webhook and Apprise row once (after giving channels configured
    since the last run the rows they lack)."""
    report = DeliverReport()
    queue_missing(store, channels(settings), clock())
    config = settings.delivery
    webhooks = {w.channel: w for w in settings.webhooks}
    apprises = {a.channel: a for a in settings.apprise}
    limit = asyncio.Semaphore(CONCURRENCY)
    timeout = httpx.Timeout(config.timeout)
    done: set[int] = set()
    async with httpx.AsyncClient(transport=transport, timeout=timeout) as client:

        async def one(row: dict[str, Any], record: dict[str, Any]) -> None:
            async with limit:
                if row["channel"] in webhooks:
                    target = webhooks[row["channel"]]
                    try:
                        secret = target.resolve_secret()
                    except ConfigError as exc:
                        attempt = Attempt(False, error=str(exc))
                    else:
                        event = webhook.cloudevent(record, row["idempotency_key"], config.source)
                        # The real time, not the scheduling clock: receivers reject
                        # signatures whose timestamp is far from their own clock.
                        signed_at = datetime.now(UTC)
                        body, headers = webhook.signed_request(event, secret, signed_at)
                        attempt = await webhook.post(client, target.url, body, headers)
                elif row["channel"] in apprises:
                    attempt = await apprise_channel.send(apprises[row["channel"]].url, record)
                else:
                    attempt = Attempt(False, error="channel no longer configured", permanent=True)
            _finish(store, row, attempt, clock(), settings, report)

        while True:
            # Claim a batch no larger than what runs at once, so each row's lease needs to
            # cover one request only: a crash delays its resend by seconds, not minutes.
            now = clock()
            lease = now + timedelta(seconds=config.timeout + LEASE_MARGIN_S)
            rows = store.claim_due(now, lease, prefixes=("webhook:", "apprise:"), limit=CONCURRENCY)
            rows = [r for r in rows if r["id"] not in done]
            if not rows:
                break
            done.update(r["id"] for r in rows)
            records = {r["id"]: r for r in store.change_records({row["change_id"] for row in rows})}
            await asyncio.gather(*(one(row, records[row["change_id"]]) for row in rows))
    return report


def _finish(
    store: Store,
    row: dict[str, Any],
    attempt: Attempt,
    now: datetime,
    settings: Settings,
    report: DeliverReport,
) -> None:
    attempts = row["attempts"] + 1
    state = next_state(attempts, attempt, settings.delivery)
    due = retry_at(now, attempts, attempt, settings.delivery) if state == "pending" else None
    store.finish_attempt(row, attempt, state, now, due)
    report.attempted += 1
    if state == "sent":
        report.sent += 1
    elif state == "dead":
        report.dead += 1
        report.errors.append(f"{row['channel']} #{row['id']}: {attempt.error} (dead)")
    else:
        report.retrying += 1
        report.errors.append(f"{row['channel']} #{row['id']}: {attempt.error} (will retry)")


# --- channels added later ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MissingRow:
    """An outbox row a change lacks because its channel was configured after it."""

    change_id: int
    change_key: str
    channel: str
    skip_reason: str | None  # too old to alert (`delivery.max_age`); None: to be sent


def missing_rows(store: Store, available: list[Channel], now: datetime) -> list[MissingRow]:
    """The rows that `queue_missing` would add. Reads only (for `digest --preview`)."""
    by_name = {c.name: c for c in available}
    found = []
    for change in store.changes_without_rows(list(by_name)):
        queued = set((change["queued"] or "").split("\x1f"))
        reported_at = from_iso(change["reported_at"])
        facts = ChangeFacts(
            change["subject"], change["change"], change["confidence"], change["topic"], reported_at
        )
        for name in wanted(available, facts):
            if name not in queued:
                reason = stale_reason(reported_at, now, by_name[name].max_age_s)
                found.append(MissingRow(change["id"], change["key"], name, reason))
    return found


def queue_missing(store: Store, available: list[Channel], now: datetime) -> int:
    """Give a channel configured after some changes were recorded the rows it lacks: the
    changes still within `delivery.max_age` are sent, older ones recorded as skipped.
    Idempotent: a change never gets two rows for one channel. Returns the rows added."""
    added = 0
    with store.transaction():
        for row in missing_rows(store, available, now):
            skipped = {row.channel: row.skip_reason} if row.skip_reason else None
            added += store.enqueue(
                row.change_id, row.change_key, [row.channel], now, skipped=skipped
            )
    return added


# --- email digests -------------------------------------------------------------------------


@dataclass
class DigestPlan:
    """What a digest would send now: a digest left unsent by a crash, or a new one."""

    digest: email_channel.Digest | None
    digest_id: int | None  # set when resuming a digest already recorded
    outbox_ids: list[int]


def plan_digest(
    store: Store,
    channel: str,
    now: datetime,
    horizon_days: int,
    *,
    unqueued: list[MissingRow] | None = None,
    base_url: str | None = None,
) -> DigestPlan:
    """The next digest. `unqueued`: rows not written yet that it would also cover (a
    preview shows the digest a newly configured [email] would send, without writing)."""
    unsent = store.unsent_digest()
    if unsent is not None:
        rows = store.digest_rows(unsent["id"])
        message_id, digest_id = unsent["message_id"], unsent["id"]
    else:
        rows = store.pending_for(channel) + [
            _unwritten_row(m) for m in unqueued or [] if m.channel == channel and not m.skip_reason
        ]
        rows.sort(key=lambda r: int(r["change_id"]))
        digest_id = None
        keys = "\n".join(r["idempotency_key"] for r in rows)
        message_id = f"<digest-{hashlib.sha256(keys.encode()).hexdigest()[:24]}@policy-monitor>"
    if not rows:
        return DigestPlan(None, None, [])
    records = store.change_records(r["change_id"] for r in rows)
    upcoming = store.upcoming_expiries(now.date(), now.date() + timedelta(days=horizon_days))
    digest = email_channel.render_digest(
        records, upcoming, message_id=message_id, now=now, base_url=base_url
    )
    return DigestPlan(digest, digest_id, [r["id"] for r in rows if r["id"] is not None])


def _unwritten_row(row: MissingRow) -> dict[str, Any]:
    """An outbox row as it will be written, for a preview."""
    key = idempotency_key(row.change_key, row.channel)
    return {"id": None, "change_id": row.change_id, "idempotency_key": key}


async def send_digest(store: Store, settings: Settings, clock: Clock) -> int:
    """Send the pending digest, if any; returns the number of changes it covered."""
    email = settings.email
    if email is None:
        raise ConfigError("no [email] table in the configuration")
    now = clock()
    horizon = int(settings.policy.reminder_horizon // 86400)
    queue_missing(store, channels(settings), now)
    base_url = str(settings.web.base_url) if settings.web.base_url else None
    plan = plan_digest(store, email.channel, now, horizon, base_url=base_url)
    if plan.digest is None:
        return 0
    # Record what the digest covers before sending: a crash after the send resends this
    # same digest (same Message-ID), never a second one with other contents.
    digest_id = plan.digest_id or store.open_digest(plan.digest.message_id, plan.outbox_ids, now)
    if digest_id is None:
        return 0  # another sender took these changes a moment ago and mails them
    message = email_channel.build_message(email, plan.digest, now)
    try:
        await email_channel.send_message(email, message)
    except aiosmtplib.SMTPException as exc:
        refusal = permanent_refusal(exc)
        if refusal is None:
            raise  # a 4xx or a lost connection: the same digest is sent next time
        # Retrying a message the server refuses for good would block every later digest.
        count = store.kill_digest(digest_id, refusal, clock())
        raise DigestRefused(
            f"the SMTP server refused the digest for good ({refusal}); its {count} changes"
            " are in dead-letter (`policy-monitor outbox --dead`, `outbox retry --all-dead`)"
        ) from None
    store.close_digest(digest_id, clock())
    return len(plan.outbox_ids)


class DigestRefused(Exception):
    """The SMTP server refused a digest with a permanent (5xx) reply."""


def permanent_refusal(exc: aiosmtplib.SMTPException) -> str | None:
    """The server's reply if it refused for good (5xx, or 5xx for every recipient)."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        if codes and all(code >= 500 for code in codes):
            return "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
        return None
    if isinstance(exc, aiosmtplib.SMTPResponseException) and exc.code >= 500:
        return f"{exc.code} {exc.message}"
    return None
