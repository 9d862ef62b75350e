"""Article → findings. Pure: rules, text and the publication date in; events out.

For each sentence that passes a cheap keyword prefilter, the engine splits clauses,
picks the strongest trigger of each clause, and reads around it: cues that cancel or
demote it (hypothetical, negation, call, proposal, opinion, background), the actor,
subject and scope, and the end date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from monitor.rules import CueRule, RuleSet, TriggerRule
from monitor.when import background_date, resolve_until

_SENTENCE_END = re.compile(
    r"(?<=[.!?])(?<!\b[A-Z]\.)(?<!\b(?:Mr|Ms|Dr|St|Jr|Sr|vs)\.)[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])"
)
_CLAUSE_BREAK = re.compile(
    r"\s*(?:;|:|\s[—–]\s|—|\s-\s|,\s*(?:but|however|while|although|though|whereas)\b|"
    r"\bbut\s+(?=is|it|was|that)|,)\s*",
    re.IGNORECASE,
)
_PROPER_NOUN = re.compile(
    r"\b[A-Z][\w&.'’-]*(?:\s+(?:of|for|de|and)\s+[A-Z][\w&.'’-]*|\s+[A-Z][\w&.'’-]*)*"
)
_NOT_ACTORS = frozenset(
    [
        "the",
        "a",
        "an",
        "in",
        "on",
        "at",
        "last",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "we",
        "they",
        "he",
        "she",
        "however",
        "meanwhile",
        "after",
        "before",
        "when",
        "while",
        "some",
        "several",
        "many",
        "most",
        "both",
        "also",
        "but",
        "and",
        "or",
        "if",
        "as",
        "amid",
        "under",
        "according",
        "police",
        "government",
        "federal",
        "state",
        "city",
        "law",
        "new",
        "more",
        "other",
        "his",
        "her",
        "their",
        "our",
        "facial",
        "face",
        "tech",
        "technology",
        # Days and months open many news sentences ("On Friday, ...") but act on nothing.
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
)
_MORATORIUM_WORDS = re.compile(
    r"moratori|temporar|pause|paused|halt|suspen|one-year|for a (?:whole |full )?year",
    re.IGNORECASE,
)
_PERMANENT = re.compile(r"permanent", re.IGNORECASE)
_REPORTED_WOULD = re.compile(
    r"\b(?:said|says|announced|confirmed|told\s+[\w ]{1,30}?)\b[^.;:?!]{0,40}?"
    r"\b(?:it|they|we|he|she|the\s+(?:company|government|agency|city|state|ministry))"
    r"\s+would\b",
    re.IGNORECASE,
)
_ANNOUNCED = re.compile(r"\b(?:announced|imposed|introduced|issued|adopted|put in place)\b", re.I)
# Background cues that count only when the year is before the article's own.
_YEAR = re.compile(r"\b(19|20)\d{2}\b")


@dataclass(frozen=True, slots=True)
class Event:
    """One status change a rule found in an article (a finding)."""

    actor: str
    subject: str | None
    scope: str | None
    change: str
    status_after: str
    effective: str | None
    until: str | None
    evidence: str
    rule: str
    confidence: float
    news: bool = True
    cues: tuple[str, ...] = ()
    headline: bool = False  # found in the title
    actor_by: str = "alias"  # how the actor was found: alias, proper-noun, ...

    def key(self) -> tuple[str, str | None, str | None, str]:
        return (self.actor, self.subject, self.scope, self.change)

    def as_json(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "subject": self.subject,
            "scope": self.scope,
            "change": self.change,
            "status_after": self.status_after,
            "effective": self.effective,
            "until": self.until,
            "evidence": self.evidence,
            "rule": self.rule,
            "confidence": round(self.confidence, 2),
        }


@dataclass(frozen=True, slots=True)
class Extraction:
    events: list[Event] = field(default_factory=list)  # news as of the article's date
    background: list[Event] = field(default_factory=list)  # earlier events, own dates
    rejected: list[Event] = field(default_factory=list)  # triggers a cue cancelled


def split_sentences(text: str) -> list[str]:
    sentences: list[str] = []
    for paragraph in text.splitlines():
        paragraph = paragraph.strip()
        if paragraph:
            sentences.extend(s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip())
    return sentences


def _clauses(sentence: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in _CLAUSE_BREAK.finditer(sentence):
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(sentence):
        spans.append((start, len(sentence)))
    return spans


class _Lexicon:
    """Aliases of one kind (actors, subjects or scopes) as one regex, longest first."""

    def __init__(self, names: dict[str, list[str]]) -> None:
        self.by_alias = {
            alias.casefold(): name for name, aliases in names.items() for alias in aliases
        }
        for name in names:
            self.by_alias.setdefault(name.casefold(), name)
        ordered = sorted(self.by_alias, key=len, reverse=True)
        body = "|".join(re.escape(a) for a in ordered) or r"(?!x)x"
        self.regex = re.compile(rf"(?<![\w-])(?:{body})(?:'s|’s)?(?![\w-])", re.IGNORECASE)

    def find(self, text: str) -> list[tuple[int, str]]:
        found = []
        for match in self.regex.finditer(text):
            alias = re.sub(r"(?:'s|’s)$", "", match.group(0)).casefold()
            found.append((match.start(), self.by_alias[alias]))
        return found

    def first(self, text: str) -> str | None:
        found = self.find(text)
        return found[0][1] if found else None


class Engine:
    """Compiled rules. Build once, call extract() per article."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self.triggers: list[TriggerRule] = sorted(rules.triggers, key=lambda t: -t.priority)
        self.cues: list[CueRule] = rules.cues
        self.actors = _Lexicon(rules.merged("actors"))
        self.subjects = _Lexicon(rules.merged("subjects"))
        self.scopes = _Lexicon(rules.merged("scopes"))
        coref = sorted(rules.coreference, key=len, reverse=True)
        self.coreference = re.compile(
            r"\b(?:" + ("|".join(re.escape(c) for c in coref) or r"(?!x)x") + r")\b", re.IGNORECASE
        )
        # Two prefilters. First the triggers' keywords (word starts, one regex): most
        # articles and sentences stop there. Then, per sentence, any trigger's patterns.
        stems = sorted({k for t in self.triggers for k in t.keywords}, key=len, reverse=True)
        loose = [f"(?:{p})" for t in self.triggers if t.keyword_regex is None for p in t.patterns]
        self.keywords = re.compile(
            "|".join([r"\b(?:" + "|".join(map(re.escape, stems)) + ")", *loose]), re.IGNORECASE
        )
        self.prefilter = re.compile(
            "|".join(f"(?:{p})" for t in self.triggers for p in t.patterns), re.IGNORECASE
        )

    # --- the article --------------------------------------------------------------------

    def normalise(self, kind: str, name: str | None) -> str | None:
        """A name as the topic packs spell it ("law enforcement" → "police")."""
        if name is None:
            return None
        lexicon = {"actors": self.actors, "subjects": self.subjects, "scopes": self.scopes}[kind]
        return lexicon.by_alias.get(name.casefold(), name)

    def extract(self, title: str, text: str, published: date) -> Extraction:
        if not self.keywords.search(title) and not self.keywords.search(text):
            return Extraction()
        main_actor = self.actors.first(title) or self.actors.first(text)
        main_subject = self.subjects.first(title) or self.subjects.first(text)
        news: dict[tuple[Any, ...], Event] = {}
        background: dict[tuple[Any, ...], Event] = {}
        rejected: list[Event] = []
        title_sentences = split_sentences(title)
        sentences = title_sentences + split_sentences(text)
        for index, sentence in enumerate(sentences):
            if not self.keywords.search(sentence) or not self.prefilter.search(sentence):
                continue
            for event in self._sentence_events(
                sentence, published, main_actor, main_subject, is_title=index < len(title_sentences)
            ):
                if event.news:
                    _keep_best(news, event)
                elif "background" in event.cues and len(event.cues) == 1:
                    _keep_best(background, event)
                else:
                    rejected.append(event)
        return Extraction(_merge_headline(_merge_vague(news)), _merge_vague(background), rejected)

    # --- one sentence -------------------------------------------------------------------

    def _sentence_events(
        self,
        sentence: str,
        published: date,
        main_actor: str | None,
        main_subject: str | None,
        *,
        is_title: bool,
    ) -> list[Event]:
        events: list[Event] = []
        # "said on Tuesday it would keep its moratorium" reports a decision: the "would" of
        # reported speech is not a hypothetical (same length, so offsets still hold).
        evidence = sentence
        sentence = _REPORTED_WOULD.sub(lambda m: m.group(0)[:-5] + "shall", sentence)
        sentence_cues = self._cues(sentence, sentence, 0, published, where="sentence")
        for start, end in _clauses(sentence):
            clause = sentence[start:end]
            hit = self._strongest_trigger(clause)
            if hit is None:
                continue
            rule, at, end = hit
            cues = sentence_cues | self._cues(clause, sentence, at, published, where="clause")
            actors = self._actors(clause, at, main_actor)
            if not actors:
                continue
            subject = self.subjects.first(clause) or self.subjects.first(sentence) or main_subject
            subject = subject or _subject_in(clause, at, end)
            scope = (
                self.scopes.first(clause[at:])
                or self.scopes.first(clause)
                or (self.scopes.first(sentence))
            )
            until = resolve_until(clause, published) or resolve_until(sentence, published)
            status = _status_after(rule, clause, until)
            confidence = rule.confidence
            if actors[0][1] == "alias" and subject:
                confidence += 0.1
            if actors[0][1] != "alias":
                confidence -= 0.15
            if is_title:
                confidence -= 0.05  # headlines compress; a body sentence is better evidence
            change = rule.change
            if change == "lifted" and any(_COURT.search(name) for name, _ in actors):
                # A court that ends a measure strikes it down: blocked, not lifted by choice.
                change, status = "blocked", "blocked"
            effective: str | None = published.isoformat()
            if "background" in cues:
                effective = self._background_date(clause, sentence, published) or None
                if _ANNOUNCED.search(clause):
                    change = "imposed"  # "a moratorium it announced last summer"
                if change != "imposed":
                    until = None
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
                        cues=tuple(sorted(cues)),
                        headline=is_title,
                        actor_by=how,
                    )
                )
        return events

    def _strongest_trigger(self, clause: str) -> tuple[TriggerRule, int, int] | None:
        """The highest-priority trigger of the clause: (rule, start, end). A trigger that
        opens with the court ("The Supreme Court struck down ...") starts after it, so the
        court stays in the text where the actor is looked for."""
        best: tuple[TriggerRule, int, int] | None = None
        for rule in self.triggers:  # highest priority first
            match = rule.regex.search(clause)
            if match and (best is None or rule.priority > best[0].priority):
                start = match.start()
                court = _COURT.match(clause, start)
                if court:
                    start = court.end()
                best = (rule, start, match.end())
        return best

    def _cues(
        self, clause: str, sentence: str, at: int, published: date, *, where: str
    ) -> set[str]:
        found: set[str] = set()
        for cue in self.cues:
            if (cue.where == "sentence") != (where == "sentence"):
                continue
            region = clause[:at] if cue.where == "before" else clause
            for match in cue.regex.finditer(region):
                year = _YEAR.search(match.group(0))
                if cue.kind == "background" and year and int(year.group(0)) >= published.year:
                    continue  # "in 2021" in a 2021 article is not the past
                found.add(cue.kind)
                break
        return found

    def _background_date(self, clause: str, sentence: str, published: date) -> str | None:
        for cue in self.cues:
            if cue.kind == "background":
                match = cue.regex.search(clause) or cue.regex.search(sentence)
                if match:
                    dated = background_date(match.group(0), published)
                    if dated:
                        return dated
        return None

    def _actors(self, clause: str, at: int, main_actor: str | None) -> list[tuple[str, str]]:
        """Who acts: named actors before the trigger, then in the clause, then a pronoun
        or description standing for the article's main actor, then a proper noun."""
        before = [name for _, name in self.actors.find(clause[:at])]
        if before:
            return [(name, "alias") for name in dict.fromkeys(before)]
        if main_actor and self.coreference.search(clause[: at + 1]):
            return [(main_actor, "coreference")]
        generic = _generic_actor(clause[:at])
        if generic:
            return [(generic, "proper-noun")]
        after = [name for _, name in self.actors.find(clause)]
        if after:
            return [(name, "alias") for name in dict.fromkeys(after)]
        if main_actor and self.coreference.search(clause):
            return [(main_actor, "coreference")]
        agent = _PASSIVE_AGENT.search(clause[at:])
        if agent:
            return [(agent.group(1), "passive-agent")]
        phrase = _subject_phrase(clause[:at])
        return [(phrase, "subject-phrase")] if phrase else []


