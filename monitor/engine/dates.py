"""Dates in text, resolved against the publication date. Pure functions."""

from __future__ import annotations

import re
from datetime import date, datetime

from dateutil import parser as dateparser
from dateutil.relativedelta import relativedelta

INDEFINITE = "indefinite"

_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "eighteen": 18,
    "thirty": 30,
    "sixty": 60,
    "ninety": 90,
}
_NUMBER = r"(\d{1,3}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"
_UNIT = r"(year|month|week|day)s?"
# "until further notice", and "until Congress passes a law": an end no date gives.
_OPEN_ENDED = re.compile(
    r"until further notice|indefinite(?:ly)?|open-ended|no end date|"
    r"until\s+(?:there\s+(?:is|are)|congress|lawmakers|parliament|legislators|"
    r"(?:a|the)\s+(?:federal|national|state)\s+(?:law|legislation|regulation)|"
    r"(?:federal|national)\s+(?:law|legislation|rules|regulation)|"
    r"(?:strong|proper|appropriate)\s+(?:regulations?|rules|safeguards))|"
    r"pending\s+(?:a|an|the|further|its)\s+(?:[\w'’-]+\s+){0,3}?(?:review|investigation|study|"
    r"assessment|evaluation|inquiry)",
    re.IGNORECASE,
)
# "one-year", "12-month", "90-day", "for a year", "for another six months"; not "years ago".
_DURATION = re.compile(
    rf"\b(?:for\s+(?:a\s+|an\s+|another\s+|an\s+additional\s+)?(?:whole\s+|full\s+|further\s+)?)?"
    rf"{_NUMBER}[-\s]{_UNIT}(?:[-\s]long)?\b(?!\s+ago)",
    re.IGNORECASE,
)
_FOR_A_UNIT = re.compile(
    rf"\bfor\s+(?:a|an|another)\s+(?:whole\s+|full\s+|further\s+)?{_UNIT}\b", re.IGNORECASE
)
_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_UNTIL_DATE = re.compile(
    rf"\b(?:until|through|till|to|ends?\s+on|expires?\s+on|expiring\s+on)\s+(?:at\s+least\s+)?"
    rf"((?:{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}})?)|(?:\d{{1,2}}\s+{_MONTHS}(?:\s+\d{{4}})?)"
    rf"|(?:{_MONTHS},?\s+\d{{4}})"
    rf"|(?:(?:the\s+)?end\s+of\s+(?:the\s+)?(?:(?:{_MONTHS}\s+)?\d{{4}}|year|{_MONTHS})))",
    re.IGNORECASE,
)


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word.lower()]


def _add(published: date, amount: int, unit: str) -> str | None:
    """The date `amount` units after `published`, or None past the calendar's end."""
    unit = unit.lower().rstrip("s")
    step = {
        "year": relativedelta(years=amount),
        "month": relativedelta(months=amount),
        "week": relativedelta(weeks=amount),
    }.get(unit, relativedelta(days=amount))
    try:
        return (published + step).isoformat()
    except (ValueError, OverflowError):
        return None


def _explicit_date(text: str, published: date) -> date | None:
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text)
    if cleaned.lower().removeprefix("the ").startswith("end of"):
        rest = cleaned.lower().split("end of", 1)[1].strip().removeprefix("the ").strip()
        if rest == "year":
            return date(published.year, 12, 31)
        if not rest[-4:].isdigit():  # "the end of March": this March's, or next year's
            end = _explicit_date(f"end of {rest} {published.year}", published)
            if end is not None and end < published:
                end = _explicit_date(f"end of {rest} {published.year + 1}", published)
            return end
        year = int(cleaned[-4:])
        month_part = rest[:-4].strip()
        if month_part:
            start = dateparser.parse(f"1 {month_part} {year}")
            return (start + relativedelta(months=1, days=-1)).date()
        return date(year, 12, 31)
    try:
        parsed = dateparser.parse(cleaned, default=datetime(published.year, 1, 1)).date()
    except (ValueError, OverflowError):
        return None
    if not re.search(r"\d{4}", cleaned) and parsed < published:
        parsed = parsed.replace(year=parsed.year + 1)  # "until June 30" means the next one
    return parsed


_MEASURE = r"(?:ban|moratorium|pause|suspension|halt|freeze|prohibition|embargo)"
# An end tied to the measure itself: "a two-year moratorium", "the ban for 90 days",
# "the pause, which runs through March 31", "bars the use until July 1, 2022".
_MEASURE_DURATION = re.compile(
    rf"\b{_NUMBER}[-\s]{_UNIT}[-\s](?:[\w'’-]+\s+){{0,2}}?{_MEASURE}\b|"
    rf"\b{_MEASURE}s?\s+(?:[\w'’-]+\s+){{0,3}}?for\s+(?:another\s+|an\s+additional\s+)?{_NUMBER}\s+{_UNIT}\b",
    re.IGNORECASE,
)
_MEASURE_UNTIL = re.compile(
    rf"\b(?:{_MEASURE}s?|extend(?:s|ed|ing)?|extension)\b[^.;]{{0,120}}?(?={_UNTIL_DATE.pattern})",
    re.IGNORECASE,
)
_BEYOND = re.compile(r"\b(?:beyond|after|since|past)\s+(?:the|its|a)\s*$", re.IGNORECASE)


