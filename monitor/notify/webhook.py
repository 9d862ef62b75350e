"""Webhooks: one change per request, as a CloudEvents 1.0 structured JSON event, signed
per Standard Webhooks (https://www.standardwebhooks.com/)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook

from monitor.evidence import cap_evidence
from monitor.fetch import retry_after_seconds
from monitor.notify import policy_label
from monitor.outbox import Attempt, http_attempt
from monitor.parse import parse_date

EVENT_TYPE = "org.policy-monitor.change.{change}"
USER_AGENT = "policy-monitor-webhooks/1"


def cloudevent(record: dict[str, Any], event_id: str, source: str) -> dict[str, Any]:
    """The CloudEvent for one change record (a `timeline --json` item)."""
    created = parse_date(record["created_at"]) or datetime.now(UTC)
    return {
        "specversion": "1.0",
        "id": event_id,
        "type": EVENT_TYPE.format(change=record["change"]),
        "source": source,
        "subject": policy_label(record, " / "),
        "time": created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "datacontenttype": "application/json",
        "data": change_data(record),
    }


def change_data(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "policy": {
            "actor": record["actor"],
            "subject": record["subject"],
            "scope": record["scope"],
        },
        "change": record["change"],
        "status_before": record["status_before"],
        "status_after": record["status_after"],
        "effective": record["effective"],
        "until": record["until"],
        "evidence": cap_evidence(record["evidence"] or ""),
        "confidence": record["confidence"],
        "presumed": record["presumed"],
        "sources": record["sources"],
        "story": record["story"],
    }


def signed_request(
    event: dict[str, Any], secret: str, now: datetime
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one attempt; webhook-id is the event's idempotency key."""
    body = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    signature = Webhook(secret).sign(event["id"], now, body)
    headers = {
        "content-type": "application/cloudevents+json; charset=utf-8",
        "user-agent": USER_AGENT,
        "webhook-id": event["id"],
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    return body.encode("utf-8"), headers


async def post(
    client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str]
) -> Attempt:
    started = time.perf_counter()
    try:
        response = await client.post(url, content=body, headers=headers)
    except httpx.TimeoutException:
        return Attempt(False, error="timed out", duration_ms=_ms(started))
    except httpx.HTTPError as exc:
        return Attempt(False, error=f"{type(exc).__name__}: {exc}", duration_ms=_ms(started))
    retry_after = retry_after_seconds(response.headers.get("retry-after"), time.time())
    return http_attempt(response.status_code, retry_after, _ms(started))


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
