"""Findings + a policy's known changes + today → a decision. Pure: no I/O, no clock.

A policy is one tracked measure, keyed by (actor, subject, scope). Its status is the
status after its latest change: none, proposed, moratorium (with until), ban, blocked,
lifted or expired. A finding either makes a new change, adds a source to a change
already known (the same news from another outlet, or the same status reported again),
or is ignored with a reason (older than what we know, or no change of status).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

STATUSES = ("none", "proposed", "moratorium", "ban", "blocked", "lifted", "expired")
CHANGES = (
    "imposed",
    "extended",
    "lifted",
    "expired",
    "blocked",
    "proposed",
    "expanded",
    "narrowed",
    "reinstated",
)
IN_FORCE = frozenset({"moratorium", "ban"})
ENDED = frozenset({"lifted", "expired"})
# Reports of one event spread over days (seed 002's related articles span 06-10 to 06-15).
SAME_EVENT_DAYS = 14
INDEFINITE = "indefinite"


@dataclass(frozen=True, slots=True)
class Finding:
    """What the state machine needs from one news event of one article."""

    change: str
    status_after: str
    effective: date
    until: str | None  # YYYY-MM-DD, "indefinite" or None
    # The status the article itself says held before ("extending a one-year moratorium it
    # announced last summer"); used only while the monitor knows nothing of the policy.
    prior: str | None = None


@dataclass(frozen=True, slots=True)
class KnownChange:
    """A change already recorded for the policy."""

    id: int
    change: str
    status_before: str
    status_after: str
    effective: date
    until: str | None
    presumed: bool = False  # an expiry the sweep inferred, not one an article reported


@dataclass(frozen=True, slots=True)
class Decision:
    action: Literal["change", "source", "ignore"]
    reason: str
    change: str | None = None
    status_before: str | None = None
    status_after: str | None = None
    effective: date | None = None
    until: str | None = None
    source_of: int | None = None  # the known change this finding reports again
    fill_until: str | None = None  # the known change lacked an end date; this one gives it


@dataclass(frozen=True, slots=True)
class Reminder:
    policy_id: int
    until: date
    days_left: int


@dataclass(frozen=True, slots=True)
class PolicyView:
    """A policy as the sweep sees it."""

    id: int
    actor: str
    subject: str
    scope: str
    status: str
    until: str | None
    history: Sequence[KnownChange]


def current(history: Sequence[KnownChange]) -> KnownChange | None:
    """The change that set the policy's status now.

    A presumed expiry that a later-recorded report overruled (an extension dated before
    the presumed end) no longer counts.
    """
    live = [
        c
        for c in history
        if not (c.presumed and any(o.id > c.id and not o.presumed for o in history))
    ]
    return max(live, key=lambda c: (c.effective, c.id)) if live else None


def decide(history: Sequence[KnownChange], finding: Finding) -> Decision:
    """What one finding means for a policy whose recorded changes are `history`."""
    again = _same_event(history, finding)
    if again is not None:
        return _source(again, finding, "the same event, reported again")
    latest = current(history)
    # Presumed expiries are inferences, not news: an article may overrule them.
    reported = [c for c in history if not c.presumed]
    anchor = max((c.effective for c in reported), default=None)
    if anchor is not None and finding.effective < anchor:
        return Decision(
            "ignore", f"older than the policy's latest reported change ({anchor.isoformat()})"
        )
    status = latest.status_after if latest else (finding.prior or "none")
    until = latest.until if latest else None
    return _transition(latest, status, until, finding)


def _transition(
    latest: KnownChange | None, status: str, until: str | None, finding: Finding
) -> Decision:
    kind, after = finding.change, finding.status_after
    if kind in ("imposed", "extended"):
        if status in IN_FORCE and latest is not None:
            if _lasts_longer(status, until, after, finding.until):
                return _change("extended", status, finding, after, finding.until)
            return _source(latest, finding, f"still {status}: the same status reported again")
        if status in ENDED and not (latest and latest.presumed and kind == "extended"):
            return _change("reinstated", status, finding, after, finding.until)
        return _change(kind, status, finding, after, finding.until)
    if kind in ("expanded", "narrowed"):
        if status in IN_FORCE:
            return _change(kind, status, finding, status, until)
        return _change("imposed", status, finding, after, finding.until)
    if kind == "proposed" and status in IN_FORCE:
        return Decision("ignore", f"a proposal while the measure is in force ({status})")
    if kind == "expired" and status == "lifted":
        return Decision("ignore", "already lifted")
    if status == after and latest is not None:
        return _source(latest, finding, f"already {status}")
    return _change(kind, status, finding, after, None)


def _same_event(history: Sequence[KnownChange], finding: Finding) -> KnownChange | None:
    """A known change this finding reports: same kind of news, within a couple of weeks."""
    window = timedelta(days=SAME_EVENT_DAYS)
    for known in sorted(history, key=lambda c: (c.effective, c.id), reverse=True):
        close = abs(known.effective - finding.effective) <= window
        alike = known.change == finding.change or (
            finding.change == "imposed" and known.change == "reinstated"
        )
        if close and alike and (known.status_after == finding.status_after or known.presumed):
            return known
    return None


def _lasts_longer(status: str, until: str | None, after: str, new_until: str | None) -> bool:
    """Does the finding leave the measure in force for longer than now recorded?"""
    if status == "ban":
        return False  # a ban has no end to push back
    if after == "ban":
        return True  # a moratorium made permanent
    if new_until is None or new_until == until:
        return False
    if new_until == INDEFINITE:
        return True
    return until is not None and until != INDEFINITE and new_until > until


def _change(
    kind: str,
    status_before: str,
    finding: Finding,
    status_after: str,
    until: str | None,
) -> Decision:
    end = until
    if status_after != "moratorium":
        end = None  # only a moratorium has an end date
    return Decision(
        "change",
        f"{status_before} → {status_after}",
        change=kind,
        status_before=status_before,
        status_after=status_after,
        effective=finding.effective,
        until=end,
    )


def _source(known: KnownChange, finding: Finding, reason: str) -> Decision:
    fill = finding.until if known.until is None and known.status_after == "moratorium" else None
    return Decision("source", reason, source_of=known.id, fill_until=fill)


# --- the daily sweep ---------------------------------------------------------------------


def expiry(policy: PolicyView, today: date) -> Decision | None:
    """A moratorium whose end date passed with no extension reported has expired."""
    end = _end_date(policy)
    if end is None or end >= today:
        return None
    return Decision(
        "change",
        f"the stated end date {end.isoformat()} passed with no extension reported",
        change="expired",
        status_before="moratorium",
        status_after="expired",
        effective=end,
    )


def reminder(policy: PolicyView, today: date, horizon_days: int) -> Reminder | None:
    """A moratorium within `horizon_days` of its end date."""
    end = _end_date(policy)
    if end is None or end < today or (end - today).days > horizon_days:
        return None
    return Reminder(policy.id, end, (end - today).days)


def _end_date(policy: PolicyView) -> date | None:
    if policy.status != "moratorium" or policy.until in (None, INDEFINITE):
        return None
    return date.fromisoformat(str(policy.until))