def _keep_best(kept: dict[tuple[Any, ...], Event], event: Event) -> None:
    """One event per (actor, subject, scope, change): the most confident, then the one
    that states an end date."""
    old = kept.get(event.key())
    if old is None or _rank(event) > _rank(old):
        kept[event.key()] = event


def _rank(event: Event) -> tuple[float, bool]:
    return (event.confidence, event.until is not None)


def _merge_vague(kept: dict[tuple[Any, ...], Event]) -> list[Event]:
    """Drop an event that says less than another of the same change in the article:
    "it would continue its moratorium" is the moratorium named fully elsewhere, and a
    headline's "Federal eviction moratorium expires" is the body's federal moratorium."""
    events = list(kept.values())
    return [e for e in events if not any(_covers(s, e) for s in events if s is not e)]


def _merge_headline(events: list[Event]) -> list[Event]:
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
    lone_noun = len(words) == 1 and words[0].casefold() in _AGENT_NOUNS
    return event.actor[:1].isupper() and len(words) <= 4 and not lone_noun


def _covers(fuller: Event, vaguer: Event) -> bool:
    if fuller.change != vaguer.change:
        return False
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


def _status_after(rule: TriggerRule, clause: str, until: str | None) -> str:
    if rule.status is not None:
        return rule.status
    if _PERMANENT.search(clause):
        return "ban"
    # A measure with an end, even an open one ("until further notice"), is a moratorium.
    if _MORATORIUM_WORDS.search(clause) or until is not None:
        return "moratorium"
    return "ban"


