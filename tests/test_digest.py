"""Email digests: rendered from the package's templates, sent with aiosmtplib to a real
SMTP server (aiosmtpd) on 127.0.0.1, parsed back and checked part by part."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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
    assert "3 changes in 2 policies" in plain.splitlines()[1]  # the summary on top
    extended = "1. Amazon extended its moratorium on police use of facial recognition"
    assert extended + " — now indefinite" in plain  # the surest change first
    assert "until further notice" in plain  # its evidence
    assert "- Nasdaq: Amazon Bans Police Use Of Facial Recognition" in plain
    assert "https://www.nasdaq.com/" in plain
    assert "<blockquote" in markup and "Microsoft imposed a moratorium" in markup
    assert ">Nasdaq</a>: Amazon Bans Police Use" in markup

    assert "nothing to send" in run(runner, base, "digest", "--send")
    assert len(inbox.messages) == 1


def test_preview_renders_without_sending(smtp: tuple[Inbox, int], tmp_path: Path) -> None:
    inbox, port = smtp
    runner, base = monitor(tmp_path, port)
    run(runner, base, "import", str(SEEDS))
    run(runner, base, "evaluate")
    out = tmp_path / "digest.html"
    shown = run(runner, base, "digest", "--preview", "--out", str(out))
    assert "Amazon extended its moratorium on police use of facial recognition" in shown
    assert "moratorium -> moratorium" not in shown
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
    assert "extended its" not in first.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "extended its" in third.get_body(("plain",)).get_content()  # type: ignore[union-attr]


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
        "confidence": 0.8,
        "articles": 2,
        "sources": ["https://news.example/a?x=1&y=2", "javascript:alert(1)"],
        "links": [
            {"url": "https://news.example/a?x=1&y=2", "outlet": "News", "title": "A"},
            {"url": "javascript:alert(1)", "outlet": "Evil", "title": "B"},
        ],
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


def change(change_id: int, **fields: Any) -> dict[str, Any]:
    record = {
        "id": change_id,
        "policy_id": change_id,
        "actor": "Amazon",
        "subject": "facial recognition",
        "scope": "police",
        "change": "imposed",
        "status_before": "none",
        "status_after": "moratorium",
        "effective": "2020-06-11",
        "until": "2021-06-11",
        "evidence": "Amazon announced a one-year moratorium.",
        "confidence": 0.8,
        "presumed": False,
        "articles": 1,
        "sources": [],
        "links": [],
    }
    return record | fields


NOW = datetime(2021, 5, 20, tzinfo=UTC)


def test_changes_are_ranked_by_confidence_then_sources() -> None:
    changes = [
        change(1, actor="Low", confidence=0.5, articles=9),
        change(2, actor="Many", confidence=0.9, articles=8),
        change(3, actor="Few", confidence=0.9, articles=1),
    ]
    digest = render_digest(changes, [], message_id="<m@x>", now=NOW)
    assert digest.change_ids == (2, 3, 1)
    text = digest.text
    assert text.index("1. Many imposed") < text.index("2. Few imposed") < text.index("3. Low")


def test_each_change_reads_as_a_sentence() -> None:
    extended = change(
        1, change="extended", status_before="moratorium", until="indefinite", effective="2021-05-18"
    )
    lifted = change(
        2, actor="Portland", change="lifted", status_before="ban", status_after="lifted"
    )
    digest = render_digest([extended, lifted], [], message_id="<m@x>", now=NOW)
    assert (
        "Amazon extended its moratorium on police use of facial recognition — now indefinite"
        in digest.text
    )
    assert "Portland lifted its ban on police use of facial recognition" in digest.text


def test_the_summary_counts_changes_policies_and_expiries_ahead() -> None:
    upcoming = [{"id": 1, "actor": "Amazon", "subject": "fr", "scope": "", "until": "2021-06-11"}]
    digest = render_digest(
        [change(1), change(2, actor="Microsoft")], upcoming, message_id="<m@x>", now=NOW
    )
    summary = "2 changes in 2 policies · 1 moratorium ending soon"
    assert digest.text.splitlines()[1] == summary
    assert f">{summary}</h1>" in digest.html
    assert "Amazon · fr: moratorium ends 2021-06-11 (22 days left)" in digest.text


def test_with_a_base_url_each_change_links_to_its_policy_page() -> None:
    digest = render_digest(
        [change(4)], [], message_id="<m@x>", now=NOW, base_url="https://mon.example/"
    )
    assert "https://mon.example/policy/4#change-4" in digest.text
    assert 'href="https://mon.example/policy/4#change-4"' in digest.html
    without = render_digest([change(4)], [], message_id="<m@x>", now=NOW)
    assert "/policy/" not in without.text + without.html


def test_sources_are_outlets_with_headlines_not_raw_urls_in_html() -> None:
    links = [
        {
            "url": f"https://n{i}.example/a/very/long/path/{i}",
            "outlet": f"Outlet {i}",
            "title": f"Headline {i}",
        }
        for i in range(8)
    ]
    digest = render_digest([change(1, links=links, articles=8)], [], message_id="<m@x>", now=NOW)
    assert digest.html.count("<li><a href=") == 8
    assert ">Outlet 3</a>: Headline 3" in digest.html
    assert ">https://" not in digest.html  # no URL shown as link text


def test_the_digest_reads_on_a_phone(tmp_path: Path) -> None:
    """Chromium at a phone's width: nothing wider than the screen; a screenshot is written
    for a person to look at."""
    from tests.browser import browser_page, screenshot_path

    links = [
        {
            "url": f"https://news{i}.example/" + "x" * 120,
            "outlet": f"Outlet {i}",
            "title": f"Headline {i}",
        }
        for i in range(8)
    ]
    evidence = "A very long evidence sentence without breaks " + "y" * 200
    digest = render_digest(
        [change(1, links=links, articles=8, evidence=evidence), change(2, actor="Microsoft")],
        [],
        message_id="<m@x>",
        now=NOW,
        base_url="https://mon.example/",
    )
    page_file = tmp_path / "digest.html"
    page_file.write_text(digest.html, encoding="utf-8")
    with browser_page() as (page, errors):
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(page_file.as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.locator("div.change").count() == 2
        page.screenshot(path=str(screenshot_path("digest-phone.png")), full_page=True)
        assert errors == []
