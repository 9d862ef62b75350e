"""From stored articles to the policy timeline, on SQLite on disk, through the CLI.

The golden test is the seed timeline: Amazon's one-year moratorium on police use of
Rekognition (June 2020), extended until further notice (May 2021).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from tests.conftest import FIXTURES, SEEDS, SHARED

SEED_2021 = SEEDS / "000_9dcebddac0d98754.txt"
SEED_2020 = SEEDS / "002_f21aecca74f41d48.txt"
AMAZON = ("Amazon", "facial recognition", "police")


class Monitor:
    """The CLI against one database file."""

    def __init__(self, db: Path) -> None:
        self.db = db

    def __call__(self, *args: str) -> str:
        result = CliRunner().invoke(cli, ["--db", str(self.db), *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json"))

    def timeline(self, policy: tuple[str, str, str] | None = None) -> list[dict[str, Any]]:
        changes: list[dict[str, Any]] = self.json("timeline")
        if policy is None:
            return changes
        return [c for c in changes if (c["actor"], c["subject"], c["scope"]) == policy]


@pytest.fixture
def monitor(tmp_path: Path) -> Monitor:
    return Monitor(tmp_path / "monitor.db")


def days_between(a: str, b: str) -> int:
    return abs((date.fromisoformat(a) - date.fromisoformat(b)).days)


def test_seed_timeline_golden(monitor: Monitor) -> None:
    assert monitor.json("import", str(SEEDS))["new"] == 9
    monitor("evaluate")

    amazon = monitor.timeline(AMAZON)
    assert [(c["change"], c["effective"]) for c in amazon] == [
        ("imposed", "2020-06-11"),
        ("extended", "2021-05-18"),
    ]
    imposed, extended = amazon
    assert (imposed["status_before"], imposed["status_after"]) == ("none", "moratorium")
    assert days_between(imposed["until"], "2021-06-11") <= 3
    assert len(imposed["sources"]) >= 7
    assert imposed["articles"] >= 7
    assert (extended["status_before"], extended["status_after"]) == ("moratorium", "moratorium")
    assert extended["until"] == "indefinite"
    assert "until further notice" in extended["evidence"]
    assert imposed["story"] != extended["story"]

    microsoft = monitor.timeline(("Microsoft", "facial recognition", "police"))
    assert [(c["change"], c["effective"]) for c in microsoft] == [("imposed", "2020-06-11")]

    everything = monitor.timeline()
    assert not [c for c in everything if c["change"] in ("lifted", "reinstated")]
    assert {c["actor"] for c in everything} == {"Amazon", "Microsoft"}


def test_the_timeline_json_has_the_contract_fields(monitor: Monitor) -> None:
    monitor("import", str(SEEDS))
    monitor("evaluate")
    for change in monitor.timeline():
        assert {
            "actor",
            "subject",
            "scope",
            "change",
            "status_before",
            "status_after",
            "effective",
            "until",
            "evidence",
            "sources",
            "story",
        } <= change.keys()
        assert all(url.startswith("https://") for url in change["sources"])


def test_one_story_holds_the_announcement_from_every_outlet(monitor: Monitor) -> None:
    monitor("import", str(SEED_2020))
    monitor("evaluate")
    imposed = monitor.timeline(AMAZON)[0]
    assert len(imposed["outlets"]) >= 7
    assert "story 1]" in monitor("timeline", "--policy", "Amazon")


def test_an_article_the_rules_miss_joins_the_story_by_its_title(
    monitor: Monitor, tmp_path: Path
) -> None:
    monitor("import", str(SEED_2020), str(FIXTURES / "stories" / "explainer.jsonl"))
    report = monitor.json("evaluate")
    assert report["changes"] == 2  # Amazon and Microsoft; the explainer adds none
    with sqlite3.connect(monitor.db) as db:
        story = db.execute(
            "SELECT story_id FROM articles WHERE url = ?",
            ["https://news.example/amazon-rekognition-explained"],
        ).fetchone()[0]
    assert story == monitor.timeline(AMAZON)[0]["story"]


def test_evaluating_twice_and_reimporting_changes_nothing(monitor: Monitor) -> None:
    monitor("import", str(SEEDS))
    monitor("evaluate")
    before = monitor.timeline()
    assert monitor.json("evaluate")["articles"] == 0
    if (SHARED / "eval" / "seeds.jsonl").is_file():
        assert monitor.json("import", str(SHARED / "eval" / "seeds.jsonl"))["new"] == 0
    assert monitor.timeline() == before


def test_replay_rebuilds_the_same_changes_under_the_same_keys(monitor: Monitor) -> None:
    monitor("import", str(SEEDS))
    monitor("evaluate")
    before = [(c["key"], c["change"], c["until"], len(c["sources"])) for c in monitor.timeline()]
    monitor("replay")
    after = [(c["key"], c["change"], c["until"], len(c["sources"])) for c in monitor.timeline()]
    assert after == before


def test_old_articles_arriving_after_the_extension_make_no_false_change(monitor: Monitor) -> None:
    monitor("import", str(SEED_2021))
    monitor("evaluate")
    monitor("import", str(SEED_2020))
    report = monitor.json("evaluate")
    assert report["ignored"] >= 7
    amazon = monitor.timeline(AMAZON)
    assert [(c["change"], c["status_before"]) for c in amazon] == [("extended", "moratorium")]


def test_sweep_presumes_expiry_and_a_late_extension_overrules_it(monitor: Monitor) -> None:
    monitor("import", str(SEED_2020))
    monitor("evaluate")
    assert monitor.json("sweep", "--today", "2021-05-20") == {"expired": 0, "reminders": 1}
    assert monitor.json("sweep", "--today", "2021-05-21") == {"expired": 0, "reminders": 0}
    assert monitor.json("sweep", "--today", "2021-06-20") == {"expired": 1, "reminders": 0}
    assert monitor.json("sweep", "--today", "2021-06-21") == {"expired": 0, "reminders": 0}
    expired = monitor.timeline(AMAZON)[-1]
    assert (expired["change"], expired["effective"], expired["presumed"]) == (
        "expired",
        "2021-06-11",
        True,
    )

    monitor("import", str(SEED_2021))
    monitor("evaluate")
    amazon = {c["change"]: c for c in monitor.timeline(AMAZON)}
    assert amazon["expired"]["overruled"]
    assert amazon["extended"]["until"] == "indefinite"
    # The policy is in force again: a later sweep expires nothing.
    assert monitor.json("sweep", "--today", "2030-01-01")["expired"] == 0


def test_timeline_for_an_unknown_policy_is_a_clear_error(tmp_path: Path) -> None:
    CliRunner().invoke(cli, ["--db", str(tmp_path / "m.db"), "import", str(SEED_2020)])
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "m.db"), "timeline", "--policy", "Nobody"]
    )
    assert result.exit_code == 2
    assert "no changes recorded" in result.output
