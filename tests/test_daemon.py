"""The daemon end to end, as a subprocess: a feed that changes over time, a webhook
receiver and an SMTP server on 127.0.0.1; one webhook per change, a digest, a clean
shutdown, and nothing resent after a restart."""

from __future__ import annotations

import json
import re
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import feedparser
import httpx

from monitor.daemon import digest_trigger
from tests.conftest import Inbox, LocalServer, free_port
from tests.daemon_harness import (
    SECRET,
    DaemonProcess,
    FeedSite,
    seed_articles,
    wait_for,
    write_config,
)
from tests.standard_webhooks import verify


def test_the_daemon_alerts_once_per_change_and_resumes_after_a_restart(
    server: LocalServer, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, smtp_port = smtp
    site = FeedSite(server)
    announced, extended = seed_articles()
    site.articles = list(announced)
    config = write_config(tmp_path, site, smtp_port)
    daemon = DaemonProcess(config, tmp_path / "monitor.db", tmp_path / "daemon.log")
    try:
        daemon.start()
        wait_for(lambda: len(site.webhooks()) >= 2, 60, "the two 2020 changes")
        status = json.loads(daemon.cli("status", "--json"))  # while it runs: no lock errors
        assert status["daemon"]["running"] and status["feeds"]["failing"] == []
        assert {j["id"] for j in status["jobs"]} >= {"poll", "evaluate", "deliver", "digest"}

        site.articles = [*announced, *extended]  # a year later, the extension
        wait_for(lambda: len(site.webhooks()) >= 3, 60, "the extension")
        wait_for(lambda: _digested(inbox) >= 3, 30, "digests covering all three changes")
        assert daemon.stop() == 0  # SIGTERM: a clean exit
        assert "stopped" in (tmp_path / "daemon.log").read_text()

        hooks = site.webhooks()
        for hook in hooks:
            verify(SECRET, hook["headers"], hook["body"])
        kinds = [(h["event"]["subject"], h["event"]["type"].rsplit(".", 1)[1]) for h in hooks]
        assert sorted(kinds) == [
            ("Amazon / facial recognition / police", "extended"),
            ("Amazon / facial recognition / police", "imposed"),
            ("Microsoft / facial recognition / police", "imposed"),
        ]
        assert kinds.index(("Amazon / facial recognition / police", "imposed")) < kinds.index(
            ("Amazon / facial recognition / police", "extended")
        )
        digests = "\n".join(m.get_body(("plain",)).get_content() for m in inbox.messages)  # type: ignore[union-attr]
        assert digests.count(" imposed a moratorium ") == 2
        assert digests.count(" extended its moratorium ") == 1

        stopped = json.loads(daemon.cli("status", "--json"))
        assert not stopped["daemon"]["running"] and stopped["outbox"]["pending"] == 0

        # A restart resumes: the feed answers 304 or repeats itself; nothing is resent.
        sent, mailed = len(site.webhooks()), len(inbox.messages)
        daemon.start()
        wait_for(
            lambda: json.loads(daemon.cli("status", "--json"))["daemon"]["running"], 30, "restart"
        )
        polls = len(server.requests)
        wait_for(lambda: len(server.requests) >= polls + 3, 30, "a few polls after the restart")
        assert daemon.stop() == 0
        assert (len(site.webhooks()), len(inbox.messages)) == (sent, mailed)
        timeline = json.loads(daemon.cli("timeline", "--json"))
        assert len(timeline) == 3
    finally:
        daemon.ensure_stopped()


def _digested(inbox: Inbox) -> int:
    text = "\n".join(m.get_body(("plain",)).get_content() for m in inbox.messages)  # type: ignore[union-attr]
    return len(re.findall(r"^\d+\. ", text, re.M))  # one numbered item per change


def test_digest_schedules() -> None:
    assert str(digest_trigger("daily 08:00")).startswith("cron[")
    assert "day_of_week='mon'" in str(digest_trigger("weekly mon 08:30"))
    assert str(digest_trigger("every 6h")) == "interval[6:00:00]"


def test_sigterm_lets_a_running_poll_finish_and_a_second_signal_exits_at_once(
    server: LocalServer, tmp_path: Path
) -> None:
    site = FeedSite(server)
    announced, _ = seed_articles()
    site.articles = list(announced)
    serve = server.routes["/feed.xml"]
    started = threading.Event()

    def slow(handler: BaseHTTPRequestHandler) -> None:
        started.set()
        time.sleep(2.0)
        serve(handler)

    server.routes["/feed.xml"] = slow
    config = write_config(tmp_path, site, free_port())
    daemon = DaemonProcess(config, tmp_path / "monitor.db", tmp_path / "daemon.log")
    try:
        daemon.start()
        assert started.wait(30), "the daemon never polled"
        began = time.monotonic()
        assert daemon.stop() == 0
        assert time.monotonic() - began >= 1.0  # it waited for the poll in flight
        timeline = json.loads(daemon.cli("timeline", "--json"))
        assert timeline, "the poll that was running when SIGTERM came was finished and stored"

        started.clear()
        daemon.start()
        assert started.wait(30)
        assert daemon.process is not None
        daemon.process.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        began = time.monotonic()
        daemon.process.send_signal(signal.SIGTERM)
        assert daemon.process.wait(timeout=10) == 128 + signal.SIGTERM
        assert time.monotonic() - began < 1.5  # did not wait for the slow poll
    finally:
        daemon.ensure_stopped()


def test_health_metrics_and_atom_while_running(server: LocalServer, tmp_path: Path) -> None:
    site = FeedSite(server)
    site.articles = list(seed_articles()[0])
    port = free_port()
    config = write_config(tmp_path, site, free_port(), health=f"127.0.0.1:{port}")
    daemon = DaemonProcess(config, tmp_path / "monitor.db", tmp_path / "daemon.log")
    base = f"http://127.0.0.1:{port}"
    try:
        daemon.start()
        wait_for(lambda: len(site.webhooks()) >= 2, 60, "the first changes")
        health = httpx.get(f"{base}/healthz", timeout=10)
        assert health.status_code == 200 and health.json()["ok"] is True
        metrics = httpx.get(f"{base}/metrics", timeout=10).text
        assert "policy_monitor_up 1.0" in metrics
        assert "policy_monitor_changes 2.0" in metrics
        assert 'policy_monitor_feeds{state="ok"} 1.0' in metrics
        assert 'policy_monitor_job_last_success_timestamp_seconds{job="poll"}' in metrics
        atom = feedparser.parse(httpx.get(f"{base}/changes.atom", timeout=10).content)
        assert atom.version == "atom10" and len(atom.entries) == 2
        assert httpx.get(f"{base}/nope", timeout=10).status_code == 404
        # The dashboard beside them, on the same address.
        overview = httpx.get(f"{base}/", timeout=10)
        assert overview.status_code == 200 and "Recent changes" in overview.text
        assert "<svg" in httpx.get(f"{base}/policy/1", timeout=10).text
        assert daemon.stop() == 0
    finally:
        daemon.ensure_stopped()
