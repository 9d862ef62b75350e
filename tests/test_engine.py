"""The engine as a specification: the seed articles, each trap, and the time words."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor import resources
from monitor.cli import cli
from monitor.engine import Engine, Event
from monitor.engine.dates import resolve_until
from monitor.evaluation import score
from monitor.parse import parse_file
from monitor.rules import RuleFile, RuleSet, load_rules
from tests.conftest import SEEDS, SHARED

ENGINE = Engine(load_rules([resources.rules_dir()]))
EVAL = SHARED / "eval" / "seeds.jsonl"
PUBLISHED = date(2021, 5, 18)


def news(text: str, title: str = "", published: date = PUBLISHED) -> list[Event]:
    return ENGINE.extract(title, text, published).events


def test_the_extension_is_news_with_an_open_end() -> None:
    (event,) = news(
        "Amazon will reportedly continue to halt police use of its facial recognition software"
        " until further notice, extending a one-year moratorium it announced last summer."
    )
    assert (event.actor, event.subject, event.scope) == ("Amazon", "facial recognition", "police")
    assert (event.change, event.status_after, event.until) == (
        "extended",
        "moratorium",
        "indefinite",
    )
    assert event.effective == "2021-05-18"


def test_the_announcement_gives_a_one_year_end() -> None:
    (event,) = news(
        "Amazon announced a one-year moratorium on police use of its facial recognition"
        " technology, Rekognition.",
        published=date(2020, 6, 11),
    )
    assert (event.change, event.status_after, event.until) == (
        "imposed",
        "moratorium",
        "2021-06-11",
    )


@pytest.mark.parametrize(
    ("sentence", "cue"),
    [
        (
            "Basically, at any time Amazon could flip the switch and resume selling facial"
            " recognition technology to the police.",
            "hypothetical",
        ),
        (
            "We need Congress to take action and pass a federal ban on facial recognition now.",
            "call",
        ),
        ("Critics argued that Amazon's one-year ban didn't go far enough.", "opinion"),
        ("Microsoft has no plans to ban police use of its face recognition tools.", "negation"),
    ],
)
def test_traps_raise_no_event(sentence: str, cue: str) -> None:
    extraction = ENGINE.extract("", sentence, PUBLISHED)
    assert extraction.events == []
    assert any(cue in e.cues for e in extraction.rejected)


def test_a_bill_that_would_ban_is_a_proposal_not_a_ban() -> None:
    (event,) = news(
        "Some members of Congress have also backed bills that would place a federal moratorium"
        " on the technology."
    )
    assert (event.actor, event.change, event.status_after) == ("Congress", "proposed", "proposed")


def test_the_headline_and_lead_carry_the_news_and_deep_context_does_not() -> None:
    body = " ".join(
        [
            "Oslo city council voted on Tuesday to ban the sale of fireworks to residents.",
            "The ban applies from the next new year.",
            "Residents had complained about noise for years.",
            "Officials said enforcement would start slowly.",
            "In 2019, neighbouring Bergen banned the sale of fireworks.",
        ]
    )
    extraction = ENGINE.extract("Oslo bans fireworks sales", body, PUBLISHED)
    assert [(e.actor, e.change) for e in extraction.events] == [("Oslo", "imposed")]


def test_an_undated_article_is_read_with_no_effective_date() -> None:
    extraction = ENGINE.extract("Kenya bans plastic bags", "Kenya has banned plastic bags.", None)
    assert [(e.actor, e.change, e.effective) for e in extraction.events] == [
        ("Kenya", "imposed", None)
    ]


def test_a_wire_headline_in_capitals_with_a_possessive_is_read() -> None:
    extraction = ENGINE.extract(
        "IBM'S UNIT BANS SALES OF CHIPS TO RIVAL",
        "IBM said its unit banned sales of chips to a rival on Monday.",
        PUBLISHED,
    )
    assert all(e.actor for e in extraction.events)


def test_a_bare_mention_of_a_ban_is_not_news() -> None:
    assert news("Suppliers braced for losses after the Huawei ban.") == []
    assert news("Shares fell as investors weighed the export ban.") == []


def test_other_senses_and_individual_bans_raise_nothing() -> None:
    assert news("The league banned the striker for three games after the incident.") == []
    assert news("The central bank halted sales of its own bonds to lenders on Monday.") == []


def test_background_is_kept_with_its_own_date_but_is_not_news() -> None:
    extraction = ENGINE.extract(
        "",
        "Last year, amid protests, Amazon and other tech giants like IBM and Microsoft announced"
        " that they would halt sales of their technology to police.",
        PUBLISHED,
    )
    assert extraction.events == []
    assert {(e.actor, e.change, e.effective) for e in extraction.background} == {
        ("Amazon", "imposed", "2020"),
        ("IBM", "imposed", "2020"),
        ("Microsoft", "imposed", "2020"),
    }


def test_a_trend_with_no_single_actor_is_not_an_event() -> None:
    assert (
        news("Meanwhile, cities across the country have banned government use of the software.")
        == []
    )


def test_bans_on_other_subjects_need_no_topic_pack() -> None:
    (event,) = news(
        "Montana banned the video app on all personal devices in the state on Wednesday."
    )
    assert (event.actor, event.change, event.status_after) == ("Montana", "imposed", "ban")
    (lifted,) = news("The Interior Department lifted its pause on new oil and gas leases.")
    assert (lifted.change, lifted.status_after) == ("lifted", "lifted")
    (blocked,) = news("A federal judge blocked the state's ban on the app from taking effect.")
    assert blocked.change == "blocked"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a one-year moratorium", "2021-05-18"),
        ("a 12-month ban", "2021-05-18"),
        ("for 90 days", "2020-08-16"),
        ("until June 30, 2021", "2021-06-30"),
        ("through July 31", "2020-07-31"),
        ("until March 1", "2021-03-01"),  # already past this year: next year's
        ("until further notice", "indefinite"),
        ("indefinitely", "indefinite"),
        ("after years of criticism", None),
        ("three years ago", None),
    ],
)
def test_until_is_resolved_against_the_publication_date(text: str, expected: str | None) -> None:
    assert resolve_until(text, date(2020, 5, 18)) == expected


def test_seed_eval_is_perfect() -> None:
    if not EVAL.exists():
        pytest.skip("../shared/eval is absent")
    result = CliRunner().invoke(cli, ["eval", str(EVAL), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["precision"], report["recall"], report["f1"]) == (1.0, 1.0, 1.0)
    assert report["false_alert_rate"] == 0.0


def test_extract_writes_one_line_per_article(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    rows = [
        {
            "id": "a",
            "published": "2021-05-18",
            "title": "",
            "text": "Amazon extended its ban on police use of Rekognition until further notice.",
        },
        {"id": "b", "published": "2021-05-18", "title": "Weather", "text": "Sunny all week."},
        {"id": "c", "title": "No date", "text": "x"},
    ]
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\nnot json\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", str(source)])
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert [o["id"] for o in out] == ["a", "b", "c", None]
    assert (
        out[0]["events"][0]["change"] == "extended" and out[0]["events"][0]["until"] == "indefinite"
    )
    assert out[1] == {"id": "b", "events": [], "background": []}
    # An undated article is read (its events would have no effective date), not refused.
    assert out[2] == {"id": "c", "events": [], "background": []}
    assert "not JSON" in out[3]["error"]


def test_score_counts_false_alerts() -> None:
    gold = {"id": "x", "events": []}
    predicted = [{"actor": "A", "subject": "s", "scope": None, "change": "imposed", "until": None}]
    report = score([(gold, predicted)], ENGINE.normalise).as_json()
    assert report["false_positives"] == 1 and report["false_alert_rate"] == 1.0


def test_the_keyword_prefilter_hides_no_event() -> None:
    """Every rule example and seed article gives the same events with and without keywords."""
    rules = load_rules([resources.rules_dir()])
    # Rebuilt, not copied: a copy would carry the cached keyword regex along.
    bare = RuleSet(
        files=[
            RuleFile.model_validate(
                {
                    **f.model_dump(),
                    "triggers": [{**t.model_dump(), "keywords": []} for t in f.triggers],
                }
            )
            for f in rules.files
        ]
    )
    fast, slow = Engine(rules), Engine(bare)
    texts = [e for t in rules.triggers for e in t.examples.match + t.examples.no_match]
    texts += [a.title + "\n" + a.text for p in sorted(SEEDS.iterdir()) for a in parse_file(p)[0]]
    day = date(2021, 5, 18)
    for text in texts:
        assert fast.extract("", text, day) == slow.extract("", text, day), text


# Regressions found on the real feeds in ../shared/feeds/real (wording paraphrased).
@pytest.mark.parametrize(
    "text",
    [
        "The current pause on student loan payments is set to run out next month.",
        "The list of banned phrases includes “pay rise” and “strike”.",
        "This week we play Canyon Outlaw and talk about loot boxes.",
        "You can upgrade, downgrade or pause your plan at any time.",
    ],
)
def test_no_actor_is_made_of_a_common_noun_or_a_game_title(text: str) -> None:
    assert ENGINE.extract("", text, PUBLISHED).events == []


def test_a_title_case_headline_names_its_actor_not_the_verb() -> None:
    events = ENGINE.extract("Governor To Extend Eviction Moratorium Through March", "", PUBLISHED)
    assert [(e.actor, e.change) for e in events.events] == [("Governor", "extended")]
    house = ENGINE.extract("Ohio House Sends Fireworks Ban To Governor", "", PUBLISHED)
    # The chamber acts for its state, so its report and the governor's share one actor.
    assert [(e.actor, e.change) for e in house.events] == [("Ohio", "proposed")]


GENERIC = [
    json.loads(line)
    for line in (Path(__file__).parent / "fixtures" / "eval" / "generic.jsonl")
    .read_text(encoding="utf-8")
    .splitlines()
]


@pytest.mark.parametrize("article", GENERIC, ids=[a["id"] for a in GENERIC])
def test_bans_on_anything_without_a_topic_pack(article: dict[str, object]) -> None:
    """Short reports (our own wording) of bans on apps, drilling, evictions, executions,
    chatbots and mining, and traps (calls, proposals, questions, sports bans, old news):
    who changed what, and nothing where nothing changed."""
    published = date.fromisoformat(str(article["published"]))
    events = ENGINE.extract(str(article["title"]), str(article["text"]), published).events
    assert sorted([e.actor, e.change] for e in events) == sorted(article["expect"])  # type: ignore[arg-type]
    if "expect_until" in article:
        assert [e.until for e in events] == [article["expect_until"]]


@pytest.mark.skipif(not (SHARED / "eval" / "score.py").exists(), reason="needs ../shared/eval")
def test_eval_agrees_with_the_shared_scorer() -> None:
    """`policy-monitor eval` and ../shared/eval/score.py give the same figures on the same
    predictions (here the real-stream set, whose articles include non-events)."""
    import runpy

    shared = runpy.run_path(str(SHARED / "eval" / "score.py"))
    gold_path = SHARED / "eval" / "real-stream.jsonl"
    gold = [json.loads(line) for line in gold_path.read_text(encoding="utf-8").splitlines()]
    predicted = {
        g["id"]: [
            e.as_json()
            for e in ENGINE.extract(
                g["title"],
                g["text"] or "",
                date.fromisoformat(g["published"]) if g["published"] else None,
            ).events
        ]
        for g in gold
    }
    ours = score([(g, predicted[g["id"]]) for g in gold], ENGINE.normalise).as_json()
    theirs = shared["score"](
        {g["id"]: g for g in gold}, {k: {"id": k, "events": v} for k, v in predicted.items()}
    )
    for key in ("precision", "recall", "f1", "alert_precision", "false_alert_rate"):
        assert abs(ours[key] - theirs[key]) < 0.0011, key  # both round, at 4 and 3 places


@pytest.mark.parametrize(
    ("title", "text", "actor"),
    [
        # An official acts for the jurisdiction.
        (
            "Governor signs vape ban",
            "Ohio Gov. Jane Roe on Tuesday signed a bill that bans flavoured vapes in Ohio.",
            "Ohio",
        ),
        # City supervisors act for the city of the dateline.
        (
            "Supervisors ban cashless stores",
            "PORTLAND, Maine — City supervisors voted on Tuesday to ban cashless stores.",
            "Portland",
        ),
        # A seat of power stands for its country or union.
        ("Brussels bans imports of the pesticide", "", "European Union"),
        ("Beijing bans exports of the metal", "", "China"),
        # A wire headline in capitals, its dateline cut and its words truecased.
        (
            "BOTSWANA BANS ZIMBABWE MEAT PRODUCTS",
            "GABORONE (Wire) - Botswana has banned meat products from Zimbabwe on Monday.",
            "Botswana",
        ),
    ],
)
def test_the_actor_is_the_jurisdiction_or_body_that_acts(title: str, text: str, actor: str) -> None:
    events = ENGINE.extract(title, text, PUBLISHED).events
    assert [e.actor for e in events] == [actor]


@pytest.mark.parametrize(
    "sentence",
    [
        "Critics banned from the hearing said the rules were unfair.",
        "Attempts to ban the app have failed twice.",
        "The Daily Courier is reporting that lawmakers could ban the app next year.",
    ],
)
def test_words_that_name_no_one_are_not_actors(sentence: str) -> None:
    assert news(sentence) == []


@pytest.mark.parametrize("published", [date(1, 1, 1), date(9999, 12, 31), None])
def test_dates_at_the_ends_of_the_calendar_never_crash(published: date | None) -> None:
    """A one-year moratorium announced on 9999-12-31 once raised "year 10000 is out of
    range"; an implausible date is read as no date."""
    extraction = ENGINE.extract(
        "Moratorium on mining",
        "On Monday the ministry announced a one-year moratorium on mining until Dec. 31.",
        published,
    )
    assert all(e.effective is None for e in extraction.events)


