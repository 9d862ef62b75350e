"""The article reader: an article → its news (events), its background and what cues
rejected. Pure: rules, text and the publication date in.

A news article reports one change, sometimes two, in its headline and lead; the rest is
context. So candidates are ranked by where they stand: the headline and the first body
sentences carry the news peg, a later sentence counts only when it marks itself as news
of the day ("on Tuesday", "today"), and the article gives one event per policy.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from datetime import date
from typing import Any

from monitor.engine.actors import ArticleActors
from monitor.engine.candidates import SentenceContext, sentence_events
from monitor.engine.cues import CANCELLING
from monitor.engine.dates import measure_end
from monitor.engine.lexicon import Lexicon
from monitor.engine.merge import keep_best, merge_headline, merge_vague
from monitor.engine.model import Event, Extraction
from monitor.engine.places import gazetteer
from monitor.engine.subjects import named_measure
from monitor.engine.text import LEAD_SENTENCES, Article, read_article
from monitor.rules import CueRule, RuleSet, TriggerRule

# A body sentence beyond the lead is news only when it says it happened now. Matched on
# lower-cased text without IGNORECASE or \b: several times faster on long articles.
_NEWS_OF_THE_DAY = re.compile(
    r"today|tonight|this (?:morning|afternoon|evening|week)|"
    r"on (?:mon|tues|wednes|thurs|fri|satur|sun)day|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day (?:night|morning|afternoon|evening)|"
    r"overnight|into (?:force|effect)|takes? effect|took effect|goes into effect|"
    r"went into effect"
)
_TO_FORM = re.compile(r"\bto\s+(?:ban|bar|prohibit|outlaw|block|halt|suspend|stop)\b", re.I)
_ONLY_A_PLAN = re.compile(
    r"\b(?:reportedly\s+plan|plans?\s+to|planning\s+to|is\s+considering|proposal|"
    r"propos(?:e|es|ed|ing)|draft|would\s+(?:ban|bar|prohibit|block))",
    re.IGNORECASE,
)
# What a background mention deep in the body names: the measure itself.
_BAN_WORD = re.compile(r"ban|moratori|prohibit|embargo|outlaw")
_NOT_FINAL = re.compile(
    r"\b(?:second|final|another|procedural)\s+(?:vote|reading)\s+(?:is|will\s+be|was)?\s*"
    r"(?:required|needed|expected|scheduled|set|due)|"
    r"\b(?:awaits?|awaiting|needs?|requires?|heads?\s+to|goes\s+to|sent\s+to)\s+(?:the\s+)?"
    r"(?:governor|mayor|president)(?:'s|’s)?(?:\s+(?:signature|desk|approval))?\b|"
    r"\bstill\s+(?:needs?|requires?|has)\s+to\s+(?:pass|clear|be\s+(?:signed|approved))\b|"
    r"\b(?:be\s+)?voted\s+on\s+again\b|\bprocedural\s+(?:vote|step|reading)\b",
    re.IGNORECASE,
)
# A publication date outside these years is no date (the store treats them alike).
PLAUSIBLE_YEARS = (1900, 2200)
# At most this many changes from one article: its news, sometimes a second change.
MAX_EVENTS = 2


class Engine:
    """Compiled rules. Build once, call extract() per article."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self.triggers: list[TriggerRule] = sorted(rules.triggers, key=lambda t: -t.priority)
        self.cues: list[CueRule] = rules.cues
        self.actors = Lexicon(rules.merged("actors"))
        self.subjects = Lexicon(rules.merged("subjects"))
        self.scopes = Lexicon(rules.merged("scopes"))
        self.places = gazetteer()
        coref = sorted(rules.coreference, key=len, reverse=True)
        self.coreference = re.compile(
            r"\b(?:" + ("|".join(re.escape(c) for c in coref) or r"(?!x)x") + r")\b", re.IGNORECASE
        )
        # Two prefilters. First the triggers' keywords (word starts, one regex): most
        # articles and sentences stop there. Then, per sentence, any trigger's patterns.
        stems = sorted({k for t in self.triggers for k in t.keywords}, key=len, reverse=True)
        loose = [f"(?:{p})" for t in self.triggers if t.keyword_regex is None for p in t.patterns]
        # Keywords are lower-case word starts, matched on lower-cased text (no IGNORECASE,
        # no \b: a few extra hits such as "urban" cost less than the slower scan).
        self.keywords = re.compile(
            r"(?<![a-z])(?:" + "|".join(map(re.escape, (k.lower() for k in stems))) + ")"
        )
        self.loose = re.compile("|".join(loose), re.IGNORECASE) if loose else None
        self.prefilter = re.compile(
            "|".join(f"(?:{p})" for t in self.triggers for p in t.patterns), re.IGNORECASE
        )

    def _has_keyword(self, text: str) -> bool:
        return bool(self.keywords.search(text.lower()) or (self.loose and self.loose.search(text)))

    def normalise(self, kind: str, name: str | None) -> str | None:
        """A name as the topic packs spell it ("law enforcement" → "police")."""
        if name is None:
            return None
        lexicon = {"actors": self.actors, "subjects": self.subjects, "scopes": self.scopes}[kind]
        return lexicon.canonical(name)

    def extract(self, title: str, text: str, published: date | None) -> Extraction:
        if not self._has_keyword(title) and not self._has_keyword(text):
            return Extraction()
        if published is not None and not PLAUSIBLE_YEARS[0] <= published.year <= PLAUSIBLE_YEARS[1]:
            published = None  # year 1 or 9999: no date to count from, as the store does
        article = read_article(title, text, undo_capitals=False)
        if not any(self._may_trigger(article.sentences[i]) for i in _worth_reading(article)):
            return Extraction()  # most stories stop here, before the costlier reading
        article = read_article(title, text)
        candidates = self.candidates(article, title, text, published)
        return judge(article, candidates)

    def _may_trigger(self, sentence: str) -> bool:
        return self._has_keyword(sentence) and self.prefilter.search(sentence) is not None

    def candidates(
        self, article: Article, title: str, text: str, published: date | None
    ) -> list[Event]:
        """Every trigger of every sentence, read in its clause."""
        actors = ArticleActors(
            self.actors,
            self.coreference,
            self.places,
            article.sentences,
            len(article.title),
            article.dateline,
        )
        context = SentenceContext(
            self.triggers,
            self.cues,
            self.subjects,
            self.scopes,
            actors,
            published,
            published.year if published else _latest_year(text),
        )
        found: list[Event] = []
        for index in _worth_reading(article):
            sentence = article.sentences[index]
            if not self._may_trigger(sentence):
                continue
            found.extend(
                sentence_events(context, sentence, index, is_title=index < len(article.title))
            )
        return found


