"""Evidence is one sentence a person reads: it is kept short wherever it is stored or sent.

A feed can make one "sentence" of megabytes (no full stop for 10 MB); stored and mailed
whole, it made a 21 MB digest that the SMTP server refused, blocking every later one.
"""

from __future__ import annotations

EVIDENCE_MAX_CHARS = 1000
ELLIPSIS = "…"


def cap_evidence(text: str, limit: int = EVIDENCE_MAX_CHARS) -> str:
    """The text if it fits in `limit` characters; else cut at the last word break that
    keeps at least half of it, with an ellipsis (mid-word if there is no such break)."""
    if len(text) <= limit:
        return text
    head = text[: limit - len(ELLIPSIS) + 1]  # one more: a break right after the cut counts
    cut = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
    if cut < limit // 2:
        cut = limit - len(ELLIPSIS)
    return head[:cut].rstrip(" \t\n,;:") + ELLIPSIS
