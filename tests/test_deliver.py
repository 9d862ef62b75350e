"""Webhook delivery through the outbox, against a real receiver on 127.0.0.1 that checks
signatures with its own implementation of Standard Webhooks."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from click.testing import CliRunner

from monitor import resources
from monitor.cli import cli
from monitor.config import DeliveryConfig, Settings, WebhookConfig
from monitor.deliver import LEASE_MARGIN_S, DeliverReport, deliver_pending
from monitor.engine import Engine
from monitor.evaluate import evaluate_pending, replay
from monitor.outbox import channels
from monitor.pipeline import import_paths
from monitor.rules import load_rules
from monitor.store import Store
from tests.conftest import SEEDS, LocalServer, send
from tests.standard_webhooks import verify

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ENGINE = Engine(load_rules([resources.rules_dir()]))
NOWHERE = "http://127.0.0.1:9/"
START = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class SimulatedCrash(Exception):
    pass


class Clock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def scripted(server: LocalServer, path: str, statuses: list[int], **headers: str) -> None:
    """Answer the first message posted to `path` with these statuses in turn, then 200;
    answer every other message 200."""
    remaining = list(statuses)
    target: list[str] = []

    def route(handler: BaseHTTPRequestHandler) -> None:
        message = handler.headers.get("webhook-id", "")
        target[:] = target or [message]
        status = remaining.pop(0) if remaining and message == target[0] else 200
        extra = headers if status != 200 else {}
        send(handler, b"{}", status, {"Content-Type": "application/json", **extra})

    server.post_routes[path] = route


def settings_for(url: str, tmp_path: Path, **delivery: Any) -> Settings:
    return Settings(
        db=tmp_path / "monitor.db",
        feeds=[],
        webhooks=[WebhookConfig(url=url, secret=SECRET)],
        delivery=DeliveryConfig(**({"max_age": 0} | delivery)),  # the seeds are years old
    )


@pytest.fixture
def seeded(store: Store) -> Iterator[Store]:
    """The seeds imported; evaluation happens in each test, with its channels."""
    import_paths(store, [SEEDS])
    yield store


def evaluate(store: Store, settings: Settings) -> None:
    evaluate_pending(store, ENGINE, START, channels=channels(settings))


def deliver(store: Store, settings: Settings, clock: Clock) -> DeliverReport:
    return asyncio.run(deliver_pending(store, settings, clock))


def events(server: LocalServer) -> list[dict[str, Any]]:
    return [json.loads(post.body) for post in server.posts]


def test_one_signed_cloudevent_per_change_and_nothing_twice(
    seeded: Store, server: LocalServer, tmp_path: Path
) -> None:
    scripted(server, "/hook", [])
    settings = settings_for(server.url("/hook"), tmp_path)
    evaluate(seeded, settings)
    report = deliver(seeded, settings, Clock())
    assert (report.sent, report.attempted) == (3, 3)

    for post in server.posts:
        verify(SECRET, post.headers, post.body)
        assert post.headers["content-type"].startswith("application/cloudevents+json")
    received = events(server)
    assert {e["specversion"] for e in received} == {"1.0"}
    assert sorted(e["type"] for e in received) == [
        "org.policy-monitor.change.extended",
        "org.policy-monitor.change.imposed",
        "org.policy-monitor.change.imposed",
    ]
    assert [e["id"] for e in received] == [p.headers["webhook-id"] for p in server.posts]
    extended = next(e for e in received if e["type"].endswith("extended"))
    assert extended["data"]["policy"] == {
        "actor": "Amazon",
        "subject": "facial recognition",
        "scope": "police",
    }
    assert extended["data"]["until"] == "indefinite"
    assert "until further notice" in extended["data"]["evidence"]
    assert extended["datacontenttype"] == "application/json"

    assert deliver(seeded, settings, Clock(START + timedelta(days=1))).attempted == 0
    assert len(server.posts) == 3


def test_a_tampered_body_fails_the_receivers_check(
    seeded: Store, server: LocalServer, tmp_path: Path
) -> None:
    """The verifier the other tests rely on can fail."""
    scripted(server, "/hook", [])
    settings = settings_for(server.url("/hook"), tmp_path)
    evaluate(seeded, settings)
    deliver(seeded, settings, Clock())
    post = server.posts[0]
    with pytest.raises(Exception, match="no signature matches"):
        verify(SECRET, post.headers, post.body.replace(b"Amazon", b"Amazin"))


def test_server_errors_are_retried_with_backoff_under_the_same_id(
    seeded: Store, server: LocalServer, tmp_path: Path
) -> None:
    scripted(server, "/hook", [500, 503])
    settings = settings_for(server.url("/hook"), tmp_path, backoff_initial=30)
    evaluate(seeded, settings)
    clock = Clock()
    first = deliver(seeded, settings, clock)
    assert (first.sent, first.retrying) == (2, 1)  # the first request got the 500
    failed = [r for r in seeded.outbox_rows() if r["state"] == "pending"]
    assert len(failed) == 1
    due = datetime.fromisoformat(failed[0]["next_attempt_at"].replace("Z", "+00:00"))
    assert timedelta(seconds=30) <= due - START <= timedelta(seconds=60)

    assert deliver(seeded, settings, clock).attempted == 0  # not due yet
    clock.advance(61)
    second = deliver(seeded, settings, clock)
    assert (second.sent, second.retrying) == (0, 1)  # the 503
    clock.advance(3600)
    assert deliver(seeded, settings, clock).sent == 1

    ids = [p.headers["webhook-id"] for p in server.posts]
    assert len(ids) == 5 and len(set(ids)) == 3
    assert ids.count(failed[0]["idempotency_key"]) == 3


def test_retry_after_is_honoured(seeded: Store, server: LocalServer, tmp_path: Path) -> None:
    scripted(server, "/hook", [429], **{"Retry-After": "7200"})
    settings = settings_for(server.url("/hook"), tmp_path)
    evaluate(seeded, settings)
    deliver(seeded, settings, Clock())
    row = next(r for r in seeded.outbox_rows() if r["state"] == "pending")
    due = datetime.fromisoformat(row["next_attempt_at"].replace("Z", "+00:00"))
    assert due - START >= timedelta(seconds=7200)
    assert row["last_error"] == "HTTP 429"


def test_gone_is_dead_at_once_and_can_be_requeued(
    seeded: Store, server: LocalServer, tmp_path: Path
) -> None:
    scripted(server, "/hook", [410])
    settings = settings_for(server.url("/hook"), tmp_path)
    evaluate(seeded, settings)
    report = deliver(seeded, settings, Clock())
    assert (report.sent, report.dead) == (2, 1)
    dead = seeded.outbox_rows(state="dead")
    assert [r["attempts"] for r in dead] == [1]
    assert seeded.requeue(START, row_id=dead[0]["id"]) == 1
    assert deliver(seeded, settings, Clock(START + timedelta(seconds=1))).sent == 1


def test_after_max_attempts_a_row_is_dead(
    seeded: Store, server: LocalServer, tmp_path: Path
) -> None:
    scripted(server, "/hook", [500] * 10)
    settings = settings_for(server.url("/hook"), tmp_path, max_attempts=2, backoff_initial=1)
    evaluate(seeded, settings)
    clock = Clock()
    deliver(seeded, settings, clock)
    clock.advance(10)
    deliver(seeded, settings, clock)
    counts = seeded.outbox_counts()
    assert counts["dead"] >= 1
    assert all(r["attempts"] == 2 for r in seeded.outbox_rows(state="dead"))


def test_a_timeout_is_retried(seeded: Store, server: LocalServer, tmp_path: Path) -> None:
    def slow(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(1.0)
        send(handler, b"{}", 200)

    server.post_routes["/slow"] = slow
    settings = settings_for(server.url("/slow"), tmp_path, timeout=0.2)
    evaluate(seeded, settings)
    report = deliver(seeded, settings, Clock())
    assert report.retrying == 3
    assert {r["last_error"] for r in seeded.outbox_rows()} == {"timed out"}


def test_a_crash_between_send_and_mark_sent_resends_the_same_id(
    seeded: Store, server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scripted(server, "/hook", [])
    settings = settings_for(server.url("/hook"), tmp_path, timeout=1)
    evaluate(seeded, settings)

    def crash(*args: object) -> None:
        raise SimulatedCrash  # the process dies after the receiver got the request

    monkeypatch.setattr(seeded, "finish_attempt", crash)
    clock = Clock()
    with pytest.raises(SimulatedCrash):
        deliver(seeded, settings, clock)
    monkeypatch.undo()
    first_ids = {p.headers["webhook-id"] for p in server.posts}
    assert first_ids and seeded.outbox_counts()["pending"] == 3

    assert deliver(seeded, settings, clock).attempted == 0  # leased, not yet due
    # The lease covers one request: the resend comes seconds later, not minutes.
    clock.advance(settings.delivery.timeout + LEASE_MARGIN_S + 1)
    assert deliver(seeded, settings, clock).sent == 3
    resent = [p.headers["webhook-id"] for p in server.posts][len(first_ids) :]
    assert first_ids <= set(resent)


def test_replay_does_not_send_delivered_changes_again(
    seeded: Store, server: LocalServer, tmp_path: Path
) -> None:
    scripted(server, "/hook", [])
    settings = settings_for(server.url("/hook"), tmp_path)
    evaluate(seeded, settings)
    deliver(seeded, settings, Clock())
    replay(seeded, ENGINE, START, channels=channels(settings))
    assert seeded.outbox_counts() == {"pending": 0, "sent": 3, "dead": 0, "skipped": 0}
    assert deliver(seeded, settings, Clock(START + timedelta(days=1))).attempted == 0
    assert len(server.posts) == 3


def test_channel_filters_choose_the_changes(seeded: Store, tmp_path: Path) -> None:
    settings = Settings(
        db=tmp_path / "m.db",
        feeds=[],
        webhooks=[
            WebhookConfig(
                name="ext", url="http://127.0.0.1:9/", secret=SECRET, changes=["extended"]
            ),
            WebhookConfig(
                name="none", url="http://127.0.0.1:9/", secret=SECRET, subjects=["drilling"]
            ),
        ],
        delivery=DeliveryConfig(max_age=0),
    )
    evaluate(seeded, settings)
    assert [(r["channel"], r["change"]) for r in seeded.outbox_rows()] == [
        ("webhook:ext", "extended")
    ]


@respx.mock
def test_a_refused_connection_is_retried(seeded: Store, tmp_path: Path) -> None:
    respx.post("https://hooks.example/in").mock(side_effect=httpx.ConnectError("refused"))
    settings = settings_for("https://hooks.example/in", tmp_path)
    evaluate(seeded, settings)
    report = deliver(seeded, settings, Clock())
    assert report.retrying == 3
    assert all("ConnectError" in (r["last_error"] or "") for r in seeded.outbox_rows())


def test_deliver_command_end_to_end(server: LocalServer, tmp_path: Path) -> None:
    """The issue's check: import seeds, evaluate, deliver; once per change; then nothing."""
    scripted(server, "/hook", [])
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'feeds = []\n[delivery]\nmax_age = 0\n[[webhooks]]\nurl = "{server.url("/hook")}"\n'
        'secret_env = "HOOK_SECRET"\n',
        encoding="utf-8",
    )
    runner = CliRunner(env={"HOOK_SECRET": SECRET})
    base = ["--config", str(config), "--db", str(tmp_path / "m.db")]
    for args in (["import", str(SEEDS)], ["evaluate"], ["deliver"]):
        result = runner.invoke(cli, [*base, *args])
        assert result.exit_code == 0, result.output
    timeline = json.loads(runner.invoke(cli, [*base, "timeline", "--json"]).output)
    assert len(server.posts) == len(timeline) == 3
    for post in server.posts:
        verify(SECRET, post.headers, post.body)
    again = runner.invoke(cli, [*base, "deliver"])
    assert again.exit_code == 0 and "0 sent" in again.output
    assert len(server.posts) == 3
    listed = runner.invoke(cli, [*base, "outbox"]).output
    assert listed.count(" sent ") == 3
    with sqlite3.connect(tmp_path / "m.db") as db:
        assert db.execute("SELECT count(*) FROM sent_keys").fetchone()[0] == 3


def test_the_readme_verification_snippet_accepts_our_signatures(
    seeded: Store, server: LocalServer, tmp_path: Path
) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    snippet = next(
        block.split("\n", 1)[1]
        for block in readme.split("```")
        if block.startswith("python\n") and "def verify(" in block
    )
    namespace: dict[str, Any] = {}
    exec(snippet, namespace)
    scripted(server, "/hook", [])
    settings = settings_for(server.url("/hook"), tmp_path)
    evaluate(seeded, settings)
    deliver(seeded, settings, Clock())
    readme_verify = namespace["verify"]
    assert all(readme_verify(SECRET, p.headers, p.body) for p in server.posts)
    assert not readme_verify(SECRET, server.posts[0].headers, server.posts[0].body + b" ")
