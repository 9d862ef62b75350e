"""One sentence → candidate events. Pure.

Each clause's strongest trigger is read with what surrounds it: the cues that demote or
cancel it, its actor, subject and scope, and its end date. Whether a candidate is the
article's news is decided later, by the reader, from where it stands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from monitor.engine.actors import COURT, ArticleActors
from monitor.engine.cues import CANCELLING, background_when, find_cues, reported_speech, settle
from monitor.engine.dates import announced_on, dated_before, resolve_until
from monitor.engine.lexicon import Lexicon
from monitor.engine.model import Event
from monitor.engine.subjects import subject_in
from monitor.engine.text import clauses
from monitor.engine.wording import (
    bare_noun,
    inside_name,
    is_passive,
    noun_use,
    one_person,
    passive_subject,
    standing_law,
)
from monitor.rules import CueRule, TriggerRule

_MORATORIUM_WORDS = re.compile(
    r"moratori|temporar|pause|paused|halt|suspen|one-year|for a (?:whole |full )?year",
    re.IGNORECASE,
)
_PERMANENT = re.compile(r"permanent", re.IGNORECASE)
_ANNOUNCED = re.compile(r"\b(?:announced|imposed|introduced|issued|adopted|put in place)\b", re.I)


@dataclass(frozen=True)
class SentenceContext:
    """What a sentence's reading needs from the article and the rules."""

    triggers: list[TriggerRule]
    cues: list[CueRule]
    subjects: Lexicon
    scopes: Lexicon
    actors: ArticleActors
    published: date | None
    year_now: int | None = None  # the article's year, or the latest it names if undated

    @cached_property
    def main_subject(self) -> str | None:
        for sentence in self.actors.sentences:
            found = self.subjects.first(sentence)
            if found:
                return found
        return None


def sentence_events(
    context: SentenceContext, sentence: str, position: int, *, is_title: bool
) -> list[Event]:
    events: list[Event] = []
    evidence = sentence
    sentence = reported_speech(sentence)
    published = context.published
    sentence_cues = find_cues(context.cues, sentence, 0, context.year_now, where="sentence")
    spans = clauses(sentence)
    whole = strongest_trigger(context.triggers, sentence)
    strongest = max(
        (
            hit[0].priority
            for a, b in spans
            if (hit := strongest_trigger(context.triggers, sentence[a:b]))
        ),
        default=-1,
    )
    if whole and whole[0].priority > strongest:
        # "The ban on fracking, known as ..., has been lifted": the commas of an apposition
        # split the trigger; read the sentence whole.
        spans = [(0, len(sentence))]
    for start, end in spans:
        clause = sentence[start:end]
        hit = strongest_trigger(context.triggers, clause)
        if hit is None:
            continue
        rule, at, trigger_end = hit
        if inside_name(clause, at, is_title=is_title) or noun_use(clause, at):
            continue  # "Peoples Ban Corp", "producing blocks": not a measure
        found = {
            **sentence_cues,
            **find_cues(
                context.cues, clause, _cue_point(clause, at), context.year_now, where="clause"
            ),
        }
        cues = settle(found, clause)
        passive = is_passive(clause, at, trigger_end, is_title=is_title)
        if passive:
            actors = context.actors.resolve_passive(clause, at, trigger_end, in_title=is_title)
        else:
            actors = context.actors.resolve(clause, at, in_title=is_title)
        if rule.change == "blocked":
            court = _COURT_NAME.search(clause)
            if court:
                name = re.sub(r"^(?:a|an|the)\s+", "", court.group(0), flags=re.IGNORECASE)
                actors = [(name, "court")]
        if not actors and rule.place_actor:
            place = context.actors.any_place()
            actors = [(place, "place")] if place else []
        if not actors:
            continue
        subject = (
            context.subjects.first(clause)
            or context.subjects.first(sentence)
            or context.main_subject
            or (
                passive_subject(clause[:at])
                if passive and not clause[:trigger_end].rstrip().endswith("from")
                else None
            )
            or subject_in(clause, at, trigger_end)
        )
        scope = (
            context.scopes.first(clause[at:])
            or context.scopes.first(clause)
            or context.scopes.first(sentence)
        )
        # An end counts from the day the measure was announced, when the text says it.
        base = announced_on(sentence, published) if published else None
        until = resolve_until(clause, base) or resolve_until(sentence, base)
        status = status_after(rule, clause, until)
        confidence = rule.confidence
        if actors[0][1] == "alias" and subject:
            confidence += 0.1
        if actors[0][1] not in ("alias", "proper-noun"):
            confidence -= 0.15
        if is_title:
            confidence -= 0.05  # headlines compress; a body sentence is better evidence
        change = rule.change
        if change == "lifted" and any(COURT.search(name) for name, _ in actors):
            # A court that ends a measure strikes it down: blocked, not lifted by choice.
            change, status = "blocked", "blocked"
        if "proposal" in cues and change in ("imposed", "expanded", "extended", "lifted"):
            # A plan, bill or proposal to ban (or to lift a ban) is not yet in force.
            status = "ban" if change == "lifted" else "proposed"
            change = "proposed"
            cues.discard("proposal")
        effective: str | None = base.isoformat() if base else None
        if "background" in cues:
            effective = (
                background_when(context.cues, clause, sentence, published) if published else None
            )
            if _ANNOUNCED.search(clause):
                change = "imposed"  # "a moratorium it announced last summer"
            if change != "imposed":
                until = None
        if published and dated_before(clause, published):
            cues.add("background")  # "On February 20, Brazil suspended ...": earlier news
        if one_person(context.actors, clause, at, trigger_end):
            cues.add("sanction")  # "Kenya lift Chepkemei's suspension", "banned Smith"
        if rule.needs_verb and standing_law(clause, at):
            cues.add("background")
        if rule.needs_verb and bare_noun(clause, at, trigger_end):
            cues.add("background")  # "the ban", "after the Huawei ban": named, not imposed
        cancelled = bool(cues & CANCELLING)
        for actor, how in actors:
            events.append(
                Event(
                    actor=actor,
                    subject=subject,
                    scope=scope,
                    change=change,
                    status_after=status,
                    effective=effective,
                    until=until if status == "moratorium" else None,
                    evidence=evidence,
                    rule=rule.id,
                    confidence=max(0.05, min(0.99, confidence)),
                    news=not cues,
                    cues=tuple(sorted(cues)) if cancelled or cues else (),
                    headline=is_title,
                    actor_by=how,
                    position=position,
                    offset=start,
                )
            )
    return events