def _generic_actor(before: str) -> str | None:
    candidates = [m.group(0) for m in _PROPER_NOUN.finditer(before)]
    for candidate in reversed(candidates):
        words = candidate.split()
        # Title-case headlines capitalise verbs too: "Oklahoma House Sends ... Ban".
        for index, word in enumerate(words):
            if index and word.casefold() in _HEADLINE_VERBS:
                words = words[:index]
                break
        while words and words[0].casefold() in _NOT_ACTORS:
            words = words[1:]
        while words and words[-1].casefold() in _NOT_ACTORS:
            words = words[:-1]
        if words and words[0][0].isupper() and words[0].casefold() not in _OPENERS:
            return _without_title(" ".join(words))
    return None


_TITLE = re.compile(
    r"\b(?:Gov\.|Governor|President|Vice President|Mayor|Attorney General|Secretary|"
    r"Prime Minister|Minister|Chancellor|Premier|Sen\.|Senator|Rep\.)\s+(?=[A-Z])"
)


def _without_title(name: str) -> str:
    """ "Montana Governor Greg Gianforte" → "Montana" (the office acts for the place);
    "President Joe Biden" → "Joe Biden"; "Italy's" → "Italy"."""
    name = re.sub(r"(?:'s|’s)$", "", name)
    title = _TITLE.search(name)
    if title is None:
        return name
    before, after = name[: title.start()].strip(), name[title.end() :].strip()
    return before or after or name


