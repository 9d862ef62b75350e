"""The policy timeline picture, drawn from change records alone (no database)."""

from __future__ import annotations

from datetime import date
from typing import Any

from monitor.web.timeline_svg import Band, draw_timeline, status_bands, time_span, until_dates


def change(
    change_id: int,
    kind: str,
    effective: str | None,
    after: str,
    until: str | None = None,
    presumed: bool = False,
) -> dict[str, Any]:
    return {
        "id": change_id,
        "change": kind,
        "effective": effective,
        "status_after": after,
        "until": until,
        "presumed": presumed,
    }


AMAZON = [
    change(1, "imposed", "2020-06-10", "moratorium", "2021-06-10"),
    change(2, "extended", "2021-05-18", "moratorium", "indefinite"),
]
LAPSED = [
    change(1, "imposed", "2022-01-01", "moratorium", "2022-07-01"),
    change(2, "expired", "2022-07-01", "expired", presumed=True),
]
TODAY = date(2022, 12, 31)


def test_each_status_holds_from_its_change_to_the_next_or_today() -> None:
    assert status_bands(LAPSED, TODAY) == [
        Band("moratorium", date(2022, 1, 1), date(2022, 7, 1)),
        Band("expired", date(2022, 7, 1), TODAY),
    ]


def test_undated_changes_are_left_off_the_picture() -> None:
    changes = [*AMAZON, change(3, "lifted", None, "lifted")]
    assert [band.status for band in status_bands(changes, TODAY)] == ["moratorium"] * 2


def test_the_span_covers_every_change_until_date_and_today() -> None:
    first, last = time_span(LAPSED, date(2022, 3, 1))
    assert first < date(2022, 1, 1) and last > date(2022, 7, 1)
    assert until_dates(AMAZON) == [date(2021, 6, 10)]  # "indefinite" is not a date


def test_the_picture_marks_changes_untils_and_presumed_expiries() -> None:
    svg = str(draw_timeline(LAPSED, TODAY, "Timeline"))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count('class="band status-') == 2
    assert svg.count('<circle class="marker') == 2
    assert svg.count('class="marker presumed"') == 1
    assert 'href="#change-2"' in svg  # each marker links to its change below
    assert 'class="until"' in svg and "until 2022-07-01" in svg


def test_titles_from_feeds_are_escaped_in_the_picture() -> None:
    svg = str(draw_timeline(AMAZON, TODAY, 'Town <script>alert("x")</script>'))
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_nothing_to_draw_without_a_dated_change() -> None:
    assert "<svg" not in str(draw_timeline([change(1, "lifted", None, "lifted")], TODAY, "T"))
