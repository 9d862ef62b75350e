"""Cues: words around a trigger that change what it reports. Pure.

A cue of kind `proposal` turns a ban into a proposed one ("introduced a bill that would
ban"); `background` makes it earlier news; every other kind cancels it (a call, a
threat, a question, a denial, one person's suspension, another sense of the word).
"""

from __future__ import annotations

import re
from datetime import date

from monitor.engine.dates import background_date
from monitor.rules import CueRule

# Kinds that cancel a trigger; `proposal` and `background` demote it instead.
CANCELLING = frozenset(
    {"hypothetical", "negation", "call", "opinion", "sanction", "other-sense", "rejected"}
)
_YEAR = re.compile(r"\b(19|20)\d{2}\b")
# "said on Tuesday it would keep its moratorium" reports a decision: the "would" of
# reported speech is not a hypothetical.
REPORTED_WOULD = re.compile(
    r"\b(?:said|says|announced|confirmed|told\s+[\w ]{1,30}?)\b[^.;:?!]{0,40}?"
    r"\b(?:it|they|we|he|she|the\s+(?:company|government|agency|city|state|ministry))"
    r"\s+would\b",
    re.IGNORECASE,
)


def reported_speech(sentence: str) -> str:
    """The sentence with reported speech's "would" read as "shall" (same length, so
    offsets hold)."""
    return REPORTED_WOULD.sub(lambda m: m.group(0)[:-5] + "shall", sentence)


def find_cues(
    cues: list[CueRule],
    clause: str,
    at: int,
    year_now: int | None,
    *,
    where: str,
) -> dict[str, tuple[int, int]]:
    """The cue kinds found in the clause (or the sentence, for `where="sentence"`), each
    with the span of its first match. `year_now` is the article's year (for an undated
    article, the latest year it names): a year before it is the past."""
    found: dict[str, tuple[int, int]] = {}
    for cue in cues:
        if (cue.where == "sentence") != (where == "sentence") or cue.kind in found:
            continue
        region = clause[:at] if cue.where == "before" else clause
        for match in cue.regex.finditer(region):
            year = _YEAR.search(match.group(0))
            if (
                cue.kind == "background"
                and year
                and (year_now is None or int(year.group(0)) >= year_now)
            ):
                continue  # "in 2021" in a 2021 article is not the past
            found[cue.kind] = match.span()
            break
    return found


# The modal of what a proposal would do ("a bill that would ban", "mulling an app that
# could ban words"): the proposal's, not a hypothetical of its own.
_PROPOSAL_WOULD = re.compile(r"\b(?:that|which)\s+(?:would|could|might)\b", re.IGNORECASE)


def settle(found: dict[str, tuple[int, int]], clause: str = "") -> set[str]:
    """Cue kinds that stand: a "would" inside a proposal ("a bill that would ban") is the
    proposal's, not a hypothetical."""
    kinds = set(found)
    proposal = found.get("proposal")
    for kind in ("hypothetical", "call"):
        # "a bill that would ban", "lawmakers backed the ban": the proposal's words.
        span = found.get(kind)
        if proposal and span and proposal[0] <= span[0] < proposal[1] + 12:
            kinds.discard(kind)
    if proposal and _PROPOSAL_WOULD.search(clause):
        kinds.discard("hypothetical")
    if "enacted" in kinds:
        kinds -= {"enacted", "proposal"}  # passed by the council, signed into law
    return kinds


def background_when(cues: list[CueRule], clause: str, sentence: str, published: date) -> str | None:
    """A rough date for a background mention, from the first background cue that has one."""
    for cue in cues:
        if cue.kind == "background":
            match = cue.regex.search(clause) or cue.regex.search(sentence)
            if match:
                dated = background_date(match.group(0), published)
                if dated:
                    return dated
    return None