_HEADLINE_VERBS = frozenset(
    """to says say sends send approve approves approved pass passes passed vote votes voted
    moves move plans plan will seeks seek wants want supports support backs back unveils
    announces announce issues issue orders order imposes impose extends extend lifts lift
    may could would should is are was were has have""".split()
)
# Capitalised only because they open a sentence or a headline.
_OPENERS = frozenset("attempts getting fix plans related doc report reports why how".split())


# "... was lifted by the telecom regulator" → "telecom regulator".
_PASSIVE_AGENT = re.compile(
    r"\b(?:was|were|been|being|is|are)\s+\w+ed\s+by\s+(?:the\s+|a\s+)?"
    r"([\w'’ -]{2,40}?)(?=\s+(?:on|in|at|after|for|to)\b|[.,;]|$)"
)
_DETERMINERS = frozenset({"the", "a", "an", "its", "their", "this", "that"})
_NOT_SUBJECT = frozenset(
    [
        "has",
        "have",
        "had",
        "will",
        "would",
        "is",
        "was",
        "are",
        "were",
        "be",
        "been",
        "being",
        "does",
        "did",
        "do",
        "can",
        "could",
        "may",
        "might",
        "shall",
        "should",
        "must",
        "voted",
        "announced",
        "said",
        "says",
        "told",
        "became",
        "becomes",
        "agreed",
        "decided",
        "moved",
        "plans",
        "plan",
        "also",
        "officially",
        "now",
        "on",
        "in",
        "at",
        "to",
        "for",
        "by",
        "with",
        "after",
        "before",
        "from",
        "that",
        "which",
        "who",
        "then",
        "reportedly",
        "formally",
        "quietly",
    ]
)
_PREPOSITIONS = frozenset(
    {"at", "in", "on", "after", "before", "for", "by", "with", "from", "amid"}
)
_VAGUE = frozenset(
    {"across", "around", "nationwide", "several", "many", "some", "other", "various"}
)
_AGENT_NOUNS = frozenset(
    """council regulator regulators court judge government ministry minister city state
    agency board department commission parliament legislature lawmakers legislators company
    firm school schools district university league county administration senate house
    assembly authority authorities committee union bank retailer platform governor mayor
    president regime cabinet police office watchdog federation association network chain
    nation country province region town village municipality territory kingdom republic
    federal national law treaty convention decree ordinance regulation directive""".split()
)
_PRONOUNS = frozenset({"it", "they", "we", "he", "she", "i", "you", "this", "that", "there"})