_YEARS = re.compile(r"\b(?:19[5-9]\d|20\d\d)\b")


def _latest_year(text: str) -> int | None:
    """For an undated article: the latest year it names stands for its own (a report
    that mentions 1989 and 2005 is of 2005 or later, so 1989 is the past)."""
    years = [int(y) for y in _YEARS.findall(text)]
    return max(years) if years else None


def _worth_reading(article: Article) -> list[int]:
    """The sentences that can hold news or a named ban: the lead, and body sentences that
    name a ban or say they report today's news. One pass over the body, not one a
    sentence: long articles are mostly context."""
    sentences = article.sentences
    lead = [i for i in range(len(sentences)) if article.in_lead(i)]
    if len(sentences) <= len(lead):
        return lead
    starts: list[int] = []
    offset = 0
    for sentence in sentences:
        starts.append(offset)
        offset += len(sentence) + 1
    joined = "\n".join(sentences).lower()
    deep = {
        bisect_right(starts, match.start()) - 1
        for pattern in (_BAN_WORD, _NEWS_OF_THE_DAY)
        for match in pattern.finditer(joined, starts[len(lead)])
    }
    return lead + sorted(deep)


_OPINION_TITLE = re.compile(
    r"^\W*(?:opinion|op-ed|editorial|commentary|analysis|column|letters?|viewpoint|perspective)"
    r"\s*[:|—–-]",
    re.IGNORECASE,
)


def judge(article: Article, candidates: list[Event]) -> Extraction:
    """Sort candidates into news, background and rejected; then one event per policy,
    and the article's news peg first."""
    if article.title and _OPINION_TITLE.match(article.title[0]):
        # "Opinion: Banning TikTok won't make teenagers safer": argument, not news.
        candidates = [e.but(news=False, cues=(*e.cues, "opinion")) for e in candidates]
    news: dict[tuple[Any, ...], Event] = {}
    background: dict[tuple[Any, ...], Event] = {}
    rejected: list[Event] = []
    for event in candidates:
        if event.news and not (
            article.in_lead(event.position) or _NEWS_OF_THE_DAY.search(event.evidence.lower())
        ):
            # Deep in the body and not marked as today's: context for the news.
            event = event.but(news=False, cues=("background",))
        if event.news:
            keep_best(news, event)
        elif event.cues == ("background",):
            keep_best(background, event)
        else:
            rejected.append(event)
    first_body = len(article.title)
    cancelled_lead = [e for e in rejected if e.position == first_body and set(e.cues) & CANCELLING]
    for key, event in list(news.items()):
        # The headline compresses what the lead says: when the lead's report of the same
        # change by the same actor is a call, a question or one person's ban, so is it.
        if event.headline and any(
            c.change == event.change and c.actor.casefold() == event.actor.casefold()
            for c in cancelled_lead
        ):
            del news[key]
            rejected.append(event.but(news=False, cues=("lead",)))
    events = merge_headline(merge_vague(news))
    events = [
        _subject_from_lead(article, _end_from_lead(article, _headline_modality(article, e)))
        for e in events
    ]
    return Extraction(peg(events), merge_vague(background), rejected)


