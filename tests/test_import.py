"""`import`: the seed golden test, idempotence, and error entries instead of tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.pipeline import import_paths
from monitor.store import Store
from tests.conftest import FIXTURES, SEEDS, SHARED

# The nine articles of the two seeds: (published, outlet, canonical URL).
SEED_GOLDEN = [
    (
        "2020-06-11T12:02:00Z",
        "Nasdaq",
        "https://www.nasdaq.com/articles/amazon-bans-police-use-of-facial-recognition-technology-for-a-year-2020-06-11",
    ),
    (
        "2020-06-11T12:14:00Z",
        "WRCB",
        "https://www.wrcbtv.com/story/42236693/amazon-issues-12month-ban-on-police-use-of-facial-recognition",
    ),
    (
        "2020-06-11T13:11:00Z",
        "The Loop",
        "https://www.loopinsight.com/2020/06/11/amazon-bans-police-use-of-facial-recognition-technology-for-one-year",
    ),
    (
        "2020-06-11T14:12:00Z",
        "HotNewHipHop",
        "https://www.hotnewhiphop.com/police-banned-from-using-amazons-facial-recognition-technology-for-a-year-news.112270.html",
    ),
    (
        "2020-06-11T19:19:00Z",
        "Tech.co",
        "https://tech.co/news/facial-recognition-delay-amazon-2020-06",
    ),
    (
        "2020-06-11T19:25:00Z",
        "Reason",
        "https://reason.com/2020/06/11/microsoft-and-amazon-adopt-temporary-bans-on-police-use-of-their-facial-recognition-tech-thats-not-nearly-enough",
    ),
    (
        "2020-06-11T19:30:00Z",
        "MSPoweruser",
        "https://mspoweruser.com/unlike-amazon-microsoft-never-sold-facial-recognition-technology-to-police-forces",
    ),
    (
        "2020-06-15T18:03:00Z",
        "Mic",
        "https://www.mic.com/p/amazon-is-banning-cops-from-using-its-facial-recognition-tech-for-one-year-22976063",
    ),
    # Seed 000 is a saved page: its date stands in its text; it names no URL or outlet.
    ("2021-05-18T00:00:00Z", None, None),
]


def test_seed_import_golden(store: Store) -> None:
    report = import_paths(store, [SEEDS])
    assert (report.new, report.duplicates, report.errors) == (9, 0, [])
    rows = store.articles()
    assert [(r["published"], r["outlet"], r["canonical_url"]) for r in rows] == SEED_GOLDEN
    assert rows[-1]["title"].startswith("Amazon says it will continue to ban police use")


def test_importing_twice_adds_nothing(store: Store) -> None:
    import_paths(store, [SEEDS])
    again = import_paths(store, [SEEDS])
    assert (again.new, again.duplicates) == (0, 9)
    assert store.count("articles") == 9


def test_eval_jsonl_of_the_same_articles_adds_nothing(store: Store) -> None:
    eval_file = SHARED / "eval" / "seeds.jsonl"
    if not eval_file.exists():
        pytest.skip("../shared/eval is not beside this checkout")
    import_paths(store, [SEEDS])
    report = import_paths(store, [eval_file])
    assert (report.new, report.duplicates) == (0, 9)


def test_cli_import_json_shape(tmp_path: Path) -> None:
    db = str(tmp_path / "m.db")
    runner = CliRunner()
    first = runner.invoke(cli, ["--db", db, "import", str(SEEDS), "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output) == {"new": 9, "duplicates": 0, "errors": []}
    second = runner.invoke(cli, ["--db", db, "import", str(SEEDS), "--json"])
    assert json.loads(second.output) == {"new": 0, "duplicates": 9, "errors": []}


def test_unreadable_files_are_error_entries(tmp_path: Path) -> None:
    db = str(tmp_path / "m.db")
    paths = [FIXTURES / "files", FIXTURES / "feeds" / "entity-bomb.rss", tmp_path / "missing.xml"]
    result = CliRunner().invoke(cli, ["--db", db, "import", *map(str, paths), "--json"])
    assert result.exit_code == 1  # cron sees that some files failed
    report = json.loads(result.output)
    assert report["new"] == 2  # the two good lines of mixed.jsonl
    errors: dict[str, list[str]] = {}
    for entry in report["errors"]:
        errors.setdefault(Path(entry["path"]).name, []).append(entry["error"])
    assert errors["missing.xml"] == ["no such file or folder"]
    assert errors["picture.png"][0].startswith("unsupported file type")
    assert "entities" in errors["entity-bomb.rss"][0]
    assert [e[:6] for e in errors["mixed.jsonl"]] == ["line 2", "line 3"]


CORPUS = [SHARED / "feeds" / "real", SHARED / "feeds" / "feedparser-tests"]


@pytest.mark.slow
@pytest.mark.parametrize("folder", CORPUS, ids=["real", "feedparser-tests"])
def test_whole_shared_corpus_imports_without_traceback(store: Store, folder: Path) -> None:
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    report = import_paths(store, [folder])
    files = sum(1 for p in folder.rglob("*") if p.is_file())
    assert report.new > 0
    assert all(e.error and "Traceback" not in e.error for e in report.errors)
    assert not any(e.error.startswith("unexpected") for e in report.errors), report.errors
    assert len(report.errors) < files / 10
    if folder.name == "real":
        # 2,641 entries in the manifest; a few are the same story twice, and one
        # (le-cercle-psy) has no title, link or text at all, so it is not an article.
        assert report.errors == [] and report.new + report.duplicates == 2640
