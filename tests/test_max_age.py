"""Old news stays silent: a change whose report is older than `delivery.max_age` is in
the timeline but not sent (its outbox row is `skipped`, with the reason); a channel
configured later gets the changes still within `max_age`; replay sends nothing again.

The seed articles: two 2020 moratoriums (Amazon, Microsoft; June 2020) and Amazon's
extension (18 May 2021). "Now" is two days after the extension, or years later."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from pathlib import Path

from click.testing import CliRunner

from monitor import resources
from monitor.cli import cli
from monitor.config import DeliveryConfig, Settings, WebhookConfig
from monitor.deliver import DeliverReport, deliver_pending
from monitor.engine import Engine
from monitor.evaluate import evaluate_pending, replay, sweep
from monitor.outbox import channels
from monitor.pipeline import import_paths
from monitor.rules import load_rules
from monitor.store import Store
from tests.conftest import SEEDS, Inbox, LocalServer, send

ENGINE = Engine(load_rules([resources.rules_dir()]))
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
AFTER_THE_EXTENSION = datetime(2021, 5, 20, 9, 0, tzinfo=UTC)
YEARS_LATER = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def webhook_settings(server: LocalServer, tmp_path: Path, **delivery: object) -> Settings:
    server.post_routes["/hook"] = lambda h: send(h, b"{}", 200, {"Content-Type": "text/json"})
    return Settings(
        db=tmp_path / "m.db",
        feeds=[],
        webhooks=[WebhookConfig(url=server.url("/hook"), secret=SECRET)],
        delivery=DeliveryConfig(**delivery),  # type: ignore[arg-type]
    )


def deliver(store: Store, settings: Settings, now: datetime) -> DeliverReport:
    return asyncio.run(deliver_pending(store, settings, lambda: now))


def sent_kinds(server: LocalServer) -> list[str]:
    return sorted(json.loads(p.body)["type"].rsplit(".", 1)[1] for p in server.posts)


def states(store: Store) -> list[tuple[str, str]]:
    return sorted((r["change"], r["state"]) for r in store.outbox_rows())


def test_a_backlog_import_sends_only_the_recent_news(
    store: Store, server: LocalServer, tmp_path: Path
) -> None:
    settings = webhook_settings(server, tmp_path)  # max_age: the default, 14 days
    import_paths(store, [SEEDS])
    evaluate_pending(store, ENGINE, AFTER_THE_EXTENSION, channels=channels(settings))
    assert len(store.timeline()) == 3  # every change is recorded...
    assert states(store) == [
        ("extended", "pending"),
        ("imposed", "skipped"),
        ("imposed", "skipped"),
    ]
    skipped = [r for r in store.outbox_rows() if r["state"] == "skipped"]
    assert {r["last_error"] for r in skipped} == {
        "not sent: reported 2020-06-11, older than delivery.max_age (14d)"
    }
    assert deliver(store, settings, AFTER_THE_EXTENSION).sent == 1
    assert sent_kinds(server) == ["extended"]  # ...but only the news is sent


def test_years_later_nothing_is_sent_and_max_age_0_sends_everything(
    store: Store, server: LocalServer, tmp_path: Path
) -> None:
    import_paths(store, [SEEDS])
    evaluate_pending(
        store, ENGINE, YEARS_LATER, channels=channels(webhook_settings(server, tmp_path))
    )
    assert deliver(store, webhook_settings(server, tmp_path), YEARS_LATER).attempted == 0
    assert server.posts == []
    no_limit = webhook_settings(server, tmp_path, max_age=0)
    replay(store, ENGINE, YEARS_LATER, channels=channels(no_limit))
    assert deliver(store, no_limit, YEARS_LATER).sent == 3


def test_a_channel_added_later_gets_the_changes_within_max_age(
    store: Store, server: LocalServer, tmp_path: Path
) -> None:
    import_paths(store, [SEEDS])
    evaluate_pending(store, ENGINE, AFTER_THE_EXTENSION, channels=[])  # no channel yet
    assert store.outbox_rows() == []
    settings = webhook_settings(server, tmp_path)
    assert deliver(store, settings, AFTER_THE_EXTENSION).sent == 1
    assert sent_kinds(server) == ["extended"]
    assert states(store) == [("extended", "sent"), ("imposed", "skipped"), ("imposed", "skipped")]
    assert deliver(store, settings, AFTER_THE_EXTENSION).attempted == 0
    assert len(server.posts) == 1


def test_replay_keeps_sent_changes_sent_and_old_ones_skipped(
    store: Store, server: LocalServer, tmp_path: Path
) -> None:
    settings = webhook_settings(server, tmp_path)
    import_paths(store, [SEEDS])
    evaluate_pending(store, ENGINE, AFTER_THE_EXTENSION, channels=channels(settings))
    deliver(store, settings, AFTER_THE_EXTENSION)
    before = states(store)
    later = datetime(2021, 5, 25, tzinfo=UTC)
    replay(store, ENGINE, later, channels=channels(settings))
    assert states(store) == before
    assert deliver(store, settings, later).attempted == 0
    assert len(server.posts) == 1


def test_the_sweep_does_not_alert_an_expiry_presumed_years_late(
    store: Store, server: LocalServer, tmp_path: Path
) -> None:
    settings = webhook_settings(server, tmp_path)
    import_paths(store, [SEEDS / "002_f21aecca74f41d48.txt"])  # 2020 only: no extension
    evaluate_pending(store, ENGINE, YEARS_LATER, channels=channels(settings))
    assert sweep(store, YEARS_LATER.date(), 30, YEARS_LATER, channels(settings)).expired == 1
    [expired] = [r for r in store.outbox_rows() if r["change"] == "expired"]
    assert expired["state"] == "skipped"
    assert expired["last_error"].startswith("not sent: reported 2021-06-11")


def test_the_sweep_alerts_an_expiry_presumed_today(
    store: Store, server: LocalServer, tmp_path: Path
) -> None:
    settings = webhook_settings(server, tmp_path)
    import_paths(store, [SEEDS / "002_f21aecca74f41d48.txt"])
    evaluate_pending(store, ENGINE, YEARS_LATER, channels=channels(settings))
    day_after_the_end = datetime(2021, 6, 12, 0, 10, tzinfo=UTC)
    sweep(store, date(2021, 6, 12), 30, day_after_the_end, channels(settings))
    [expired] = [r for r in store.outbox_rows() if r["change"] == "expired"]
    assert expired["state"] == "pending"
    assert deliver(store, settings, day_after_the_end).sent == 1
    assert sent_kinds(server) == ["expired"]


def test_digest_preview_needs_no_email_and_a_later_email_gets_the_changes(
    tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    db = str(tmp_path / "m.db")
    plain = tmp_path / "plain.toml"
    plain.write_text("feeds = []\n[delivery]\nmax_age = 0\n", encoding="utf-8")
    runner = CliRunner()

    def run(config: Path, *args: str) -> str:
        result = runner.invoke(cli, ["--config", str(config), "--db", db, *args])
        assert result.exit_code == 0, result.output
        return result.output

    run(plain, "import", str(SEEDS))
    run(plain, "evaluate")
    assert "policy-monitor: 3 changes" in run(plain, "digest", "--preview")

    mailed = tmp_path / "mailed.toml"
    mailed.write_text(
        plain.read_text(encoding="utf-8")
        + f'[email]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        'from = "monitor@example.org"\nto = ["desk@example.org"]\n',
        encoding="utf-8",
    )
    assert "policy-monitor: 3 changes" in run(mailed, "digest", "--preview")
    assert "digest sent: 3 changes" in run(mailed, "digest", "--send")
    assert len(inbox.messages) == 1
    assert "nothing to send" in run(mailed, "digest", "--preview")


def test_digest_preview_leaves_out_old_news(tmp_path: Path) -> None:
    db = str(tmp_path / "m.db")
    for args in (["import", str(SEEDS)], ["evaluate"]):
        assert CliRunner().invoke(cli, ["--db", db, *args]).exit_code == 0
    shown = CliRunner().invoke(cli, ["--db", db, "digest", "--preview"])
    assert shown.exit_code == 0
    assert "nothing to send" in shown.output and "max_age = 14d" in shown.output


def test_run_once_exits_1_when_a_delivery_fails(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        f'feeds = []\ndb = "{tmp_path / "m.db"}"\n[delivery]\nmax_age = 0\n'
        f'[[webhooks]]\nurl = "http://127.0.0.1:9/hook"\nsecret = "{SECRET}"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["--config", str(config), "run", "--once"])
    assert result.exit_code == 1
    assert "deliver: 0 sent, 3 to retry" in result.stdout
    assert "ConnectError" in result.stderr
