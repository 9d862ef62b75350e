"""The dashboard over HTTP: a real server on 127.0.0.1 reading a real database made
from the seed articles, asked with httpx as a browser would ask it."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.store import ChangeFilter, Store
from monitor.web.pages import overview_page, policy_page
from tests.conftest import free_port
from tests.web_fixtures import seeded_database, serving


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seeded_database(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def base(seeded: Path) -> Iterator[str]:
    with serving(seeded) as url:
        yield url


def get(url: str) -> httpx.Response:
    return httpx.get(url, timeout=10)


def amazon_policy_id(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT id FROM policies WHERE actor = 'Amazon'").fetchone()
    return int(row[0])


def test_overview_lists_recent_changes_newest_first(base: str) -> None:
    page = get(f"{base}/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    extended = text.index("Amazon extended its moratorium on police use of facial recognition")
    imposed = text.index("Amazon imposed a moratorium on police use of facial recognition")
    assert extended < imposed  # 2021-05-18 before 2020-06-11
    assert "Microsoft imposed a moratorium" in text
    assert "Policies by current status" in text and "Moratoriums nearing their end" in text


def test_filters_live_in_the_query_string(base: str) -> None:
    only_amazon = get(f"{base}/?actor=Amazon").text
    assert "Amazon extended" in only_amazon and "Microsoft imposed" not in only_amazon
    only_extensions = get(f"{base}/?change=extended").text
    assert "Amazon extended" in only_extensions and "Amazon imposed" not in only_extensions
    # The form shows the filter in force, so a reload keeps the same view.
    assert '<option value="extended" selected>' in only_extensions
    none = get(f"{base}/?topic=no-such-topic").text
    assert "No changes match these filters." in none


def test_policy_page_draws_the_timeline_and_lists_evidence_and_sources(
    base: str, seeded: Path
) -> None:
    page = get(f"{base}/policy/{amazon_policy_id(seeded)}")
    assert page.status_code == 200
    text = page.text
    assert '<svg class="timeline"' in text
    assert text.count('class="marker') == 2  # imposed, extended
    assert 'class="until"' in text and "until 2021-06-1" in text
    assert "until further notice" in text  # the extension's evidence sentence
    # Sources as outlet names with headlines, linked.
    assert '<a href="https://www.nasdaq.com/' in text and ">Nasdaq</a>:" in text


def test_story_page_lists_its_articles(base: str, seeded: Path) -> None:
    policy = get(f"{base}/policy/{amazon_policy_id(seeded)}").text
    story_link = policy.split('<a href="/story/', 1)[1].split('"', 1)[0]
    page = get(f"{base}/story/{story_link}")
    assert page.status_code == 200
    assert page.text.count('<div class="change">') == 8  # the announcement's 8 articles
    assert "Amazon imposed a moratorium" in page.text


def test_feeds_page_shows_each_feeds_health(tmp_path: Path) -> None:
    db = seeded_database(tmp_path)
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO feeds (url, added_at, error_count, last_error, last_polled_at)"
            " VALUES ('http://feeds.example/x.xml', '2026-01-01T00:00:00Z', 3,"
            " 'HTTP 503 <b>down</b>', '2026-01-02T00:00:00Z')"
        )
    with serving(db) as url:
        text = get(f"{url}/feeds").text
    assert "http://feeds.example/x.xml" in text
    assert "failing (3 in a row)" in text and "2026-01-02T00:00:00Z" in text
    assert "HTTP 503 &lt;b&gt;down&lt;/b&gt;" in text  # escaped, not markup


def test_unknown_policy_or_story_is_404(base: str) -> None:
    assert get(f"{base}/policy/999999").status_code == 404
    assert get(f"{base}/story/999999").status_code == 404


def test_the_dashboard_cannot_write(seeded: Path) -> None:
    store = Store.open_read_only(seeded)
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store.db.execute("DELETE FROM changes")
    finally:
        store.close()


def test_web_refuses_a_missing_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "nope.db"), "web"])
    assert result.exit_code == 2 and "no database at" in result.output


def test_web_refuses_a_bad_bind(seeded: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(seeded), "web", "--bind", "nowhere"])
    assert result.exit_code == 2 and "is not host:port" in result.output


HOSTILE = {
    "id": 7,
    "key": "k",
    "policy_id": 3,
    "actor": 'Town <img src=x onerror="alert(1)">',
    "subject": "drones",
    "scope": None,
    "change": "imposed",
    "status_before": "none",
    "status_after": "ban",
    "effective": "2026-01-02",
    "until": None,
    "evidence": 'Banned <script>alert("x")</script> & more.',
    "confidence": 0.8,
    "presumed": False,
    "overruled": False,
    "sources": [],
    "links": [
        {"url": "javascript:alert(1)", "outlet": "Evil", "title": "click"},
        {"url": "https://ok.example/a?x=1&y=2", "outlet": "<b>Good</b>", "title": "<i>t</i>"},
    ],
    "articles": 2,
    "outlets": [],
    "story": None,
    "topic": None,
    "created_at": "2026-01-02T00:00:00Z",
}


def test_feed_text_is_escaped_and_only_http_links_go_out() -> None:
    now = datetime(2026, 1, 3, tzinfo=UTC)
    policy = {"id": 3, "actor": HOSTILE["actor"], "subject": "drones", "scope": "", "status": "ban"}
    policy["until"] = None
    pages = [
        overview_page(
            changes=[HOSTILE],
            policies=[{**policy, "changes": 1, "last_effective": "2026-01-02"}],
            wanted=ChangeFilter(),
            choices={"topic": [], "actor": [HOSTILE["actor"]], "change": ["imposed"]},
            now=now,
            horizon_days=30,
        ),
        policy_page(policy=policy, changes=[HOSTILE], now=now),
    ]
    for html in pages:
        assert "<script>" not in html and "<img" not in html and "javascript:" not in html
        assert "&lt;img src=x" in html
    policy_html = pages[1]
    assert 'href="https://ok.example/a?x=1&amp;y=2"' in policy_html
    assert "<b>Good</b>" not in policy_html and ">Good</a>" in policy_html


def test_the_web_command_serves_until_stopped(seeded: Path) -> None:
    """`policy-monitor web` in its own process: it serves the overview, and SIGTERM ends
    it cleanly (exit code 0)."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "monitor",
            "--db",
            str(seeded),
            "web",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the dashboard did not start"
                time.sleep(0.1)
        assert page.status_code == 200 and "Recent changes" in page.text
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
