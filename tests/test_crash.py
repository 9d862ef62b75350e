"""kill -9 at random moments: no change is lost, and a delivery received twice always
carries an idempotency key the receiver has already seen (so it can drop it)."""

from __future__ import annotations

import json
import random
import re
import time
from collections import defaultdict
from functools import partial
from pathlib import Path

from monitor.outbox import idempotency_key
from tests.conftest import Inbox, LocalServer
from tests.daemon_harness import (
    SECRET,
    DaemonProcess,
    FeedSite,
    seed_articles,
    wait_for,
    write_config,
)
from tests.standard_webhooks import verify

TRIALS = 8
BUDGET_S = 150  # stop starting new trials after this long


def test_kill_9_at_random_moments_loses_nothing(
    server: LocalServer, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, smtp_port = smtp
    site = FeedSite(server)
    announced, extended = seed_articles()
    chance = random.Random(20260611)
    started = time.monotonic()
    trials = 0
    while trials < TRIALS and time.monotonic() - started < BUDGET_S:
        trials += 1
        folder = tmp_path / f"trial-{trials}"
        folder.mkdir()
        server.posts.clear()
        inbox.messages.clear()
        site.articles = list(announced)
        daemon = DaemonProcess(
            write_config(folder, site, smtp_port), folder / "monitor.db", folder / "daemon.log"
        )
        try:
            # Up to three kills, each at a random moment; the extension appears midway.
            for kill in range(3):
                daemon.start()
                time.sleep(chance.uniform(0.3, 2.5))
                if kill == 1:
                    site.articles = [*announced, *extended]
                daemon.kill()
            site.articles = [*announced, *extended]
            daemon.start()
            wait_for(partial(_settled, daemon), 60, f"trial {trials} to settle")
            assert daemon.stop() == 0
            _check_trial(daemon, site, inbox, trials)
        finally:
            daemon.ensure_stopped()
    assert trials >= 3, "too few trials ran within the time budget"


def _settled(daemon: DaemonProcess) -> bool:
    # The timeline first: once the extension is in it, an empty outbox read afterwards
    # means every change so far was delivered. (A daemon killed early may not have
    # created the database yet; reading commands do not create it.)
    if not daemon.db.exists():
        return False
    timeline = json.loads(daemon.cli("timeline", "--json"))
    if not any(c["change"] == "extended" for c in timeline):
        return False
    status = json.loads(daemon.cli("status", "--json"))
    return status["unevaluated"] == 0 and status["outbox"]["pending"] == 0


def _check_trial(daemon: DaemonProcess, site: FeedSite, inbox: Inbox, trial: int) -> None:
    timeline = json.loads(daemon.cli("timeline", "--json"))
    expected = {idempotency_key(c["key"], "webhook:" + site.hook_url) for c in timeline}
    hooks = site.webhooks()
    received = [h["headers"]["webhook-id"] for h in hooks]
    # Nothing lost: every change in the timeline reached the receiver.
    assert set(received) == expected, f"trial {trial}"
    # Every resend is a repeat of an id already seen, of the very same event.
    by_event: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for hook in hooks:
        verify(SECRET, hook["headers"], hook["body"])
        event = hook["event"]
        by_event[(event["subject"], event["type"], event["data"]["effective"])].add(event["id"])
    assert all(len(ids) == 1 for ids in by_event.values()), by_event
    # Digests: every change mailed, none in two different digests.
    digests: dict[str, str] = {}
    for message in inbox.messages:
        body = message.get_body(("plain",))
        assert body is not None
        digests[str(message["Message-ID"])] = body.get_content()
    # Each change is one numbered item ("1. Amazon extended ...") in the text part.
    mailed = sum(len(re.findall(r"^\d+\. ", text, re.M)) for text in digests.values())
    assert mailed == len(timeline), f"trial {trial}: {mailed} mailed, {len(timeline)} changes"