def _subject_phrase(before: str) -> str | None:
    """The noun phrase that opens the clause: "The city council voted to ban" → "city
    council". For actors no topic pack names."""
    words = re.findall(r"[\w'’.-]+", before)
    if words and words[0].casefold() in _PREPOSITIONS:
        # "At any time the company could ..." : the subject follows the opening phrase.
        determiners = [i for i, w in enumerate(words) if w.casefold() in ("the", "a", "an")]
        words = words[determiners[0] :] if determiners else []
    while words and words[0].casefold() in _DETERMINERS:
        words = words[1:]
    phrase: list[str] = []
    for word in words:
        lowered = word.casefold()
        if lowered in _NOT_SUBJECT or (phrase and lowered.endswith("ed")) or len(phrase) == 4:
            break
        phrase.append(word)
    if not phrase or phrase[0].casefold() in _PRONOUNS or not phrase[-1][0].isalpha():
        return None
    # "cities across the country", "several states": a trend, not one actor's measure.
    if _VAGUE.intersection(w.casefold() for w in words[: len(phrase) + 3]) or (
        phrase[0].islower() and phrase[0].endswith("s") and not phrase[0].endswith(("'s", "’s"))
    ):
        return None
    for index, word in enumerate(phrase):
        if word.endswith(("'s", "’s")):  # "the state's moratorium" → the state
            phrase = [*phrase[:index], word[:-2]]
            break
    # A lower-case phrase acts only if it names a body that can ("the telecom regulator");
    # "the current pause", "the list of banned words" name none.
    named = [w.casefold().removesuffix("'s").removesuffix("’s") for w in phrase]
    if not any(w[0].isupper() for w in phrase) and not _AGENT_NOUNS.intersection(named):
        return None
    return " ".join(phrase).removesuffix("'s").removesuffix("’s")


