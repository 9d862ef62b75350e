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
from monitor.engine.dates import announced_on, resolve_until
from monitor.engine.lexicon import Lexicon
from monitor.engine.model import Event
from monitor.engine.subjects import subject_in
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
    sentence_cues = find_cues(context.cues, sentence, 0, published, where="sentence")
    first = True
    spans = _clause_spans(sentence)
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
        if _inside_name(clause, at, is_title=is_title) or _noun_use(clause, at):
            continue  # "Peoples Ban Corp", "producing blocks": not a measure
        found = {
            **sentence_cues,
            **find_cues(context.cues, clause, _cue_point(clause, at), published, where="clause"),
        }
        cues = settle(found, clause)
        passive = _is_passive(clause, at, trigger_end, is_title=is_title)
        if passive:
            actors = context.actors.resolve_passive(clause, at, trigger_end, in_title=is_title)
        else:
            actors = context.actors.resolve(clause, at, in_title=is_title, first_in_sentence=first)
        first = False
        if rule.change == "blocked":
            court = _COURT_NAME.search(clause)
            if court:
                name = re.sub(r"^(?:a|an|the)\s+", "", court.group(0), flags=re.IGNORECASE)
                actors = [(name, "court")]
        if not actors:
            continue
        subject = (
            context.subjects.first(clause)
            or context.subjects.first(sentence)
            or context.main_subject
            or (
                _passive_subject(clause[:at])
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
        if published and _dated_before(clause, published):
            cues.add("background")  # "On February 20, Brazil suspended ...": earlier news
        if _one_person(context.actors, clause, at, trigger_end):
            cues.add("sanction")  # "Kenya lift Chepkemei's suspension", "banned Smith"
        if rule.needs_verb and _standing_law(clause, at):
            cues.add("background")
        if rule.needs_verb and _bare_noun(clause, at, trigger_end):
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
                )
            )
    return events


_PARTICIPLE = re.compile(
    r"(?:banned|barred|blocked|halted|suspended|prohibited|outlawed|paused|restricted|"
    r"lifted|extended|struck down|overturned)\b",
    re.IGNORECASE,
)
_BE = re.compile(
    r"\b(?:is|are|was|were|been|be|being|get|gets|got|has been|have been|had been)"
    r"(?:\s+\w+ly)?\s*$",
    re.IGNORECASE,
)


def _is_passive(clause: str, at: int, end: int, *, is_title: bool) -> bool:
    """ "The app was banned", "Cartoon banned in Russia" (a headline drops the verb
    "to be"): the words before the trigger are what is banned."""
    if not _PARTICIPLE.match(clause, at):
        return False
    before = clause[:at].rstrip()
    if _BE.search(before):
        return True
    return is_title and bool(before) and before[-1:].isalnum()


def _passive_subject(before: str) -> str | None:
    """What a passive's subject names: "her episode on the war" → "episode on the war"."""
    before = re.split(r"\bthat\b", before)[-1]  # "announced that firms will be barred"
    words = re.findall(r"[\w'’-]+", before)
    while words and words[-1].casefold() in (
        "will",
        "would",
        "is",
        "are",
        "was",
        "were",
        "been",
        "has",
        "have",
        "had",
        "be",
        "being",
        "get",
        "gets",
        "got",
    ):
        words.pop()
    while words and words[0].casefold() in ("the", "a", "an", "its", "their", "her", "his"):
        words = words[1:]
    return " ".join(words[-6:]) or None


