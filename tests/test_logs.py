"""The log says why feeds fail, once per change of state; --log-level and --log-format json
(one JSON object a line) for containers."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest

from monitor.logs import FeedTransition, configure_logging, feed_transitions
from monitor.models import FileError
from monitor.store import FeedRow
from tests.conftest import LocalServer, free_port, send
from tests.daemon_harness import DaemonProcess, FeedSite, rss, wait_for, write_config


def feed(url: str, errors: int = 0, last_error: str | None = None) -> FeedRow:
    return FeedRow(
        id=1,
        url=url,
        title=None,
        topic=None,
        interval_s=None,
        origin="config",
        active=True,
        etag=None,
        last_modified=None,
        last_polled_at=None,
        last_ok_at=None,
        next_due_at=None,
        error_count=errors,
        last_error=last_error,
    )


def test_only_changes_of_a_feeds_state_are_reported() -> None:
    polled = [
        feed("https://ok.example/"),
        feed("https://breaks.example/"),
        feed("https://still-down.example/", 3, "HTTP 503"),
        feed("https://worse.example/", 2, "HTTP 503"),
        feed("https://back.example/", 5, "timeout after 20s"),
    ]
    errors = [
        FileError("https://breaks.example/", "HTTP 404"),
        FileError("https://still-down.example/", "HTTP 503"),
        FileError("https://worse.example/", "HTTP 410"),
    ]
    assert feed_transitions(polled, errors) == [
        FeedTransition("https://breaks.example/", "failing", "HTTP 404", 1),
        FeedTransition("https://worse.example/", "failing", "HTTP 410", 3),
        FeedTransition("https://back.example/", "recovered", "timeout after 20s", 5),
    ]


def test_json_lines_at_the_chosen_level(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("warning", "json")
    try:
        log = logging.getLogger("policy_monitor")
        log.info("not shown at warning")
        log.warning("feed failing: %s", "https://a.example/", extra={"feed": "https://a.example/"})
        [line] = capsys.readouterr().err.splitlines()
        entry = json.loads(line)
        assert entry["level"] == "warning" and entry["logger"] == "policy_monitor"
        assert entry["message"] == "feed failing: https://a.example/"
        assert entry["feed"] == "https://a.example/" and entry["time"].endswith("Z")
    finally:
        configure_logging("info", "text")


def test_the_daemon_logs_why_a_feed_fails_once_and_when_it_recovers(
    server: LocalServer, tmp_path: Path
) -> None:
    site = FeedSite(server)
    config = write_config(tmp_path, site, free_port())
    # Poll the failing feed often (in the harness's [fetch] table).
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[fetch]\n", '[fetch]\nmax_backoff = "0.5s"\n'), "utf-8")
    server.routes["/feed.xml"] = lambda h: send(h, b"gone", 410, {"Content-Type": "text/plain"})
    log = tmp_path / "daemon.log"
    daemon = DaemonProcess(config, tmp_path / "monitor.db", log)
    daemon.args += ["--log-format", "json"]
    polls = lambda: sum(1 for path, _ in server.requests if path == "/feed.xml")  # noqa: E731
    try:
        daemon.start()
        wait_for(lambda: polls() >= 4, 30, "four polls of the failing feed")
        server.routes["/feed.xml"] = lambda h: send(h, rss([]))
        wait_for(lambda: "feed_recovered" in log.read_text(), 30, "the recovery")
        time.sleep(1.0)  # a few more good polls: nothing more is logged about the feed
        assert daemon.stop() == 0
    finally:
        daemon.ensure_stopped()
    entries = [json.loads(line) for line in log.read_text().splitlines()]  # all JSON
    about = [e for e in entries if e.get("feed") == site.url]
    assert [(e["event"], e["level"]) for e in about] == [
        ("feed_failing", "warning"),
        ("feed_recovered", "info"),
    ]
    assert about[0]["error"] == "HTTP 410 Gone"
    assert about[0]["message"] == f"feed failing: {site.url}: HTTP 410 Gone"