def _subject_from_lead(article: Article, event: Event) -> Event:
    """Every event names what it is on: when its sentence does not ("The ban comes into
    force on Friday"), the measure the headline or lead names does."""
    if event.subject:
        return event
    for sentence in article.sentences[: len(article.title) + LEAD_SENTENCES]:
        found = named_measure(sentence)
        if found:
            return event.but(subject=found)
    return event


def _end_from_lead(article: Article, event: Event) -> Event:
    """A measure reported without an end ("Amazon to extend pause on police use") takes
    the end its headline and lead tie to it ("until further notice", "a two-year
    moratorium", "the ban runs until July 1, 2022"); a ban with an end is a moratorium."""
    if event.change not in ("imposed", "extended") or event.until is not None:
        return event
    if event.status_after not in ("moratorium", "ban"):
        return event
    lead = " ".join(article.sentences[: len(article.title) + LEAD_SENTENCES])
    base = date.fromisoformat(event.effective) if event.effective else None
    end = measure_end(lead, base)
    if end is None:
        return event
    return event.but(until=end, status_after="moratorium")


def _headline_modality(article: Article, event: Event) -> Event:
    """ "Amazon to ban 'union' from staff chat app": a headline's "to ban" is a decision
    unless the lead says it is only a plan ("reportedly plans to", "would")."""
    event = _not_yet_final(article, event)
    if event.change != "imposed" or not _TO_FORM.search(event.evidence):
        return event
    if not (event.headline or event.position < len(article.title)):
        return event
    lead = " ".join(article.body[:2])
    if _ONLY_A_PLAN.search(lead):
        return event.but(change="proposed", status_after="proposed", until=None)
    return event


def _not_yet_final(article: Article, event: Event) -> Event:
    """A vote the lead says is not the last ("a second vote is required next week", "the
    bill now heads to the governor's desk") proposes a ban; it does not impose it."""
    if event.change != "imposed" or not article.in_lead(event.position):
        return event
    lead = " ".join(article.sentences[: len(article.title) + LEAD_SENTENCES])
    if _NOT_FINAL.search(lead):
        return event.but(change="proposed", status_after="proposed", until=None)
    return event


def peg(events: list[Event]) -> list[Event]:
    """The article's news: the earliest sentence's events (a headline may name two
    actors), then at most one more change from the lead about another policy."""
    if not events:
        return []
    ordered = sorted(events, key=lambda e: (e.position, e.offset, -e.confidence))
    first = ordered[0].position
    kept: list[Event] = []
    for event in ordered:  # the news sentence's events, one per actor and change
        if (
            event.position == first
            and (not kept or event.actor_by == "alias")  # "Microsoft and Amazon adopt …"
            and all((event.actor, event.change) != (k.actor, k.change) for k in kept)
        ):
            kept.append(event)
    for event in ordered:
        if len(kept) >= MAX_EVENTS:
            break
        if event in kept:
            continue
        if (
            all(_other_policy(event, k) for k in kept)
            and (event.actor_by == "alias" or event.actor == kept[0].actor)
            and _same_day(event, kept[0])
        ):
            kept.append(event)
    return kept[:MAX_EVENTS] if len(kept) > MAX_EVENTS else kept


_WEEKDAY = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.I)


def _same_day(event: Event, news: Event) -> bool:
    """A second change the article dates to another weekday than its news ("Microsoft on
    Thursday announced …" / "On Wednesday, Amazon banned …") is the day before's."""
    mine, theirs = _WEEKDAY.search(event.evidence), _WEEKDAY.search(news.evidence)
    return not (mine and theirs and mine.group(1).casefold() != theirs.group(1).casefold())


def _other_policy(event: Event, kept: Event) -> bool:
    """Another actor's, or the same actor's other measure ("Zambia lifts its maize export
    ban and bans soya meal exports")."""
    if event.actor.casefold() != kept.actor.casefold():
        return True
    return (
        event.change != kept.change
        and (event.subject or "") != (kept.subject or "")
        and event.position == kept.position  # both in one sentence: "lifts …, bans …"
    )
