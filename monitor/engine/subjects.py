"""What a measure is on: the object of a verb trigger ("banning TikTok"), the phrase after
a ban noun ("a moratorium on evictions"), or the words before it ("eviction
moratorium"), for bans no topic pack names. Pure."""

from __future__ import annotations

import re

from monitor.engine.actors import HEADLINE_VERBS, PRONOUNS

_SUBJECT_AFTER = re.compile(
    r"\b(?:on|of)\s+(?:the\s+)?(?:(?:police|government|public|commercial)\s+)?"
    r"(?:(?:use|sale|sales|imports?|exports?)\s+of\s+)?"
    r"(?:its\s+|their\s+|new\s+|all\s+)?([A-Za-z][\w\- ]{1,60}?)"
    r"(?=\s+(?:to|for|by|in|until|through|from|at|on|after|while|over|amid|that|which|"
    r"expired|expires|ended|ends|lapsed|was|were|is|are|has|have|had|will|and|goes|go|went|"
    r"comes|come|came|takes|take|took|applies|apply|remains|stays)\b|[,.;:]|$)",
)
# Not subjects: dates and times that follow "on" ("extended ... on Monday").
_NOT_SUBJECTS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december year month week day today
    weekend""".split()
)


# What ends the object of a ban: a preposition, a conjunction, a clause, a time word.
_OBJECT_STOP = frozenset(
    """in on at for from to by until through after over amid under with while as across
    since during that which who because unless if or but nationwide statewide worldwide
    immediately indefinitely temporarily permanently today yesterday tomorrow this last next
    starting effective can could may might must will would shall should is are was were be
    been being has have had when where means said says so-called within into yesterday
    tonight night morning monday tuesday wednesday thursday friday saturday sunday
    went goes""".split()
)
_TRAILING = frozenset("and or of the a an its their".split())
_OBJECT_SKIP = frozenset("the a an its their his her all new any some most".split())
# "the manufacturing and import of a type of asbestos" → "asbestos".
_USE_OF = re.compile(
    r"^(?:the\s+)?(?:(?:use|sale|sales|import|imports|export|exports|manufactur\w*|"
    r"production|distribution|possession|purchase|supply|installation)(?:\s*,\s*|\s+and\s+|"
    r"\s+or\s+)?)+\s+of\s+(?:(?:a|an|the|all|any)\s+)?(?:(?:type|kind|form|class)\s+of\s+)?",
    re.IGNORECASE,
)


def _object_subject(after_trigger: str) -> str | None:
    """What a verb trigger acts on: "banning TikTok in the state" → "TikTok",
    "ban imports of Russian oil" → "Russian oil". At most five words."""
    text = _USE_OF.sub("", after_trigger.strip().lstrip("\"'“‘"))
    words = re.findall(r"[\w'’-]+|[^\w\s]", text)
    while words and words[0].casefold() in _OBJECT_SKIP:
        words = words[1:]
    phrase: list[str] = []
    for word in words:
        stop = word.casefold() in _OBJECT_STOP or word.casefold().endswith("ly")
        if not re.match(r"[\w'’-]", word) or stop or len(phrase) == 5:
            break
        phrase.append(word)
    if not phrase or phrase[0].casefold() in PRONOUNS or phrase[0][0].isdigit():
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
    """its their the a an his her own federal national nationwide statewide state city temporary
    permanent new total near-total sweeping controversial first-of-its-kind""".split()
)


def subject_in(clause: str, start: int, end: int) -> str | None:
    """The subject of a measure without a topic pack, from the words around the trigger."""
    span = clause[start:end]
    if _FROM_END.search(span):
        # "barred from 2006 from imposing retirement ages": what they may no longer do.
        activity = _object_subject(_DATE_FIRST.sub("", clause[end:]))
        if activity:
            return activity
    if _NOW_ILLEGAL.match(span):
        # "Fox hunting with dogs is now illegal": the clause's subject is what is banned.
        words = re.findall(r"[\w'’-]+", clause[:start])
        return " ".join(words[-6:]).lower() or None
    if _IN_FORCE.search(span):
        # "The ban on hunting comes into force": what the ban is on, or (when the sentence
        # does not say) the measure its headline or lead names.
        return _generic_subject(clause[start:])
    noun_end = _BAN_NOUN_END.search(span)
    if noun_end and not _VERB_BEFORE_END.search(span[: noun_end.start()]):
        # "ending the northern cod moratorium (off the coast)": what the named measure is
        # on, after it ("ban on X") or before it ("cod moratorium").
        after = clause[end:]
        on = _generic_subject(noun_end.group(0) + after) if _ON_OF.match(after) else None
        named = on or _modifiers(span)
        if named:
            return named
    # The object follows the verb, and may be inside the trigger's own match ("halts
    # software shipments", "is blocking WhatsApp").
    verb = _BAN_VERB.match(span) or _BLOCK.match(span)
    verb_end = start + verb.end() if verb else end
    found = _generic_subject(clause[start:]) or _object_subject(clause[verb_end:])
    if found and _BAN_NOUN.search(found):
        # The object is the measure itself ("blocked Montana's ban on TikTok"): what it is on.
        after = clause[end:]
        noun = _BAN_NOUN.search(after)
        found = (_generic_subject(after[noun.start() :]) if noun else None) or _modifiers(found)
    if found is None:
        found = _modifiers(clause[:end])  # "Aggressive Abortion Ban": the words before it
    if found is None:
        # "introduced a bill that would ban TikTok": the ban's object, later in the clause.
        verb = _BAN_VERB.search(clause, end)
        found = _object_subject(clause[verb.end() :]) if verb else None
    return found


_BLOCK = re.compile(r"block(?:s|ed|ing)?\b|freez(?:e|es|ing)\b", re.I)
_BAN_NOUN_END = re.compile(
    r"(?:ban|moratorium|prohibition|pause|freeze|suspension|halt|embargo)(?:s|es)?$", re.I
)
_IN_FORCE = re.compile(r"\binto\s+(?:force|effect)\b|\b(?:takes?|took)\s+effect\b", re.I)
_VERB_BEFORE_END = re.compile(
    r"\b(?:to|will|would|could|may|might|shall|should|can|must|not|also)\s*$", re.I
)
_ON_OF = re.compile(r"\s+(?:on|of|against)\b", re.IGNORECASE)


def named_measure(text: str) -> str | None:
    """What the first ban a text names is on: "a ban on Russian coal" → "Russian coal",
    "the cod moratorium" → "cod". For an event whose own sentence names no subject."""
    for noun in _BAN_NOUN.finditer(text):
        after = text[noun.end() :]
        found = (
            _generic_subject(text[noun.start() :]) if _ON_OF.match(after) else None
        ) or _modifiers(text[: noun.end()])
        if found:
            return found
    return None


_FROM_END = re.compile(r"\bfrom$", re.IGNORECASE)
_NOW_ILLEGAL = re.compile(r"(?:(?:is|are)\s+now\s+|(?:can|may)\s+no\s+longer\s+be\s)", re.I)
_DATE_FIRST = re.compile(r"^\s*(?:(?:19|20)\d\d|next\s+\w+|\w+\s+\d{1,2})\s+from\s+", re.IGNORECASE)


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
        if lowered in _CHANGE_VERBS or lowered in HEADLINE_VERBS:  # "To Extend … Moratorium"
            break
        if lowered in _OBJECT_STOP or lowered in _TRAILING:  # "an exception to water ban"
            break
        kept.insert(0, lowered)
    return " ".join(kept) or None