def test_a_name_after_a_verb_is_an_object_not_a_second_actor() -> None:
    events = ENGINE.extract(
        "IBM will no longer offer facial recognition",
        "IBM's chief executive told Congress on Monday that the company would no longer"
        " offer general purpose facial recognition software.",
        PUBLISHED,
    ).events
    assert [e.actor for e in events] == ["IBM"]


def test_and_between_lower_case_words_does_not_split_the_clause() -> None:
    """The clause break before "and Canada has begun" was case-blind, so "the manufacturing
    and import of asbestos" was cut after "manufacturing"."""
    (event,) = news(
        "The agency aims to ban the manufacturing and import of a type of asbestos that is"
        " used in brake pads."
    )
    assert (event.change, event.subject) == ("proposed", "a type of asbestos")
    (canada,) = news("Germany also proposed a freeze and Canada has begun its own moratorium.")
    assert (canada.actor, canada.change) == ("Canada", "imposed")


def test_a_place_name_ending_in_s_is_not_a_headline_verb() -> None:
    """With towns under 50,000 out of the gazetteer, "Orleans" alone is no place, and
    "New Orleans lifts …" lost its actor to the headline-verb cut."""
    events = ENGINE.extract(
        "New Orleans lifts its ban on facial recognition",
        "The New Orleans City Council voted on Thursday to allow police to use facial"
        " recognition, partially rolling back a 2020 ban.",
        PUBLISHED,
    ).events
    assert [(e.actor, e.change) for e in events] == [("New Orleans", "lifted")]