_COURT_NAME = re.compile(
    r"\b(?:(?:[A-Z][\w.]*|federal|district|supreme|high|appeals?|state|constitutional)\s+)*"
    r"(?:judge|court|justices|tribunal)\b(?:\s+of\s+[A-Z][\w]*(?:\s+[A-Z][\w]*)*)?"
)


_COURT_VERB = re.compile(
    r"\b(?:block|enjoin|str(?:uck|ike)|halt|suspend|put on hold|stay|overturn|invalidat)",
    re.IGNORECASE,
)


def _cue_point(clause: str, at: int) -> int:
    """Where the words before a trigger end, for cues: after a court that opens the
    trigger ("the Justices turned away a challenge ... to block"), at the court's verb."""
    verb = _COURT_VERB.search(clause, at)
    if verb and COURT.search(clause[max(0, at - 12) : at]):
        return verb.start()
    return at


def strongest_trigger(
    triggers: list[TriggerRule], clause: str
) -> tuple[TriggerRule, int, int] | None:
    """The highest-priority trigger of the clause: (rule, start, end). A trigger that
    opens with the court ("The Supreme Court struck down ...") starts after it, so the
    court stays in the text where the actor is looked for."""
    for rule in triggers:  # highest priority first
        match = rule.regex.search(clause)
        if match:
            start = match.start()
            court = COURT.match(clause, start)
            if court:
                start = court.end()
            return (rule, start, match.end())
    return None


def status_after(rule: TriggerRule, clause: str, until: str | None) -> str:
    if rule.status is not None:
        return rule.status
    if _PERMANENT.search(clause):
        return "ban"
    # A measure with an end, even an open one ("until further notice"), is a moratorium.
    if _MORATORIUM_WORDS.search(clause) or until is not None:
        return "moratorium"
    return "ban"
