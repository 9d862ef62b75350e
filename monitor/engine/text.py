"""An article as parts: title, dateline, lead and body; sentences and clauses. Pure.

Wire copy comes in capitals ("BOTSWANA BANS ZIMBABWE MEAT PRODUCTS") and opens with a
dateline ("LOS ANGELES (Reuters) - "). Both are undone here, so the rest of the engine
reads ordinary sentences.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

_SENTENCE_END = re.compile(
    r"(?<=[.!?])(?<!\b[A-Z]\.)(?<!\b(?:Mr|Ms|Dr|St|Jr|Sr|vs|No|Co)\.)"
    r"(?<!\b(?:Gov|Sen|Rep|Inc)\.)(?<!\bCorp\.)"
    r"[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])"
)
_CLAUSE_BREAK = re.compile(
    r"\s*(?:;|:|\s[—–]\s|—|\s-\s|,\s*(?:but|however|while|although|though|whereas)\b|"
    r"\bbut\s+(?=is|it|was|that)|,|"
    # "Germany proposed a freeze and Canada has begun its own moratorium": two clauses.
    r"\s+and\s+(?=(?-i:[A-Z])[\w.-]*(?:\s+(?-i:[A-Z])[\w.-]*)*\s+(?:has|have|had|is|are|was|were|"
    r"will|would|said|says|also)\b))\s*",
    re.IGNORECASE,
)
# "LOS ANGELES (Reuters) - ", "PORTLAND, Maine — ", "WASHINGTON, March 3 - ",
# "Kampala, Uganda (AP) -- ". The place is kept: "city supervisors" act for it.
_DATELINE = re.compile(
    r"^\s*(?P<place>[A-Z][A-Za-z.'’ -]{1,40}?)"
    r"(?:,\s*(?P<region>[A-Z][A-Za-z.]+(?:\s[A-Z][A-Za-z.]+)?))?"
    r"(?:,\s*(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}))?"
    r"\s*(?:\((?:[A-Za-z&. ]{2,30})\))?\s*(?:--|[-—–])\s+"
)
# How many body sentences after the dateline make the lead.
LEAD_SENTENCES = 3
_SMALL_WORDS = frozenset(
    "a an and as at but by for from in into of on or over the to up via with vs".split()
)


@dataclass(frozen=True, slots=True)
class Article:
    """The parts the reader weighs differently: the headline and the lead carry the news."""

    title: list[str]
    body: list[str]
    dateline: str | None

    @property
    def sentences(self) -> list[str]:
        return self.title + self.body

    def in_lead(self, index: int) -> bool:
        """Title sentences and the first body sentences."""
        return index < len(self.title) + LEAD_SENTENCES


def split_sentences(text: str) -> list[str]:
    sentences: list[str] = []
    for paragraph in text.splitlines():
        paragraph = paragraph.strip()
        if paragraph:
            sentences.extend(s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip())
    return sentences


def clauses(sentence: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in _CLAUSE_BREAK.finditer(sentence):
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(sentence):
        spans.append((start, len(sentence)))
    return spans


_LOWER_RUN = re.compile(r"[a-z]{3}")
_UPPER_RUN = re.compile(r"[A-Z]{3}")


def is_shouting(text: str) -> bool:
    """In capitals: a wire headline, or a story sent in caps (no run of lower case)."""
    return _LOWER_RUN.search(text) is None and _UPPER_RUN.search(text) is not None


Spellings = dict[str, Counter[str]]


_WORD = re.compile(r"[\w.'’&-]+")


def spellings(text: str, wanted: set[str]) -> Spellings:
    """How the article spells the words a shouted line uses (keyed case-folded), from
    its text outside shouted lines: what truecasing that line needs. One pass."""
    forms: Spellings = {}
    for word in _WORD.findall(text):
        word = word.strip(".'’").removesuffix("'s").removesuffix("’s")
        key = word.casefold()
        # Acronyms (IBM, U.S.) keep their capitals; longer words count in lower or title case.
        if key in wanted and (not word.isupper() or len(word) <= 5):
            forms.setdefault(key, Counter())[word] += 1
    return forms


def truecase(text: str, known: Spellings) -> str:
    """Capitals undone: each word as the article's other text spells it, else capitalised
    (a name keeps its capital, so the actor test still sees it); small words lower-case."""
    out: list[str] = []
    for index, word in enumerate(re.split(r"(\s+)", text)):
        core = word.strip("\"'“”‘’()[],.:;!?")
        key = core.casefold().removesuffix("'s").removesuffix("’s")
        if not core:
            out.append(word)
        elif key in known:
            form = known[key].most_common(1)[0][0]
            if index == 0:
                form = form[:1].upper() + form[1:]  # a line opens with a capital
            out.append(word.replace(core[: len(form)], form, 1))
        elif index and key in _SMALL_WORDS:
            out.append(word.lower())
        elif index == 0:
            out.append(word[:1].upper() + word[1:].lower())
        else:
            out.append(word[:1] + word[1:].lower())
    return "".join(out)


def read_article(title: str, text: str, *, undo_capitals: bool = True) -> Article:
    """Split an article into title sentences and body sentences, the dateline cut off
    the first body sentence, and capitals undone (unless `undo_capitals` is false: the
    trigger search is case-blind, only the actor search needs them undone)."""
    title_sentences = split_sentences(title)
    body = split_sentences(text)
    if title_sentences and body and body[0] == title_sentences[0]:
        body = body[1:]  # bodies that repeat the headline as their first line
    dateline = None
    if body:
        match = _DATELINE.match(body[0])
        if match and match.end() < len(body[0]):
            place = match.group("place").strip()
            if place.isupper() or match.group("region"):
                dateline = place.title() if place.isupper() else place
                body[0] = body[0][match.end() :]
    shouted = [
        s for s in title_sentences + body[:LEAD_SENTENCES] if undo_capitals and is_shouting(s)
    ]
    if shouted:
        wanted = {
            w.strip(".'’").removesuffix("'s").removesuffix("’s").casefold()
            for line in shouted
            for w in _WORD.findall(line)
        }
        unshouted = "\n".join(s for s in split_sentences(text) if not is_shouting(s))
        known = spellings(unshouted, wanted)
        title_sentences = [truecase(s, known) if is_shouting(s) else s for s in title_sentences]
        body = [truecase(s, known) if is_shouting(s) else s for s in body]
    return Article(title_sentences, body, dateline)
