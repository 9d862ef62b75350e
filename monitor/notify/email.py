"""Email digests: render (pure, Jinja2 templates in the package) and send (aiosmtplib).

Text that came from feeds (evidence, outlets, headlines) is cleaned of any markup with nh3
(to plain text) and then escaped by the HTML template's autoescape: a feed cannot inject
HTML. Only http(s) URLs become links.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

import aiosmtplib
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from monitor.config import EmailConfig
from monitor.notify import policy_label
from monitor.notify.sentence import change_sentence, plain, safe_url, source_links

_ENV = Environment(
    loader=PackageLoader("monitor.notify", "templates"),
    autoescape=select_autoescape(["html.j2"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True, slots=True)
class Digest:
    message_id: str
    subject: str
    text: str
    html: str
    change_ids: tuple[int, ...]


def ranked(changes: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Most certain first, then the most reported, then the newest."""
    newest_first = sorted(changes, key=lambda c: (c["effective"] or "", c["id"]), reverse=True)
    return sorted(newest_first, key=lambda c: (-c["confidence"], -c["articles"]))


def digest_item(change: dict[str, Any], base_url: str | None) -> dict[str, Any]:
    """One change as the digest shows it: a sentence, its date and weight, its evidence,
    and its sources as outlet names with headlines (never raw URLs as text)."""
    policy_url = None
    if base_url and change.get("policy_id") is not None:
        policy_url = f"{base_url.rstrip('/')}/policy/{change['policy_id']}#change-{change['id']}"
    return {
        "id": change["id"],
        "sentence": change_sentence(change),
        "policy": policy_label(change),
        "effective": change["effective"] or "date unknown",
        "confidence": f"{change['confidence']:.2f}",
        "sources": change["articles"],
        "presumed": bool(change["presumed"]),
        "evidence": plain(change["evidence"]),
        "links": source_links(change),
        "policy_url": safe_url(policy_url),
    }


def summary_line(changes: Sequence[dict[str, Any]], upcoming: Sequence[dict[str, Any]]) -> str:
    """ "3 changes in 2 policies · 1 moratorium ends within the reminder horizon"."""
    count = len(changes)
    policies = len({policy_label(c) for c in changes})
    line = (
        f"{count} change{'' if count == 1 else 's'} in {policies}"
        f" polic{'y' if policies == 1 else 'ies'}"
    )
    ahead = len(upcoming)
    if ahead:
        line += f" · {ahead} moratorium{'' if ahead == 1 else 's'} ending soon"
    else:
        line += " · no moratorium ending soon"
    return line


def render_digest(
    changes: Sequence[dict[str, Any]],
    upcoming: Sequence[dict[str, Any]],
    *,
    message_id: str,
    now: datetime,
    base_url: str | None = None,
) -> Digest:
    """The digest of these change records (as `timeline --json` prints them): a summary
    line, the changes ranked (confidence, then sources), then the moratoriums whose end
    is near. The text and HTML parts are rendered from the same values."""
    order = ranked(changes)
    items = [digest_item(c, base_url) for c in order]
    soon = [
        {
            "name": policy_label(p),
            "until": p["until"],
            "days_left": (date.fromisoformat(p["until"]) - now.date()).days,
            "url": safe_url(f"{base_url.rstrip('/')}/policy/{p['id']}") if base_url else None,
        }
        for p in upcoming
    ]
    values = {
        "generated": now.strftime("%Y-%m-%d %H:%M UTC"),
        "summary": summary_line(changes, upcoming),
        "items": items,
        "upcoming": soon,
        "message_id": message_id,
        "dashboard": safe_url(base_url),
    }
    count = len(items)
    subject = f"policy-monitor: {count} change{'' if count == 1 else 's'}"
    names = list(dict.fromkeys(item["policy"] for item in items))
    if names:
        subject += f" ({', '.join(names[:3])}{', …' if len(names) > 3 else ''})"
    return Digest(
        message_id=message_id,
        subject=subject,
        text=_ENV.get_template("digest.txt.j2").render(values),
        html=_ENV.get_template("digest.html.j2").render(values),
        change_ids=tuple(c["id"] for c in order),
    )


def build_message(config: EmailConfig, digest: Digest, now: datetime) -> EmailMessage:
    """One multipart/alternative message: the text part, then the HTML part."""
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = ", ".join(config.to)
    message["Subject"] = digest.subject
    message["Date"] = formatdate(now.timestamp(), usegmt=True)
    # Stable per digest: a resend after a crash carries the same Message-ID.
    message["Message-ID"] = digest.message_id
    message.set_content(digest.text)
    message.add_alternative(digest.html, subtype="html")
    return message


async def send_message(config: EmailConfig, message: EmailMessage) -> None:
    await aiosmtplib.send(
        message,
        hostname=config.host,
        port=config.port,
        username=config.user,
        password=config.password(),
        use_tls=config.security == "ssl",
        start_tls=config.security == "starttls",
        timeout=config.timeout,
    )
