"""How a trigger word is used in its clause: a verb or a bare noun, a passive, a
standing law, part of a name, a ban on one person. Pure; each test says why a candidate
is, or is not, news of a measure."""

from __future__ import annotations

import re

from monitor.engine.actors import ArticleActors

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


def is_passive(clause: str, at: int, end: int, *, is_title: bool) -> bool:
    """ "The app was banned", "Cartoon banned in Russia" (a headline drops the verb
    "to be"): the words before the trigger are what is banned."""
    if not _PARTICIPLE.match(clause, at):
        return False
    before = clause[:at].rstrip()
    if _BE.search(before):
        return True
    return is_title and bool(before) and before[-1:].isalnum()


def passive_subject(before: str) -> str | None:
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


def one_person(actors: ArticleActors, clause: str, at: int, end: int) -> bool:
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
    r"\b(?:law|rule|ordinance|act|regulation|policy|treaty|statute|decree)s?\s+(?:of\s+)?$",
    re.IGNORECASE,
)


def noun_use(clause: str, at: int) -> bool:
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


def standing_law(clause: str, at: int) -> bool:
    """ "a key apartheid law barring blacks from ...": a law in force named by what it
    bans, not news of its passing (unless a verb before passes or signs it)."""
    before = clause[:at]
    if not _LAW_NOUN.search(before):
        return False
    return not _IMPOSING.search(" ".join(re.findall(r"[\w'’-]+", before)[-8:]))


def inside_name(clause: str, at: int, *, is_title: bool) -> bool:
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


def bare_noun(clause: str, at: int, end: int) -> bool:
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
