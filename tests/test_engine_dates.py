"""Dates in text: when a measure ends, counted from when it was announced."""

from datetime import date

import pytest

from monitor.engine.dates import announced_on, dated_before, measure_end, resolve_until

FRIDAY = date(2025, 3, 14)


@pytest.mark.parametrize(
    ("text", "until"),
    [
        ("The city banned the devices until at least July 2022.", "2022-07-01"),
        ("The ban runs until July 20, 2022.", "2022-07-20"),
        ("The pause stays in place pending a review of the program.", "indefinite"),
        ("It will not sell the software until Congress passes a federal law.", "indefinite"),
    ],
)
def test_an_end_the_text_gives(text: str, until: str) -> None:
    assert resolve_until(text, FRIDAY) == until


def test_an_end_counts_from_the_day_of_the_announcement() -> None:
    text = "The ministry announced a 90-day moratorium on the imports on Tuesday."
    assert announced_on(text, FRIDAY) == date(2025, 3, 11)
    assert resolve_until(text, announced_on(text, FRIDAY)) == "2025-06-09"


def test_the_end_of_a_measure_named_elsewhere_in_the_lead() -> None:
    lead = "The order was set to expire Jan. 31 but has now been extended through March 31."
    assert measure_end(lead, date(2021, 1, 29)) == "2021-03-31"
    assert measure_end("Officials signed the two-year moratorium.", FRIDAY) == "2027-03-14"


def test_the_old_term_of_a_measure_is_not_its_new_end() -> None:
    lead = "The company will extend its ban beyond the one-year pause it announced last year."
    assert measure_end(lead, FRIDAY) is None


def test_a_date_weeks_before_the_article_is_earlier_news() -> None:
    assert dated_before("On February 20, Brazil suspended interest payments.", date(1987, 3, 16))
    assert not dated_before("The ban takes effect on March 20.", date(1987, 3, 16))


def test_last_week_counts_back_a_week() -> None:
    text = "Amazon announced last week a one-year moratorium on police use of the software."
    assert resolve_until(text, announced_on(text, date(2020, 6, 18))) == "2021-06-11"
