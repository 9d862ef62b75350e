"""The policy state machine as a specification: history + finding → decision."""

from __future__ import annotations

from datetime import date

import pytest

from monitor.policy import (
    Decision,
    Finding,
    KnownChange,
    PolicyView,
    current,
    decide,
    expiry,
    reminder,
)

D = date.fromisoformat


def known(
    id: int,
    change: str,
    after: str,
    effective: str,
    until: str | None = None,
    *,
    before: str = "none",
    presumed: bool = False,
) -> KnownChange:
    return KnownChange(id, change, before, after, D(effective), until, presumed)


def finding(
    change: str, after: str, effective: str, until: str | None = None, prior: str | None = None
) -> Finding:
    return Finding(change, after, D(effective), until, prior)


IMPOSED_2020 = known(1, "imposed", "moratorium", "2020-06-11", "2021-06-11")


def test_first_report_of_a_moratorium_imposes_it() -> None:
    got = decide([], finding("imposed", "moratorium", "2020-06-11", "2021-06-11"))
    assert got == Decision(
        "change",
        "none → moratorium",
        change="imposed",
        status_before="none",
        status_after="moratorium",
        effective=D("2020-06-11"),
        until="2021-06-11",
    )


def test_other_outlets_days_later_add_sources_not_changes() -> None:
    later = decide([IMPOSED_2020], finding("imposed", "moratorium", "2020-06-15", "2021-06-15"))
    assert (later.action, later.source_of) == ("source", 1)


def test_a_source_fills_an_end_date_the_first_report_lacked() -> None:
    vague = known(1, "imposed", "moratorium", "2020-06-11", None)
    got = decide([vague], finding("imposed", "moratorium", "2020-06-11", "2021-06-11"))
    assert (got.action, got.fill_until) == ("source", "2021-06-11")


def test_until_further_notice_extends_a_dated_moratorium() -> None:
    got = decide([IMPOSED_2020], finding("extended", "moratorium", "2021-05-18", "indefinite"))
    assert (got.change, got.status_before, got.status_after, got.until) == (
        "extended",
        "moratorium",
        "moratorium",
        "indefinite",
    )


def test_the_same_extension_reported_a_month_later_is_a_source() -> None:
    extended = known(2, "extended", "moratorium", "2021-05-18", "indefinite", before="moratorium")
    got = decide(
        [IMPOSED_2020, extended], finding("extended", "moratorium", "2021-06-20", "indefinite")
    )
    assert (got.action, got.source_of) == ("source", 2)


def test_a_moratorium_made_permanent_is_an_extension_to_a_ban() -> None:
    got = decide([IMPOSED_2020], finding("imposed", "ban", "2021-03-01"))
    assert (got.change, got.status_after, got.until) == ("extended", "ban", None)


def test_a_ban_reported_again_a_year_later_is_no_new_change() -> None:
    ban = known(1, "imposed", "ban", "2020-01-10")
    got = decide([ban], finding("imposed", "ban", "2021-02-01"))
    assert (got.action, got.source_of) == ("source", 1)


def test_an_older_article_arriving_late_makes_no_change() -> None:
    extended = known(2, "extended", "moratorium", "2021-05-18", "indefinite", before="moratorium")
    got = decide([extended], finding("imposed", "moratorium", "2020-06-11", "2021-06-11"))
    assert got.action == "ignore"
    assert "older" in got.reason


@pytest.mark.parametrize(
    ("kind", "after", "expected"),
    [
        ("lifted", "lifted", "lifted"),
        ("blocked", "blocked", "blocked"),
        ("expired", "expired", "expired"),
    ],
)
def test_ending_changes_from_a_moratorium(kind: str, after: str, expected: str) -> None:
    got = decide([IMPOSED_2020], finding(kind, after, "2020-12-01"))
    assert (got.change, got.status_before, got.status_after, got.until) == (
        expected,
        "moratorium",
        after,
        None,
    )


def test_imposed_again_after_a_lift_is_reinstated() -> None:
    lifted = known(2, "lifted", "lifted", "2021-01-05", before="moratorium")
    got = decide([IMPOSED_2020, lifted], finding("imposed", "ban", "2022-03-01"))
    assert (got.change, got.status_before, got.status_after) == ("reinstated", "lifted", "ban")


def test_a_proposal_while_a_ban_is_in_force_is_not_a_status_change() -> None:
    ban = known(1, "imposed", "ban", "2020-01-10")
    assert decide([ban], finding("proposed", "proposed", "2020-05-01")).action == "ignore"


def test_a_bill_introduced_is_proposed_then_passed_into_a_ban() -> None:
    proposed = decide([], finding("proposed", "proposed", "2020-02-01"))
    assert (proposed.change, proposed.status_after) == ("proposed", "proposed")
    history = [known(1, "proposed", "proposed", "2020-02-01")]
    enacted = decide(history, finding("imposed", "ban", "2020-09-01"))
    assert (enacted.change, enacted.status_before, enacted.status_after) == (
        "imposed",
        "proposed",
        "ban",
    )


def test_expanded_scope_keeps_the_status_and_end_date() -> None:
    got = decide([IMPOSED_2020], finding("expanded", "ban", "2020-09-01"))
    assert (got.change, got.status_after, got.until) == ("expanded", "moratorium", "2021-06-11")


def test_an_extension_seen_first_takes_its_prior_status_from_the_article() -> None:
    got = decide([], finding("extended", "moratorium", "2021-05-18", "indefinite", "moratorium"))
    assert (got.change, got.status_before) == ("extended", "moratorium")


def test_lifted_twice_is_one_change() -> None:
    lifted = known(2, "lifted", "lifted", "2021-01-05", before="moratorium")
    got = decide([IMPOSED_2020, lifted], finding("lifted", "lifted", "2021-03-01"))
    assert (got.action, got.source_of) == ("source", 2)


# --- the sweep ---------------------------------------------------------------------------


def view(status: str, until: str | None, history: list[KnownChange]) -> PolicyView:
    return PolicyView(7, "Amazon", "facial recognition", "police", status, until, history)


def test_a_moratorium_past_its_end_expires_presumed() -> None:
    policy = view("moratorium", "2021-06-11", [IMPOSED_2020])
    assert expiry(policy, D("2021-06-11")) is None  # in force through its last day
    got = expiry(policy, D("2021-06-12"))
    assert got is not None
    assert (got.change, got.effective, got.status_after) == (
        "expired",
        D("2021-06-11"),
        "expired",
    )


@pytest.mark.parametrize("until", ["indefinite", None])
def test_an_open_ended_moratorium_never_expires(until: str | None) -> None:
    assert expiry(view("moratorium", until, []), D("2030-01-01")) is None


def test_a_reminder_within_the_horizon_only() -> None:
    policy = view("moratorium", "2021-06-11", [IMPOSED_2020])
    assert reminder(policy, D("2021-05-01"), 30) is None
    got = reminder(policy, D("2021-05-20"), 30)
    assert got is not None and got.days_left == 22


def test_an_extension_overrules_a_presumed_expiry() -> None:
    presumed = known(2, "expired", "expired", "2021-06-11", before="moratorium", presumed=True)
    late = finding("extended", "moratorium", "2021-05-18", "indefinite")
    got = decide([IMPOSED_2020, presumed], late)
    assert (got.change, got.status_before, got.until) == ("extended", "expired", "indefinite")
    recorded = KnownChange(3, "extended", "expired", "moratorium", D("2021-05-18"), "indefinite")
    state = current([IMPOSED_2020, presumed, recorded])
    assert state is not None and (state.status_after, state.until) == ("moratorium", "indefinite")
