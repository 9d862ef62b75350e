"""One event per policy and per report: merging what several sentences of an article
say about the same change. Pure."""

from __future__ import annotations

from typing import Any

from monitor.engine.actors import AGENT_NOUNS
from monitor.engine.model import Event


def keep_best(kept: dict[tuple[Any, ...], Event], event: Event) -> None:
    """One event per (actor, subject, scope, change): the most confident, then the one
    that states an end date."""
    old = kept.get(event.key())
    if old is None or _rank(event) > _rank(old):
        kept[event.key()] = event


def _rank(event: Event) -> tuple[float, bool]:
    return (event.confidence, event.until is not None)


def merge_vague(kept: dict[tuple[Any, ...], Event]) -> list[Event]:
    """Drop an event that says less than another of the same change in the article:
    "it would continue its moratorium" is the moratorium named fully elsewhere, and a
    headline's "Federal eviction moratorium expires" is the body's federal moratorium."""
    events = list(kept.values())
    return [e for e in events if not any(_covers(s, e) for s in events if s is not e)]


def merge_headline(events: list[Event]) -> list[Event]:
    """A headline and the body usually report one event in different words ("Italy lifts
    ChatGPT ban" / "Italy's data protection authority lifted its temporary ban"): one
    event, with the headline's short actor and the body's evidence and details. Two named
    actors (the topic pack's) are two events ("Microsoft and Amazon adopt ... bans")."""
    body = [e for e in events if not e.headline]
    merged: list[Event] = []
    used: set[int] = set()
    for head in (e for e in events if e.headline):
        partner = next((b for b in body if id(b) not in used and _same_news(head, b)), None)
        if partner is None:
            merged.append(head)
            continue
        used.add(id(partner))
        actor = head.actor if _names_well(head) else partner.actor
        merged.append(
            Event(
                actor=actor,
                subject=partner.subject or head.subject,
                scope=partner.scope or head.scope,
                change=partner.change,
                status_after=partner.status_after,
                effective=partner.effective,
                until=partner.until or head.until,
                evidence=partner.evidence,
                rule=partner.rule,
                confidence=max(head.confidence, partner.confidence),
                news=True,
                cues=partner.cues,
                headline=False,
                actor_by=partner.actor_by if actor == partner.actor else head.actor_by,
                position=head.position,
            )
        )
    return merged + [b for b in body if id(b) not in used]


def _same_news(head: Event, body: Event) -> bool:
    if head.change != body.change or head.status_after != body.status_after:
        return False
    if head.actor_by == "alias" and body.actor_by == "alias":
        return head.actor == body.actor
    if head.actor_by == "alias" or body.actor_by == "alias":
        return head.actor.casefold() in body.actor.casefold() or (
            body.actor.casefold() in head.actor.casefold()
        )
    return True


def _names_well(event: Event) -> bool:
    """A proper name (not a lone common noun such as "Judge") of up to four words."""
    words = event.actor.split()
    lone_noun = len(words) == 1 and words[0].casefold() in AGENT_NOUNS
    return event.actor[:1].isupper() and len(words) <= 4 and not lone_noun


def _covers(fuller: Event, vaguer: Event) -> bool:
    if fuller.change != vaguer.change or fuller.headline != vaguer.headline:
        return False  # a headline and its body sentence are merged, not dropped
    same_actor = fuller.actor == vaguer.actor or (
        fuller.actor.split()[0].casefold() == vaguer.actor.split()[0].casefold()
        and fuller.rule == vaguer.rule
        and not (vaguer.subject and fuller.subject and vaguer.subject != fuller.subject)
    )
    if not same_actor:
        return False
    for name in ("subject", "scope"):
        mine, theirs = getattr(vaguer, name), getattr(fuller, name)
        if mine is not None and theirs != mine:
            return False
    known = [vaguer.subject, vaguer.scope].count(None)
    richer = [fuller.subject, fuller.scope].count(None)
    if richer != known:
        return richer < known
    # Equally specific: keep one, the more confident (then the earlier evidence).
    return _rank(fuller) > _rank(vaguer) or (
        _rank(fuller) == _rank(vaguer)
        and fuller.actor != vaguer.actor
        and len(fuller.actor) < len(vaguer.actor)
    )
