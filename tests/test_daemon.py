"""The daemon end to end, as a subprocess: a feed that changes over time, a webhook
receiver and an SMTP server on 127.0.0.1; one webhook per change, a digest, a clean
shutdown, and nothing resent after a restart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from monitor.daemon import digest_trigger
from tests.conftest import LocalServer
from tests.daemon_harness import (
    SECRET,
    DaemonProcess,
    FeedSite,
    Inbox,
    free_port,
    seed_articles,
    wait_for,
    write_config,
)
from tests.standard_webhooks import verify


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


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
        assert digests.count("* IMPOSED") == 2 and digests.count("* EXTENDED") == 1

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
    return text.count("\n* ")


def test_digest_schedules() -> None:
    assert str(digest_trigger("daily 08:00")).startswith("cron[")
    assert "day_of_week='mon'" in str(digest_trigger("weekly mon 08:30"))
    assert str(digest_trigger("every 6h")) == "interval[6:00:00]"