_NOUN_TRIGGER = re.compile(
    r"(?:bans?|moratori(?:um|a|ums)|embargo(?:es)?|prohibitions?|suspension|freeze|halt|"
    r"pause)\b",
    re.I,
)
_AMBIGUOUS = frozenset({"ban", "bans", "freeze", "halt", "pause"})
_VERB_BEFORE = frozenset(
    """to will would could may might must shall should can cannot not also and or 'll
    it they he she we i who which that effectively quietly officially formally
    reportedly now""".split()
)
_NOUN_BEFORE = frozenset(
    """a an the its their his her our this that these those any no new total near-total
    temporary permanent blanket outright nationwide statewide federal national sweeping
    proposed planned full partial similar existing current earlier previous such global
    worldwide complete indefinite citywide countywide""".split()
)
_NOUN_AFTER = frozenset(
    """on of against for in to and or was is has had will would could came comes took
    takes that which from by at law laws bill act order rules""".split()
)
# Verbs that make a named ban news: "announced a moratorium", "issues 12-month ban".
_IMPOSING = re.compile(
    r"\b(?:(?:announc|impos|introduc|issu|adopt|approv|pass|unveil|enact|declar|order|"
    r"plac|agre|implement|start|launch|sign|institut|establish|enforc|roll|extend|reinstat|"
    r"expand|vot|lift|end|scrap|propos|seek|want|back|support|consider|plan|prepar|weigh|"
    r"mull|eye|urg|demand|threaten|face|oppos|reject|challeng|renew|keep|maintain|"
    r"continu|mak|push|overturn|block|strik|revok|rescind|repeal|delay|postpon|suspend|"
    r"freez|halt|send|call|win|los|get|uph[oe]ld)(?:e|es|ed|ing|s|d|ted|ped|ned|ning)?|"
    r"put|putting|set|setting|bring|brought|began|begun|begin|made|kept|sent|won|lost|got|"
    r"slapped|struck|"
    r"planned|planning|froze|frozen)\b",
    re.IGNORECASE,
)
_PASSIVE_IMPOSED = re.compile(
    r"^[^.;]{0,60}?\b(?:was|were|has been|have been|is|are|will be|had been|being)\s+"
    r"(?:\w+ly\s+)?(?:imposed|announced|introduced|approved|adopted|passed|enacted|ordered|"
    r"issued|extended|put in place|agreed|implemented|declared|signed)\b",
    re.IGNORECASE,
)


_POSSESSOR = re.compile(r"([A-Z][\w'’-]+)(?:'s|’s)\s+(?:[\w-]+\s+){0,2}$")
_POSSESSIVE_NAME = re.compile(r"\b([A-Z][\w'’-]+)(?:'s|’s)\s")
_OBJECT_NAME = re.compile(r"^\s+(?:[A-Z][\w'’-]+\s+)?([A-Z][\w'’-]+)\b")


def _one_person(actors: ArticleActors, clause: str, at: int, end: int) -> bool:
    """The measure falls on one person: the possessor of the ban ("Chepkemei's
    suspension") or the object of the verb ("banned Van Nistelrooy") is a surname."""
    possessor = _POSSESSOR.search(clause[:at])
    if possessor and actors.is_person(possessor.group(1)):
        return True
    inside = _POSSESSIVE_NAME.search(clause, at, end)  # "lift Chepkemei's suspension"
    if inside and actors.is_person(inside.group(1)):
        return True
    named = _OBJECT_NAME.match(clause[end:])
    return bool(named and actors.is_person(named.group(1)))


_COMPANY_AFTER = re.compile(
    r"\w+\s+(?:Corp|Corporation|Inc|Co|Ltd|Plc|Group|Bancorp|Holdings|Bank)\b\.?"
)
_WEAK_VERB = re.compile(r"(?:halt|suspend|paus|freez|froze|block)", re.IGNORECASE)
_NOUN_MAKERS = frozenset({"large", "big", "small", "huge", "major", "minority", "majority"})
_LAW_NOUN = re.compile(
    r"\b(?:law|rule|ordinance|act|regulation|policy|treaty|statute|decree)s?\s*$", re.IGNORECASE
)


def _noun_use(clause: str, at: int) -> bool:
    """A weak verb used as a noun ("producing blocks", "a large block of shares")."""
    if not _WEAK_VERB.match(clause, at):
        return False
    before = re.findall(r"[\w'’-]+", clause[:at])
    previous = before[-1].casefold() if before else ""
    following = re.match(r"\s*\w+\s+(\w+)", clause[at:])
    if following and following.group(1).casefold() in ("to", "on"):
        return False  # "a nationwide halt to evictions", "a freeze on hiring": a measure
    return (
        previous in _NOUN_BEFORE
        or previous in _NOUN_MAKERS
        or (previous.endswith("ing") and len(previous) > 5)
    )