def measure_end(text: str, published: date | None) -> str | None:
    """The end the text gives the measure it names, anywhere in it: for an event whose
    own sentence gives none. Only ends tied to a ban word, or an open end."""
    if open_ended(text):
        return INDEFINITE
    tied = _MEASURE_UNTIL.search(text)
    if tied:
        return resolve_until(text[tied.end() :], published)
    for duration in _MEASURE_DURATION.finditer(text):
        if _BEYOND.search(text[: duration.start()]):
            continue  # "extend its ban beyond the one-year pause": the old term
        return resolve_until(duration.group(0), published) if published else None
    return None


def open_ended(text: str) -> bool:
    return _OPEN_ENDED.search(text) is not None


def resolve_until(text: str, published: date | None) -> str | None:
    """The end of a measure as YYYY-MM-DD, "indefinite", or None if the text gives none.
    Without a publication date only an end the text dates in full can be resolved."""
    if _OPEN_ENDED.search(text):
        return INDEFINITE
    explicit = _UNTIL_DATE.search(text)
    if published is None:
        if explicit and re.search(r"\d{4}", explicit.group(1)):
            resolved = _explicit_date(explicit.group(1), date(1, 1, 1))
            return resolved.isoformat() if resolved else None
        return None
    if explicit:
        resolved = _explicit_date(explicit.group(1), published)
        if resolved:
            return resolved.isoformat()
    duration = _DURATION.search(text)
    if duration:
        return _add(published, _count(duration.group(1)), duration.group(2))
    for_a = _FOR_A_UNIT.search(text)
    if for_a:
        return _add(published, 1, for_a.group(1))
    return None


def background_date(cue_text: str, published: date) -> str | None:
    """A rough date for a background mention: "last year" → the year before, "in 2019"."""
    lowered = cue_text.lower()
    year = re.search(r"\b(19|20)\d{2}\b", lowered)
    if year:
        return year.group(0)
    if re.search(r"last (summer|spring|fall|autumn|winter|year)", lowered):
        return str(published.year - 1)
    if "last month" in lowered:
        return (published - relativedelta(months=1)).strftime("%Y-%m")
    return None


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ANNOUNCED_DAY = re.compile(
    r"\b(?:on\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday)\b",
    re.IGNORECASE,
)
_ANNOUNCED_DATE = re.compile(rf"\bon\s+({_MONTHS}\s+\d{{1,2}})(?:st|nd|rd|th)?\b(?!,?\s*\d{{4}})")


_LAST_WEEK = re.compile(r"\blast\s+week\b", re.IGNORECASE)


def announced_on(text: str, published: date) -> date:
    """The day a sentence dates its news, for counting a measure's end from it: "on
    Wednesday" in a Friday story is two days before; "on June 10" is that day. The
    publication date when the text names none (or names one ahead or long before)."""
    named = _ANNOUNCED_DATE.search(text)
    if named:
        try:
            when = dateparser.parse(named.group(1), default=datetime(published.year, 1, 1)).date()
        except (ValueError, OverflowError):
            when = published
        if published - relativedelta(days=45) <= when <= published:
            return when
    if _LAST_WEEK.search(text):
        return published - relativedelta(days=7)  # within the week the scorer allows
    day = _ANNOUNCED_DAY.search(text)
    if day:
        word = day.group(1).casefold()
        if word == "yesterday":
            return published - relativedelta(days=1)
        back = (published.weekday() - _WEEKDAYS.index(word)) % 7
        return published - relativedelta(days=back)
    return published


EARLIER_NEWS_DAYS = 14
_MONTH_DAY = re.compile(rf"\b({_MONTHS})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!,?\s*\d{{4}})", re.I)


def dated_before(text: str, published: date) -> bool:
    """The text dates its event two weeks or more before the article ("On February 20,
    Brazil suspended ..." in a March story): a report of earlier news. (A feature that
    reports last week's vote days later still reports it.)"""
    for match in _MONTH_DAY.finditer(text):
        try:
            when = dateparser.parse(
                f"{match.group(1)} {match.group(2)}", default=datetime(published.year, 1, 1)
            ).date()
        except (ValueError, OverflowError):
            continue
        if when <= published and (published - when).days >= EARLIER_NEWS_DAYS:
            return True  # a date ahead is an end or a start to come, not the past
    return False
