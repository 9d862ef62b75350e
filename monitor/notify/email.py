"""Email digests: render (pure, Jinja2 templates in the package) and send (aiosmtplib).

Text that came from feeds (evidence, URLs) is cleaned of any markup with nh3 (to plain
text) and then escaped by the HTML template's autoescape: a feed cannot inject HTML.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

import aiosmtplib
import nh3
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from monitor.config import EmailConfig
from monitor.notify import policy_label

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


def render_digest(
    changes: Sequence[dict[str, Any]],
    upcoming: Sequence[dict[str, Any]],
    *,
    message_id: str,
    now: datetime,
) -> Digest:
    """The digest of these change records (as `timeline --json` prints them), grouped by
    policy, then the moratoriums whose end is near."""
    clean = [_clean(c) for c in changes]
    policies: dict[str, list[dict[str, Any]]] = {}
    for change in sorted(clean, key=lambda c: (policy_label(c), c["effective"] or "", c["id"])):
        policies.setdefault(policy_label(change), []).append(change)
    grouped = [{"name": name, "changes": items} for name, items in policies.items()]
    soon = [
        {
            "name": policy_label(p),
            "until": p["until"],
            "days_left": (date.fromisoformat(p["until"]) - now.date()).days,
        }
        for p in upcoming
    ]
    values = {
        "generated": now.strftime("%Y-%m-%d %H:%M UTC"),
        "changes": clean,
        "policies": grouped,
        "upcoming": soon,
        "message_id": message_id,
    }
    count = len(clean)
    subject = f"policy-monitor: {count} change{'' if count == 1 else 's'}"
    if policies:
        names = list(policies)
        subject += f" ({', '.join(names[:3])}{', …' if len(names) > 3 else ''})"
    return Digest(
        message_id=message_id,
        subject=subject,
        text=_ENV.get_template("digest.txt.j2").render(values),
        html=_ENV.get_template("digest.html.j2").render(values),
        change_ids=tuple(c["id"] for c in clean),
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


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    """Feed text without markup; the HTML template escapes what is left."""
    return {
        **record,
        "evidence": html.unescape(nh3.clean(record["evidence"] or "", tags=set())),
        "sources": [u for u in record["sources"] if u.startswith(("http://", "https://"))],
    }