def _standing_law(clause: str, at: int) -> bool:
    """ "a key apartheid law barring blacks from ...": a law in force named by what it
    bans, not news of its passing (unless a verb before passes or signs it)."""
    before = clause[:at]
    if not _LAW_NOUN.search(before):
        return False
    return not _IMPOSING.search(" ".join(re.findall(r"[\w'’-]+", before)[-8:]))


def _inside_name(clause: str, at: int, *, is_title: bool) -> bool:
    """A capitalised trigger word mid-sentence between capitalised words is part of a
    name ("Peoples Ban Corp"); headlines capitalise everything, so not there."""
    if _COMPANY_AFTER.match(clause, at):
        return True  # "Peoples Ban Corp", in a headline too
    if is_title or at == 0 or not clause[at].isupper():
        return False
    if len(re.findall(r"(?<![\w'’-])[a-z]", clause)) < 3:
        return False  # a title-case line: every word has a capital
    before = clause[:at].split()[-1:]
    after = clause[at:].split()[1:2]
    return any(w[:1].isupper() for w in before + after)


_MONTH_DAY = re.compile(
    r"\b(?:on\s+)?(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|"
    r"Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?\s+"
    r"(\d{1,2})(?:st|nd|rd|th)?\b(?!,?\s*\d{4})"
)
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}


def _dated_before(clause: str, published: date) -> bool:
    """The clause dates its event a week or more before the article ("On February 20,
    Brazil suspended ..." in a March story): a report of earlier news."""
    for match in _MONTH_DAY.finditer(clause):
        month = _MONTHS[match.group(1)[:3].casefold()]
        try:
            when = date(published.year, month, int(match.group(2)))
        except ValueError:
            continue
        if when > published:
            continue  # a date ahead: an end or a start to come, not the past
        if (published - when).days >= 7:
            return True
    return False


def _bare_noun(clause: str, at: int, end: int) -> bool:
    """A ban named as a noun with no verb that imposes it ("the ban", "Huawei ban",
    "faces a ban"): a mention of a measure, not news of one. Verb uses ("Amazon bans
    police use") and nouns governed by a verb ("issues 12-month ban") are news."""
    noun = _NOUN_TRIGGER.match(clause, at)
    if noun is None:
        return False
    word = noun.group(0)
    end = noun.end()
    before = re.findall(r"[\w'’-]+", clause[:at])
    after = re.findall(r"[\w'’-]+|[.,;:!?]", clause[end:])
    previous = before[-1].casefold() if before else ""
    following = after[0].casefold() if after else ""
    if word.casefold() in _AMBIGUOUS:
        if previous in _VERB_BEFORE:
            return False  # "to ban", "will ban": a verb
        nounish = (
            previous in _NOUN_BEFORE
            or previous.endswith(("'s", "’s"))
            or "-" in previous
            or following in _NOUN_AFTER
            or (following.endswith("ed") and len(following) > 4)  # "TikTok ban pushed by"
            or not following
            or not following[:1].isalnum()
        )
        if not nounish:
            return False  # "Amazon bans police use"
    window = " ".join(before[-8:])
    return not (_IMPOSING.search(window) or _PASSIVE_IMPOSED.search(clause[end:]))


_COURT_NAME = re.compile(
    r"\b(?:(?:[A-Z][\w.]*|federal|district|supreme|high|appeals?|state|constitutional)\s+)*"
    r"(?:judge|court|justices|tribunal)\b(?:\s+of\s+[A-Z][\w]*(?:\s+[A-Z][\w]*)*)?"
)


def _clause_spans(sentence: str) -> list[tuple[int, int]]:
    from monitor.engine.text import clauses

    return clauses(sentence)


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
