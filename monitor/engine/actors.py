"""Who acts: the jurisdiction or organisation behind a measure. Pure.

In order: a topic pack's named actor before the trigger; a pronoun or description that
stands for the article's main actor; a proper name that passes the name test; a named
actor later in the clause; the agent of a passive ("was lifted by the regulator"); the
noun phrase that opens the clause. Officials stand for their jurisdiction ("Gov. Jane
Roe" → her state), seats of power for their country ("Brussels" → European Union).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from monitor.engine.lexicon import Lexicon
from monitor.engine.places import Gazetteer

PROPER_NOUN = re.compile(
    r"\b[A-Z][\w&.'’-]*(?:\s+(?:of|for|de|and)\s+[A-Z][\w&.'’-]*|\s+[A-Z][\w&.'’-]*)*"
)
# Words that open a sentence or fill a headline without naming anyone.
NOT_ACTORS = frozenset(
    """the a an in on at last this that these those it its we they he she however meanwhile
    after before when while some several many most both also but and or if as amid under
    according police government federal state city law new more other his her their our
    facial face tech technology now today yesterday why how what who where here there
    along despite during following without within across against among before beyond
    from into like near over since through toward towards upon via with unlike
    monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december""".split()
)
HEADLINE_VERBS = frozenset(
    """to says say sends send approve approves approved pass passes passed vote votes voted
    moves move plans plan will seeks seek wants want supports support backs back unveils
    announces announce issues issue orders order imposes impose extends extend lifts lift
    may could would should is are was were has have bans ban blocks block halts halt
    suspends suspend prohibits prohibit bars bar outlaws outlaw ends end scraps scrap
    pauses pause stops stop takes take puts put adopts adopt signs sign drops drop""".split()
)
# Names of bodies that can act, whatever their capitals.
AGENT_NOUNS = frozenset(
    """council regulator regulators court judge government ministry minister city state
    agency board department commission parliament legislature lawmakers legislators company
    firm school schools district university league county administration senate house
    assembly authority authorities committee union bank retailer platform governor mayor
    president regime cabinet police office watchdog federation association network chain
    nation country province region town village municipality territory kingdom republic
    supervisors senators representatives mps members congress tribunal
    bureau service inc corp ltd group organisation organization institute party club maker
    manufacturer developer operator provider carrier airline insurer lender publisher
    broadcaster exchange""".split()
)
# Words of news outlets: the one reporting is not the one acting.
_OUTLET_WORDS = frozenset(
    """times post news journal reuters ap afp bloomberg daily herald tribune courier gazette
    guardian bbc cnn cnbc telegraph chronicle examiner register wire press verge techcrunch
    axios politico wired observer independent mirror express mail sun newspaper magazine
    survey poll""".split()
)
_TITLE = re.compile(
    r"\b(?:Gov\.|Governor|President|Vice President|Mayor|Attorney General|Secretary|"
    r"Prime Minister|Minister|Chancellor|Premier|Sen\.|Senator|Rep\.|Representative|"
    r"Judge|Justice|Commissioner|Chairman|Chairwoman|Chair|CEO|Chief Executive)\s+(?=[A-Z])"
)
_OFFICE_PLACE = {
    "gov.": "state",
    "governor": "state",
    "mayor": "city",
    "president": "country",
    "prime minister": "country",
    "chancellor": "country",
    "premier": "country",
}
_LOCAL_BODY = re.compile(
    r"\b(?:city|town|county|village|borough)\s+(?:council|supervisors|commission|board|"
    r"officials|leaders|lawmakers|commissioners|aldermen|councillors|councilors)\b|"
    r"\b(?:board of supervisors|council members|councilmembers|city hall|the council|"
    r"common council|board of aldermen)\b",
    re.IGNORECASE,
)
# "the federal government", "the federal moratorium": the country's, as the article
# names it.
# What follows a subject: a verb ("bans", "has", "will", "said", "banned", "to ban").
_VERB_NEXT = re.compile(
    r"(?:\w+(?:s|ed)\b|to\b|has\b|have\b|had\b|is\b|was\b|are\b|were\b|will\b|would\b|"
    r"can\b|could\b|may\b|must\b|said\b|says\b|does\b|did\b|"
    r"(?:won|can|doesn|didn|isn|wouldn)['’]t\b|$)",
    re.IGNORECASE,
)
_FIRM_APPOSITION = re.compile(
    r"(?:the|a|an)\s+(?:[\w'’-]+\s+){0,4}?(?:maker|company|firm|giant|retailer|platform|"
    r"operator|provider|developer|manufacturer|group|startup|chain|app)\b",
    re.IGNORECASE,
)
# Words after which a name is an object, not one more subject ("… told Congress").
_OBJECT_BEFORE = re.compile(
    r"\b(?:told|tells|asked|asks|urged|urges|called|calls|said|says|wrote|warned|to|from|by|"
    r"with|against|for|on|at|before|after|that)\b",
    re.IGNORECASE,
)
_NOT_NAMES = frozenset("no yes not none all every each".split())
# A clause that opens with a name, not a preposition or a date ("In Italy, …").
_OPENS_WITH_SUBJECT = re.compile(r"^\W*(?:the\s+)?[A-Z]")
_DEMONYM_BODY = re.compile(
    r"\b([A-Z][a-z]+)\s+(?:[\w-]+\s+){0,3}?(?:government|ministry|authority|authorities|"
    r"regulator|regulators|watchdog|parliament|court|officials|agency|commission|"
    r"lawmakers|legislators|police|army|military|navy|customs|state)\b"
)
_NATIONAL_BODY = re.compile(
    r"\b(?:the\s+)?(?:federal|national|central)\s+(?:government|authorities)\b|"
    r"^\W*(?:the\s+)?(?:federal|national|nationwide)\s+(?:[\w-]+\s+)?$",
    re.IGNORECASE,
)
_PASSIVE_AGENT = re.compile(
    r"\b(?:was|were|been|being|is|are)\s+\w+ed\s+by\s+(?:the\s+|a\s+)?"
    r"([\w'’ -]{2,40}?)(?=\s+(?:on|in|at|after|for|to)\b|[.,;]|$)"
)
_BY_AGENT = re.compile(
    r"^[^.;]{0,60}?\bby\s+(?:the\s+|a\s+)?((?:[A-Z][\w&.'’-]*\s*){1,5}|[a-z]+(?:\s+[a-z]+)?\s+"
    r"(?:regulator|court|judge|government|ministry|council|agency|authority|authorities|"
    r"commission|board|watchdog))"
)
_IN_PLACE = re.compile(r"^[^.;]{0,60}?\bin\s+(?:the\s+)?([A-Z][\w.]+(?:\s+[A-Z][\w.]+)?)")
_REPORTED_THAT = re.compile(
    r"\b(?:announc|said|says|decid|rul|order|confirm|declar)\w*\s+(?:on\s+\w+\s+)?that\b",
    re.IGNORECASE,
)
_FUNCTION_WORDS = frozenset(
    """to of for from with by into onto over under through about after before between
    against among at in on up down out off as than then so""".split()
)
_DETERMINERS = frozenset({"the", "a", "an", "its", "their", "this", "that"})
_NOT_SUBJECT = frozenset(
    """has have had will would is was are were be been being does did do can could may might
    shall should must voted announced said says told became becomes agreed decided moved
    plans plan also officially now on in at to for by with after before from that which who
    then reportedly formally quietly""".split()
)
_PREPOSITIONS = frozenset(
    {"at", "in", "on", "after", "before", "for", "by", "with", "from", "amid"}
)
_VAGUE = frozenset(
    {"across", "around", "nationwide", "several", "many", "some", "other", "various"}
)
PRONOUNS = frozenset({"it", "they", "we", "he", "she", "i", "you", "this", "that", "there"})
COURT = re.compile(r"(?:judges?|courts?|justices?|tribunal|panel)\b", re.IGNORECASE)


@dataclass
class ArticleActors:
    """Actor resolution for one article: its named actors, dateline and places."""

    lexicon: Lexicon
    coreference: re.Pattern[str]
    places: Gazetteer
    sentences: list[str]
    title_count: int
    dateline: str | None = None
    _first_place: dict[str, str | None] = field(default_factory=dict)

    @cached_property
    def topic_actor(self) -> str | None:
        """The first actor a topic pack names in the headline or the lead."""
        for sentence in self.sentences[: self.title_count + 3]:
            found = self.lexicon.first(sentence)
            if found:
                return found
        return None

    @cached_property
    def main_actor(self) -> str | None:
        """What "it" and "the company" stand for: the topic pack's actor of the headline
        or lead (a name deep in the body is not the article's actor), else the lead's
        named subject."""
        if self.topic_actor:
            return self.topic_actor
        # No topic pack names one: the headline's subject ("Twitter won't let …"), else
        # the named subject the lead opens with ("Aerolux, the drone maker, said …").
        title = self.sentences[0] if self.title_count else ""
        opening_title = PROPER_NOUN.match(title)
        if opening_title:
            rest = title[opening_title.end() :].strip()
            named = self._proper_actor(opening_title.group(0), in_title=True, following=rest)
            if named and _VERB_NEXT.match(rest) and rest:
                return named
        lead = self.sentences[self.title_count : self.title_count + 1]
        opening = PROPER_NOUN.match(lead[0]) if lead else None
        if opening:
            rest = lead[0][opening.end() :].lstrip(" ,")
            if _FIRM_APPOSITION.match(rest) and opening.group(0).casefold() not in NOT_ACTORS:
                return _possessive_cut(opening.group(0))  # "Aerolux, the drone maker, …"
            name = self._proper_actor(opening.group(0), in_title=False, following=rest)
            if name and self._is_body(name):
                return name
        return None

    @cached_property
    def word_forms(self) -> tuple[frozenset[str], frozenset[str], dict[str, int]]:
        """Capitalised words seen inside body sentences (not as their first word), words
        seen in lower case, and how often each word opens a sentence: the evidence that a
        capitalised word is a name ("Facebook") and not "Attempts" or "Critics"."""
        inside: set[str] = set()
        lower: set[str] = set()
        openers: dict[str, int] = {}
        for index, sentence in enumerate(self.sentences):
            words = re.findall(r"[\w&.'’-]+", sentence)
            if words:
                key = words[0].rstrip(".").removesuffix("'s").removesuffix("’s").casefold()
                openers[key] = openers.get(key, 0) + 1
            if index < self.title_count:
                continue
            for word in words[1:]:
                word = word.rstrip(".").removesuffix("'s").removesuffix("’s")
                if word[:1].isupper():
                    inside.add(word.casefold())
                elif word[:1].islower():
                    lower.add(word.casefold())
        return frozenset(inside), frozenset(lower), openers

    def first_place(self, kind: str) -> str | None:
        """The first country, state or city the article names (or its dateline)."""
        if kind not in self._first_place:
            found = None
            if kind == "city" and self.dateline and self.places.kind(self.dateline) == "city":
                found = self.dateline
            for sentence in self.sentences if found is None else []:
                for match in PROPER_NOUN.finditer(sentence):
                    name = match.group(0).removesuffix("'s").removesuffix("’s")
                    if self.places.kind(name) == kind:
                        found = self.places.jurisdiction(name)
                        break
                if found:
                    break
            self._first_place[kind] = found
        return self._first_place[kind]

    def is_person(self, word: str) -> bool:
        """A surname: the article also writes it after a first name ("Susan Chepkemei"),
        and it names no place or known actor. Bans on one person are sanctions."""
        word = _possessive_cut(word)
        if (
            not word[:1].isupper()
            or word.casefold() in NOT_ACTORS
            or word.casefold() in AGENT_NOUNS
            or self.places.is_place(word)
            or self.lexicon.first(word)
        ):
            return False
        for match in re.finditer(rf"\b([A-Z][a-z]+)\s+{re.escape(word)}\b", self._joined):
            first = match.group(1)
            lowered = first.casefold()
            if (
                lowered in NOT_ACTORS
                or lowered in AGENT_NOUNS
                or lowered in HEADLINE_VERBS
                or lowered in _FUNCTION_WORDS
                or self.places.is_place(first)
            ):
                continue
            if _TITLE.match(first + " X") is None:
                return True
        return False

    @cached_property
    def _joined(self) -> str:
        """The body's sentences in ordinary case: title-case lines capitalise any word."""
        return "\n".join(
            s
            for s in self.sentences[self.title_count :]
            if len(re.findall(r"(?<![\w'’-])[a-z]", s)) >= 3
        )

    def national_body(self, text: str) -> str | None:
        """ "The Dutch data protection authority", "British regulators": a country's body,
        named by its demonym."""
        for match in _DEMONYM_BODY.finditer(text):
            country = self.places.demonyms.get(match.group(1).casefold())
            if country:
                return country
        return None

    def any_place(self) -> str | None:
        """The first country the article names, else its state, else its city."""
        return self.first_place("country") or self.first_place("state") or self.first_place("city")

    # --- the name test ----------------------------------------------------------------

    def is_name(self, name: str, *, in_title: bool, following: str = "") -> bool:
        """A proper name of someone who can act: a place, a body, an acronym, a name the
        article writes with a capital mid-sentence. Not an outlet, not a common word that
        opens a sentence."""
        words = name.split()
        lowered = [w.casefold().strip(".,") for w in words]
        if not words or set(lowered) & _OUTLET_WORDS:
            return False
        if self.places.is_place(name) or self.lexicon.by_alias.get(name.casefold()):
            return True
        if set(lowered) & AGENT_NOUNS and len(words) > 1:
            return True
        if any(w.isupper() and len(w.strip(".")) >= 2 for w in words):
            return True  # FDA, E.P.A., IBM
        head = lowered[0].removesuffix("'s").removesuffix("’s")
        inside, lower, openers = self.word_forms
        if head in inside or any(c.isupper() for c in words[0][1:]):
            return True  # written as a name mid-sentence; TikTok, WhatsApp
        if (
            head not in lower
            and openers.get(head, 0) >= 2
            and len(words) == 1
            and not head.endswith(("ing", "ed", "ly"))
        ):
            return True  # "Facebook bans ..." / "Facebook has banned ...": never lower-case
        if len(words) > 1:
            # A title-case headline capitalises everything; a body sentence's later
            # words are capitalised on purpose.
            return not in_title or self._short
        # One capitalised word the article never writes mid-sentence: a name only in a
        # short item (a headline and a line), not an inflected common word, and only as
        # the subject of a verb ("Twitch bans …", not "Draft regulation …", "Vote on …").
        return (
            self._short
            and not head.endswith(("ing", "ed", "s", "ly"))
            and head not in _NOT_NAMES
            and _VERB_NEXT.match(following) is not None
        )

    @cached_property
    def _short(self) -> bool:
        return len(self.sentences) - self.title_count <= 2

    # --- resolution -------------------------------------------------------------------

    def resolve(self, clause: str, at: int, *, in_title: bool) -> list[tuple[str, str]]:
        """The actors of a trigger at `at` in the clause, each with how it was found."""
        found = self.lexicon.find(clause[:at])
        if found:
            # "Italy's privacy watchdog fined Clearview AI and banned the company": the
            # clause's subject, a place or a body named before the alias, acts on it.
            subject = self.national_body(clause[: found[0][0]]) or self._proper_actor(
                clause[: found[0][0]], in_title=in_title
            )
            if subject and _OPENS_WITH_SUBJECT.match(clause) and self._is_body(subject):
                return [(subject, "proper-noun")]
            return [(name, "alias") for name in dict.fromkeys(self._coordinated(clause, found))]
        named = self.national_body(clause[:at]) or self._proper_actor(
            clause[:at], in_title=in_title
        )
        if named and not self.coreference.search(clause[: at + 1]):
            return [(named, "proper-noun")]
        if self.main_actor and self.coreference.search(clause[: at + 1]):
            # "Norway's government said it would keep …": the name before the pronoun.
            return [(named or self.main_actor, "proper-noun" if named else "coreference")]
        national = _NATIONAL_BODY.search(clause[:at])
        if national:  # "the federal government": the country the article names
            return [(self.first_place("country") or "federal government", "national-body")]
        local = _LOCAL_BODY.search(clause[:at])
        if local:
            city = self.first_place("city")
            if city:
                return [(city, "local-body")]
        if named:
            return [(named, "proper-noun")]
        after = [name for _, name in self.lexicon.find(clause)]
        if after:
            return [(name, "alias") for name in dict.fromkeys(after)]
        if self.main_actor and self.coreference.search(clause):
            return [(self.main_actor, "coreference")]
        agent = _PASSIVE_AGENT.search(clause[at:])
        if agent and not agent.group(1)[:1].isdigit():
            return [(agent.group(1), "passive-agent")]
        place = _IN_PLACE.search(clause[at:])
        if place and self.places.is_place(place.group(1)):
            return [(self.places.jurisdiction(place.group(1)), "place")]
        phrase = subject_phrase(clause[:at])
        return [(phrase, "subject-phrase")] if phrase else []

    def resolve_passive(
        self, clause: str, at: int, end: int, *, in_title: bool
    ) -> list[tuple[str, str]]:
        """The actor of a passive ("was banned by the regulator", "banned in Russia"): the
        words before the verb name what is banned, not who bans it."""
        after = clause[end:]
        agent = _BY_AGENT.search(clause[at:])
        if agent:
            name = _possessive_cut(agent.group(1).strip())
            if self.places.is_place(name) or self.lexicon.by_alias.get(name.casefold()):
                return [(self.places.jurisdiction(self.lexicon.canonical(name)), "passive-agent")]
            words = {w.casefold() for w in name.split()}
            if words & AGENT_NOUNS or self.is_name(name, in_title=in_title):
                return [(name, "passive-agent")]
        place = _IN_PLACE.search(after)
        if place and self.places.is_place(place.group(1)):
            return [(self.places.jurisdiction(place.group(1)), "passive-place")]
        named = [name for _, name in self.lexicon.find(after)]
        if named:
            return [(named[0], "alias")]
        for match in PROPER_NOUN.finditer(clause[:at]):  # "UK's providers are banned"
            name = _possessive_cut(match.group(0))
            if self.places.kind(name) in ("country", "state"):
                return [(self.places.jurisdiction(name), "place")]
        if self.topic_actor:  # not the lead's subject: in a passive that is the banned
            return [(self.topic_actor, "coreference")]
        reporter = _REPORTED_THAT.search(clause[:at])
        if reporter:  # "The government has announced that firms will be barred ..."
            found = self._proper_actor(clause[: reporter.start()], in_title=in_title)
            phrase = found or subject_phrase(clause[: reporter.start()])
            if phrase:
                return [(phrase, "reported")]
        return []

    def _coordinated(self, clause: str, found: list[tuple[int, str]]) -> list[str]:
        """The first named actor and those beside it ("Microsoft and Amazon adopt …",
        "Amazon and other giants like IBM …"), not an object ("IBM's chief told
        Congress that the company …")."""
        spans = [m.span() for m in self.lexicon.regex.finditer(clause)][: len(found)]
        names = [found[0][1]]
        for (_, end), (start, _), (_, name) in zip(spans, spans[1:], found[1:], strict=False):
            if _OBJECT_BEFORE.search(clause[end:start]):
                break
            names.append(name)
        return names

    def _is_body(self, name: str) -> bool:
        """A place or a named body that can act (not a person, not a product)."""
        words = {w.casefold().strip(".") for w in name.split()}
        return self.places.is_place(name) or bool(words & AGENT_NOUNS)

    def _proper_actor(
        self, before: str, *, in_title: bool, following: str | None = None
    ) -> str | None:
        candidates = [m for m in PROPER_NOUN.finditer(before)]
        for match in reversed(candidates):
            words = match.group(0).split()
            # Title-case headlines capitalise verbs too: "Oklahoma House Sends ... Ban".
            for index, word in enumerate(words):
                if index and (
                    word.casefold() in HEADLINE_VERBS
                    or (
                        in_title
                        and _verb_like(word, self.places)
                        and not self.places.is_place(" ".join(words[: index + 1]))
                    )
                ):
                    words = words[:index]
                    break
            while (
                words
                and words[0].casefold() in NOT_ACTORS
                and not self.places.is_place(" ".join(words[:2]))  # New Zealand, New York
            ):
                words = words[1:]
            while words and words[-1].casefold() in NOT_ACTORS:
                words = words[:-1]
            if not words:
                continue
            name = " ".join(words)
            official = self._official(name)
            if official:
                return official
            name = _possessive_cut(name)
            after = before[match.end() :].strip() if following is None else following
            if self.is_name(name, in_title=in_title, following=after):
                return self.places.jurisdiction(self._place_of_body(name))
        return None

    def _place_of_body(self, name: str) -> str:
        """ "Oklahoma House", "Portland City Council", "Ohio Lawmakers": the place whose
        body acts stands for it, so reports of one measure share one actor."""
        words = name.split()
        for cut in range(len(words) - 1, 0, -1):
            place, rest = " ".join(words[:cut]), words[cut:]
            if self.places.is_place(place) and all(w.casefold() in AGENT_NOUNS for w in rest):
                return place
        return name

    def _official(self, name: str) -> str | None:
        """ "Montana Governor Greg Gianforte" → Montana; "Gov. Jane Roe" → the state the
        article names; "President Joe Biden" → the country; "Mayor John Doe" → the city."""
        title = _TITLE.search(name)
        if title is None:
            return None
        following = name[title.end() :].split()[:1]
        if following and following[0].casefold() in AGENT_NOUNS:
            return None  # "Justice Department", "Premier League": a body, not an office
        before = name[: title.start()].strip()
        if before:
            return self.places.jurisdiction(_possessive_cut(before))
        office = title.group(0).strip().casefold()
        kind = _OFFICE_PLACE.get(office)
        place = self.first_place(kind) if kind else None
        return place or _possessive_cut(name[title.end() :].strip()) or None


def _verb_like(word: str, places: Gazetteer) -> bool:
    """A title-case headline's verb: "DOT Rejects ...", "Canada Threatens ...". A third-
    person -s form that is not a place ("Wales") or a company's plural ("Airlines")."""
    lowered = word.casefold()
    return (
        len(word) > 3
        and lowered.endswith("s")
        and not lowered.endswith(("ss", "us", "is", "ics", "lines", "ings", "ers", "ies"))
        and not places.is_place(word)
    )


def _possessive_cut(name: str) -> str:
    return re.sub(r"(?:'s|’s)$", "", name, flags=re.IGNORECASE)


def subject_phrase(before: str) -> str | None:
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
    for index, word in enumerate(words):
        lowered = word.casefold()
        if lowered in _NOT_SUBJECT or (phrase and lowered.endswith("ed")) or len(phrase) == 4:
            break
        phrase.append(word)
        following = words[index + 1].casefold() if index + 1 < len(words) else ""
        if lowered.removesuffix("'s").removesuffix("’s") in AGENT_NOUNS and not (
            following in AGENT_NOUNS or following == "of"
        ):
            break  # the head noun ends the phrase: "Senators introduce ..." → "Senators"
    if not phrase or phrase[0].casefold() in PRONOUNS or not phrase[-1][0].isalpha():
        return None
    if re.fullmatch(r"[A-Za-z]+ing", phrase[0]) or (len(phrase) > 3 and phrase[0].islower()):
        return None  # "forcing this nation", a lower-case run: not a named body
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
    if not AGENT_NOUNS.intersection(named):
        return None
    return " ".join(phrase).removesuffix("'s").removesuffix("’s")