_SUBJECT_AFTER = re.compile(
    r"\b(?:on|of)\s+(?:the\s+)?(?:(?:police|government|public|commercial)\s+)?"
    r"(?:(?:use|sale|sales|imports?|exports?)\s+of\s+)?"
    r"(?:its\s+|their\s+|new\s+|all\s+)?([A-Za-z][\w\- ]{1,40}?)"
    r"(?=\s+(?:to|for|by|in|until|through|from|at|on|after|while|over|amid|that|which|"
    r"expired|expires|ended|ends|lapsed|was|were|is|are|has|have|had|will)\b|[,.;:]|$)",
)
# Not subjects: dates and times that follow "on" ("extended ... on Monday").
_NOT_SUBJECTS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december year month week day today
    weekend""".split()
)


_COURT = re.compile(r"(?:judges?|courts?|justices?|tribunal|panel)\b", re.IGNORECASE)
# What ends the object of a ban: a preposition, a conjunction, a clause, a time word.
_OBJECT_STOP = frozenset(
    """in on at for from to by until through after over amid under with while as across
    since during that which who because unless if or but nationwide statewide worldwide
    immediately indefinitely temporarily permanently today yesterday tomorrow this last next
    starting effective can could may might must will would shall should is are was were be
    been being has have had when where means said says so-called""".split()
)
_TRAILING = frozenset("and or of the a an its their".split())
_OBJECT_SKIP = frozenset("the a an its their his her all new any some most".split())
_USE_OF = re.compile(r"^(?:the\s+)?(?:use|sale|sales|import|imports|export|exports)\s+of\s+", re.I)


def _object_subject(after_trigger: str) -> str | None:
    """What a verb trigger acts on: "banning TikTok in the state" → "TikTok",
    "ban imports of Russian oil" → "Russian oil". At most five words."""
    text = _USE_OF.sub("", after_trigger.strip())
    words = re.findall(r"[\w'’-]+|[^\w\s]", text)
    while words and words[0].casefold() in _OBJECT_SKIP:
        words = words[1:]
    phrase: list[str] = []
    for word in words:
        stop = word.casefold() in _OBJECT_STOP or word.casefold().endswith("ly")
        if not re.match(r"[\w'’-]", word) or stop or len(phrase) == 5:
            break
        phrase.append(word)
    if not phrase or phrase[0].casefold() in _PRONOUNS or phrase[0][0].isdigit():
        return None
    while phrase and phrase[-1].casefold() in _TRAILING:
        phrase.pop()
    if not phrase:
        return None
    joined = " ".join(phrase)
    # A proper name keeps its case ("TikTok"); a common noun phrase is lower-cased.
    return joined if any(w[0].isupper() for w in phrase) else joined.lower()


def _generic_subject(after_trigger: str) -> str | None:
    """What a ban is on: "a moratorium on evictions" → "evictions"."""
    for match in _SUBJECT_AFTER.finditer(after_trigger):
        words = match.group(1).split()
        while words and words[-1].casefold() in _TRAILING:
            words.pop()
        if words and words[0].casefold() not in _NOT_SUBJECTS and len(words) <= 6:
            phrase = " ".join(words)
            return phrase if any(w[0].isupper() for w in words) else phrase.lower()
    return None


_BAN_NOUN = re.compile(r"\b(?:ban|moratorium|prohibition|pause|freeze|suspension|halt)s?\b", re.I)
_BAN_VERB = re.compile(
    r"\b(?:ban(?:s|ned|ning)?|prohibit(?:s|ed|ing)?|outlaw(?:s|ed|ing)?|bar(?:s|red|ring)?|"
    r"halt(?:s|ed|ing)?|suspend(?:s|ed|ing)?|pause(?:s|d)?|pausing)\b",
    re.I,
)
_CHANGE_VERBS = frozenset(
    """extend extends extended lift lifts lifted end ends ended renew renews keep keeps impose
    imposes imposed issue issues issued order orders announce announces adopt adopts approve
    approves sign signs signed""".split()
)
_MODIFIER_SKIP = frozenset(
    """its their the a an his her federal national nationwide statewide state city temporary
    permanent new total near-total sweeping controversial first-of-its-kind""".split()
)


def _subject_in(clause: str, start: int, end: int) -> str | None:
    """The subject of a measure without a topic pack, from the words around the trigger."""
    found = _generic_subject(clause[start:]) or _object_subject(clause[end:])
    if found and _BAN_NOUN.search(found):
        # The object is the measure itself ("blocked Montana's ban on TikTok"): what it is on.
        after = clause[end:]
        noun = _BAN_NOUN.search(after)
        found = (_generic_subject(after[noun.start() :]) if noun else None) or _modifiers(found)
    if found is None:
        found = _modifiers(clause[start:end])
    if found is None:
        # "introduced a bill that would ban TikTok": the ban's object, later in the clause.
        verb = _BAN_VERB.search(clause, end)
        found = _object_subject(clause[verb.end() :]) if verb else None
    return found


def _modifiers(span: str) -> str | None:
    """The words naming what a ban is on, before its noun: "federal eviction moratorium"
    → "eviction"."""
    nouns = list(_BAN_NOUN.finditer(span))
    if not nouns:
        return None
    noun = nouns[-1]
    words = re.findall(r"[\w'’-]+", span[: noun.start()])[-3:]
    kept: list[str] = []
    for word in reversed(words):
        lowered = word.casefold()
        if lowered in _MODIFIER_SKIP or lowered in _NOT_SUBJECTS or word.isupper():
            break
        if word.endswith(("'s", "’s")) or word[0].isdigit() or _BAN_VERB.fullmatch(word):
            break
        if lowered in _CHANGE_VERBS:  # "To Extend Student Loan Moratorium"
            break
        kept.insert(0, lowered)
    return " ".join(kept) or None
