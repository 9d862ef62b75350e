"""Concurrent use of one database file: several real processes at once lose nothing.

The daemon polls, evaluates and delivers while people run `import`, `evaluate`,
`deliver` and read commands in other processes. No one may fail with "database is
locked", no article may be evaluated twice, no outbox row sent twice, and a read command
must not write at all.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from multiprocessing import get_context
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import cli
from monitor.config import ChannelFilter, load_settings
from monitor.engine import Engine
from monitor.evaluate import evaluate_pending
from monitor.migrations import migrations
from monitor.models import Article
from monitor.outbox import Attempt, Channel
from monitor.pipeline import sync_config_feeds
from monitor.resources import rules_dir
from monitor.rules import load_rules
from monitor.store import FetchOutcome, Store
from tests.conftest import Inbox, LocalServer, send
from tests.daemon_harness import DaemonProcess, FeedSite, rss, wait_for, write_config

CITIES = [f"Town{n}ville" for n in range(60)]
FEEDS = [f"https://feeds{n}.example.org/rss" for n in range(8)]
ROUNDS = 12


CHANNELS = [Channel("webhook:desk", "webhook", ChannelFilter())]


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    feeds = "".join(f'[[feeds]]\nurl = "{url}"\ntopic = "t"\n' for url in FEEDS)
    path.write_text(f'db = "{tmp_path / "monitor.db"}"\n{feeds}', encoding="utf-8")
    return path


def ban(city: str) -> Article:
    return Article(
        title=f"{city} bans facial recognition",
        text=f"The city of {city} said it will ban police use of facial recognition software.",
        url=f"https://news.example.org/{city.lower()}",
        published=datetime(2026, 11, 20, tzinfo=UTC),
    )


# --- the workers: each runs in its own process, against the same file ------------------


def import_articles(db: Path) -> int:
    store = Store.open(db)
    for batch in range(ROUNDS):
        cities = CITIES[batch * 5 : batch * 5 + 5]
        store.insert_articles([ban(c) for c in cities], now=datetime.now(UTC))
        time.sleep(0.02)
    store.close()
    return ROUNDS


def evaluate_until_done(db: Path) -> int:
    store = Store.open(db)
    engine = Engine(load_rules([rules_dir()]))
    evaluated = 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        report = evaluate_pending(store, engine, datetime.now(UTC), channels=CHANNELS, limit=3)
        evaluated += report.articles
        if store.count("articles") == len(CITIES) and store.count_unevaluated() == 0:
            break
    store.close()
    return evaluated


def deliver_until_done(db: Path) -> int:
    """What deliver_pending does with the outbox, with a receiver that always accepts."""
    store = Store.open(db)
    sent = 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = datetime.now(UTC)
        rows = store.claim_due(now, now + timedelta(minutes=5), prefixes=("webhook:",), limit=4)
        for row in rows:
            store.finish_attempt(row, Attempt(True, 200), "sent", now, None)
            sent += 1
        done = store.count("articles") == len(CITIES) and store.count_unevaluated() == 0
        if done and not rows:
            break
    store.close()
    return sent


def poll_like_the_daemon(db: Path) -> int:
    store = Store.open(db)
    for _ in range(ROUNDS * 2):
        for feed in store.feeds():
            now = datetime.now(UTC)
            store.record_fetch(
                feed.id, FetchOutcome("ok", now, 3, now + timedelta(minutes=1), 200, etag='"x"')
            )
    store.close()
    return ROUNDS


def list_feeds(config: Path) -> int:
    for _ in range(ROUNDS):
        for command in (["feeds", "list"], ["status"], ["timeline"]):
            result = CliRunner().invoke(cli, ["--config", str(config), *command])
            assert result.exit_code == 0, result.output + repr(result.exception)
    return ROUNDS


def test_processes_hammering_one_database_lose_nothing(tmp_path: Path) -> None:
    config = _config(tmp_path)
    db = tmp_path / "monitor.db"
    store = Store.open(db)
    sync_config_feeds(store, load_settings(config).feeds, datetime.now(UTC))
    store.close()
    jobs: list[tuple[Callable[[Path], int], Path]] = [
        (import_articles, db),
        (evaluate_until_done, db),
        (evaluate_until_done, db),
        (evaluate_until_done, db),
        (deliver_until_done, db),
        (deliver_until_done, db),
        (poll_like_the_daemon, db),
        (list_feeds, config),
        (list_feeds, config),
    ]
    with ProcessPoolExecutor(len(jobs), mp_context=get_context("spawn")) as pool:
        futures: list[Future[int]] = [pool.submit(job, arg) for job, arg in jobs]
        failures = [repr(f.exception()) for f in futures if f.exception() is not None]
    assert failures == []
    evaluated = sum(
        f.result() for f, (job, _) in zip(futures, jobs, strict=True) if job is evaluate_until_done
    )
    assert evaluated == len(CITIES)  # each article by exactly one evaluator
    check = Store.open(db)
    twice = check._rows(
        "SELECT article_id FROM findings GROUP BY article_id, rule, evidence HAVING count(*) > 1"
    )
    assert twice == []
    assert check.count("changes") == len(CITIES)
    assert check.outbox_counts() == {"pending": 0, "sent": len(CITIES), "dead": 0, "skipped": 0}
    resent = check._rows("SELECT outbox_id FROM deliveries GROUP BY outbox_id HAVING count(*) > 1")
    assert resent == []
    check.close()


def test_read_commands_do_not_write(tmp_path: Path) -> None:
    config = _config(tmp_path)
    db = tmp_path / "monitor.db"
    Store.open(db).close()
    watcher = sqlite3.connect(db)
    version = watcher.execute("PRAGMA data_version").fetchone()[0]
    for command in (
        ["feeds", "list"],
        ["feeds", "list", "--json"],
        ["feeds", "export"],
        ["status"],
        ["timeline"],
        ["outbox"],
        ["atom"],
    ):
        result = CliRunner().invoke(cli, ["--config", str(config), *command])
        assert result.exit_code == 0, (command, result.output)
        # data_version moves when another connection commits a write to the file.
        assert watcher.execute("PRAGMA data_version").fetchone()[0] == version, command
    watcher.close()


def test_feeds_list_shows_the_configured_feeds_before_any_write(tmp_path: Path) -> None:
    config = _config(tmp_path)
    Store.open(tmp_path / "monitor.db").close()
    result = CliRunner().invoke(cli, ["--config", str(config), "feeds", "list"])
    assert result.exit_code == 0
    assert [line for line in result.output.splitlines() if line.startswith("https")] == FEEDS


def test_the_daemon_and_cli_commands_side_by_side(
    server: LocalServer, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    """The daemon polls a feed that changes on every request while `feeds list`,
    `import` and `evaluate` run in a loop beside it: nothing fails, nothing twice."""
    site = FeedSite(server)
    served = itertools.count()
    polls: list[int] = []

    def changing(handler: BaseHTTPRequestHandler) -> None:
        polls.append(next(served))
        send(handler, rss([ban(f"Polled{polls[-1]}ville")]))

    server.routes["/feed.xml"] = changing
    config = write_config(tmp_path, site, smtp[1])
    daemon = DaemonProcess(config, tmp_path / "monitor.db", tmp_path / "daemon.log")
    try:
        daemon.start()
        wait_for(lambda: len(polls) > 3, 30, "the daemon's first polls")

        def user(name: str) -> None:
            for n in range(3):
                daemon.cli("feeds", "list")
                path = tmp_path / f"{name}{n}.jsonl"
                article = ban(f"{name}{n}ville")
                line = {"id": n, "published": "2026-11-20", "title": article.title}
                path.write_text(json.dumps({**line, "text": article.text}) + "\n", "utf-8")
                daemon.cli("import", str(path))
                daemon.cli("evaluate")

        with ThreadPoolExecutor(4) as users:
            for finished in [users.submit(user, f"User{u}x") for u in range(4)]:
                finished.result()  # re-raises a CLI failure
        assert daemon.stop() == 0
    finally:
        daemon.ensure_stopped()
    log = (tmp_path / "daemon.log").read_text()
    assert "Traceback" not in log and "locked" not in log, log
    ids = [hook["headers"]["webhook-id"] for hook in site.webhooks()]
    assert len(ids) == len(set(ids)) > 6
    store = Store.open(tmp_path / "monitor.db")
    twice = store._rows(
        "SELECT article_id FROM findings GROUP BY article_id, rule, evidence HAVING count(*) > 1"
    )
    assert twice == [] and [j["last_error"] for j in store.jobs() if j["last_error"]] == []
    store.close()


def open_and_count(db: Path) -> int:
    store = Store.open(db)
    count = store.count("articles")
    store.close()
    return count


def test_processes_opening_a_new_database_at_once_migrate_it_once(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    with ProcessPoolExecutor(6, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(open_and_count, db) for _ in range(12)]
        failures = [repr(f.exception()) for f in futures if f.exception() is not None]
    assert failures == []
    rows, names = (
        sqlite3.connect(db)
        .execute("SELECT count(*), count(DISTINCT name) FROM _sqlite_migrations")
        .fetchone()
    )
    opened = Store.open(db)
    assert rows == names and migrations.pending(opened.db) == []  # each applied, once
    opened.close()
