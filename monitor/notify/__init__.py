"""The channels a change is delivered to: webhook, email digest, Apprise, Atom feed."""

from __future__ import annotations

from typing import Any


def policy_label(record: dict[str, Any], separator: str = " · ") -> str:
    """ "Amazon · facial recognition · police" for a change record."""
    parts = (record["actor"], record["subject"], record["scope"])
    return separator.join(p for p in parts if p)
