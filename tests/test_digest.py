"""Email digests: rendered from the package's templates, sent with aiosmtplib to a real
SMTP server (aiosmtpd) on 127.0.0.1, parsed back and checked part by part."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.notify.email import render_digest
from monitor.store import Store
from tests.conftest import SEEDS, Inbox


def monitor(tmp_path: Path, port: int) -> tuple[CliRunner, list[str]]:
    config = tmp_path / "monitor.toml"
    config.write_text(
        "feeds = []\n[delivery]\nmax_age = 0\n[email]\n"
        f'host = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        'from = "policy-monitor <monitor@example.org>"\nto = ["desk@example.org"]\n',
        encoding="utf-8",
    )
    return CliRunner(), ["--config", str(config), "--db", str(tmp_path / "m.db")]


def run(runner: CliRunner, base: list[str], *args: str) -> str:
    result = runner.invoke(cli, [*base, *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_digest_arrives_once_with_both_parts(smtp: tuple[Inbox, int], tmp_path: Path) -> None:
    inbox, port = smtp
    runner, base = monitor(tmp_path, port)
    run(runner, base, "import", str(SEEDS))
    run(runner, base, "evaluate")
    assert "digest sent: 3 changes" in run(runner, base, "digest", "--send")

    [message] = inbox.messages
    assert message.get_content_type() == "multipart/alternative"
    assert message["To"] == "desk@example.org"
    assert message["Subject"].startswith("policy-monitor: 3 changes")
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    plain, markup = text.get_content(), html.get_content()
    assert "== Amazon · facial recognition · police ==" in plain
    assert plain.index("IMPOSED") < plain.index("EXTENDED")  # the timeline, in order
    assert "until further notice" in plain and "until indefinite" in plain
    assert "https://www.nasdaq.com/" in plain
    assert "<blockquote" in markup and "Microsoft · facial recognition · police" in markup

    assert "nothing to send" in run(runner, base, "digest", "--send")
    assert len(inbox.messages) == 1


def test_preview_renders_without_sending(smtp: tuple[Inbox, int], tmp_path: Path) -> None:
    inbox, port = smtp
    runner, base = monitor(tmp_path, port)
    run(runner, base, "import", str(SEEDS))
    run(runner, base, "evaluate")
    out = tmp_path / "digest.html"
    shown = run(runner, base, "digest", "--preview", "--out", str(out))
    assert "EXTENDED: moratorium -> moratorium" in shown
    assert "<html" in out.read_text(encoding="utf-8")
    assert inbox.messages == []
    # A preview marks nothing: the send still covers all three.
    assert "3 changes" in run(runner, base, "digest", "--send")


def test_a_crash_after_sending_resends_the_same_digest(
    smtp: tuple[Inbox, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = smtp
    runner, base = monitor(tmp_path, port)
    run(runner, base, "import", str(SEEDS / "002_f21aecca74f41d48.txt"))
    run(runner, base, "evaluate")

    def crash(self: Store, digest_id: int, now: datetime) -> None:
        raise RuntimeError("killed between send and mark-sent")

    monkeypatch.setattr(Store, "close_digest", crash)
    failed = runner.invoke(cli, [*base, "digest", "--send"])
    assert failed.exit_code != 0
    monkeypatch.undo()
    # New changes arrive in between: the resend is still the first digest, unchanged.
    run(runner, base, "import", str(SEEDS / "000_9dcebddac0d98754.txt"))
    run(runner, base, "evaluate")
    assert "2 changes" in run(runner, base, "digest", "--send")
    assert "1 changes" in run(runner, base, "digest", "--send")
    first, resent, third = inbox.messages
    assert first["Message-ID"] == resent["Message-ID"] != third["Message-ID"]
    assert "EXTENDED" not in first.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "EXTENDED" in third.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_feed_text_cannot_inject_html() -> None:
    record = {
        "id": 1,
        "actor": "Town <b>Council</b>",
        "subject": "drones",
        "scope": None,
        "change": "imposed",
        "status_before": "none",
        "status_after": "ban",
        "effective": "2026-01-02",
        "until": None,
        "evidence": 'The council banned drones <script>alert("x")</script>& kites.',
        "presumed": False,
        "sources": ["https://news.example/a?x=1&y=2", "javascript:alert(1)"],
    }
    digest = render_digest([record], [], message_id="<t@x>", now=datetime(2026, 1, 3, tzinfo=UTC))
    assert "<script>" not in digest.html and "alert(" not in digest.html
    assert "<b>" not in digest.html and "&lt;b&gt;" in digest.html
    assert "&amp; kites" in digest.html
    assert "javascript:" not in digest.html + digest.text
    assert 'href="https://news.example/a?x=1&amp;y=2"' in digest.html
    assert "drones & kites." in digest.text


def test_upcoming_expiries_are_listed() -> None:
    policy = {"actor": "Amazon", "subject": "facial recognition", "scope": "police"}
    digest = render_digest(
        [],
        [{**policy, "until": "2021-06-11"}],
        message_id="<t@x>",
        now=datetime(2021, 5, 20, tzinfo=UTC),
    )
    assert "Amazon · facial recognition · police: moratorium ends 2021-06-11 (22 days left)" in (
        digest.text
    )
