"""A policy's timeline as an SVG picture: a band per status over time, a marker per
change, dashed lines for stated `until` dates and hollow markers for presumed expiries.

Pure: change records and today's date in, markup out. Every text in it is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from markupsafe import Markup, escape

WIDTH = 900
LEFT, RIGHT = 20, 20
BAND_Y, BAND_HEIGHT = 40, 28
AXIS_Y = BAND_Y + BAND_HEIGHT + 18
HEIGHT = AXIS_Y + 40

STATUS_COLOURS = {
    "none": "#d9d9d9",
    "proposed": "#f2c14e",
    "moratorium": "#f28e2b",
    "ban": "#e15759",
    "blocked": "#76b7b2",
    "lifted": "#59a14f",
    "expired": "#9c9c9c",
}


@dataclass(frozen=True, slots=True)
class Band:
    """One status held from `start` until `end`."""

    status: str
    start: date
    end: date


@dataclass(frozen=True, slots=True)
class Marker:
    change_id: int
    day: date
    label: str
    presumed: bool


def _day(text: str | None) -> date | None:
    if not text or text == "indefinite":
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def dated_changes(changes: Sequence[dict[str, Any]]) -> list[tuple[date, dict[str, Any]]]:
    """The changes that have an effective date, in time order (undated ones cannot be
    placed on the picture; the list below it still shows them)."""
    placed = [(d, c) for c in changes if (d := _day(c["effective"])) is not None]
    return sorted(placed, key=lambda pair: (pair[0], pair[1]["id"]))


def status_bands(changes: Sequence[dict[str, Any]], today: date) -> list[Band]:
    """Each change's status_after from its date to the next change's (or today)."""
    placed = dated_changes(changes)
    bands = []
    for index, (start, change) in enumerate(placed):
        end = placed[index + 1][0] if index + 1 < len(placed) else max(today, start)
        bands.append(Band(change["status_after"], start, end))
    return bands


def change_markers(changes: Sequence[dict[str, Any]]) -> list[Marker]:
    return [
        Marker(c["id"], d, f"{d.isoformat()} {c['change']}", bool(c["presumed"]))
        for d, c in dated_changes(changes)
    ]


def until_dates(changes: Sequence[dict[str, Any]]) -> list[date]:
    return sorted({d for c in changes if (d := _day(c.get("until"))) is not None})


def time_span(changes: Sequence[dict[str, Any]], today: date) -> tuple[date, date]:
    """From a little before the first change to a little after today or the last
    `until`, whichever is later."""
    days = [d for d, _ in dated_changes(changes)] + until_dates(changes) + [today]
    first, last = min(days), max(days)
    margin = timedelta(days=max(7, (last - first).days // 20))
    return first - margin, last + margin


class Scale:
    """Days to x positions."""

    def __init__(self, first: date, last: date) -> None:
        self.first = first
        self.days = max(1, (last - first).days)

    def x(self, day: date) -> float:
        return round(LEFT + (WIDTH - LEFT - RIGHT) * (day - self.first).days / self.days, 1)


def year_ticks(first: date, last: date) -> list[date]:
    """1 January of each year in the span; months when it is shorter than a year."""
    years = [date(y, 1, 1) for y in range(first.year + 1, last.year + 1)]
    if len(years) >= 2:
        return years
    months = []
    cursor = date(first.year, first.month, 1)
    while cursor <= last:
        if cursor > first:
            months.append(cursor)
        cursor = date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
    return months


def draw_timeline(changes: Sequence[dict[str, Any]], today: date, title: str) -> Markup:
    """The picture of one policy's changes, as inline SVG markup."""
    if not dated_changes(changes):
        return Markup('<p class="muted">No dated change to draw.</p>')
    first, last = time_span(changes, today)
    scale = Scale(first, last)
    parts = [
        f'<svg class="timeline" role="img" viewBox="0 0 {WIDTH} {HEIGHT}"'
        f' xmlns="http://www.w3.org/2000/svg" aria-labelledby="timeline-title">',
        f'<title id="timeline-title">{escape(title)}</title>',
    ]
    for band in status_bands(changes, today):
        x1, x2 = scale.x(band.start), scale.x(band.end)
        colour = STATUS_COLOURS.get(band.status, "#bbbbbb")
        parts.append(
            f'<rect class="band status-{escape(band.status)}" x="{x1}" y="{BAND_Y}"'
            f' width="{max(2.0, x2 - x1)}" height="{BAND_HEIGHT}" fill="{colour}">'
            f"<title>{escape(band.status)} from {band.start} to {band.end}</title></rect>"
        )
        if x2 - x1 > 60:
            parts.append(
                f'<text x="{x1 + 4}" y="{BAND_Y + BAND_HEIGHT / 2 + 4}" font-size="12"'
                f' fill="#222">{escape(band.status)}</text>'
            )
    for day in until_dates(changes):
        x = scale.x(day)
        parts.append(
            f'<line class="until" x1="{x}" y1="{BAND_Y - 14}" x2="{x}"'
            f' y2="{BAND_Y + BAND_HEIGHT + 6}" stroke="#333" stroke-dasharray="4 3"/>'
            f'<text x="{x}" y="{BAND_Y - 18}" font-size="11" text-anchor="middle"'
            f' fill="#333">until {day}</text>'
        )
    today_x = scale.x(today)
    parts.append(
        f'<line class="today" x1="{today_x}" y1="{BAND_Y - 4}" x2="{today_x}"'
        f' y2="{AXIS_Y}" stroke="#1f77b4" stroke-width="1.5"/>'
    )
    for marker in change_markers(changes):
        x = scale.x(marker.day)
        fill = "#ffffff" if marker.presumed else "#222222"
        note = " (presumed)" if marker.presumed else ""
        parts.append(
            f'<a href="#change-{marker.change_id}"><circle class="marker'
            f'{" presumed" if marker.presumed else ""}" cx="{x}" cy="{BAND_Y + BAND_HEIGHT}"'
            f' r="6" fill="{fill}" stroke="#222" stroke-width="2">'
            f"<title>{escape(marker.label)}{note}</title></circle></a>"
        )
    parts.append(
        f'<line x1="{LEFT}" y1="{AXIS_Y}" x2="{WIDTH - RIGHT}" y2="{AXIS_Y}" stroke="#666"/>'
    )
    for tick in year_ticks(first, last):
        x = scale.x(tick)
        label = str(tick.year) if tick.month == 1 else tick.strftime("%b %Y")
        parts.append(
            f'<line x1="{x}" y1="{AXIS_Y}" x2="{x}" y2="{AXIS_Y + 5}" stroke="#666"/>'
            f'<text x="{x}" y="{AXIS_Y + 18}" font-size="11" text-anchor="middle"'
            f' fill="#444">{label}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
