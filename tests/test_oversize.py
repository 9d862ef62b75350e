"""One oversized item costs only itself: a huge evidence sentence is cut where findings are
stored and in every message, and a digest the SMTP server refuses for good goes to
dead-letter so that the next digest is sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner, Result

from monitor.cli import cli
from monitor.evidence import EVIDENCE_MAX_CHARS, cap_evidence
from monitor.notify import webhook
from monitor.store import Store
from tests.conftest import Inbox, free_port

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LONG_SENTENCE = (
    "The city of Denver said it will ban police use of facial recognition software "
    + "and licence plate readers " * 12_000  # about 300 KB
    + "from next year."
)


def article(city: str, text: str) -> dict[str, str]:
    return {"id": city, "published": "2026-11-20", "title": f"{city} bans facial recognition",
            "text": text}  # fmt: skip


class RefusingInbox(Inbox):
    """Refuses for good (554) every message that mentions a word; accepts the others."""

    def __init__(self, refuse: str) -> None:
        super().__init__()
        self.refuse = refuse.encode()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse in envelope.content:
            return "554 5.6.0 Message refused"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def refusing_smtp() -> Iterator[tuple[RefusingInbox, int]]:
    inbox, port = RefusingInbox("Denver"), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


class Monitor:
    def __init__(self, tmp_path: Path, port: int) -> None:
        self.tmp_path = tmp_path
        config = tmp_path / "monitor.toml"
        config.write_text(
            "feeds = []\n[email]\n"
            f'host = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
            'from = "policy-monitor <monitor@example.org>"\nto = ["desk@example.org"]\n',
            encoding="utf-8",
        )
        self.base = ["--config", str(config), "--db", str(tmp_path / "m.db")]

    def __call__(self, *args: str) -> Result:
        return CliRunner().invoke(cli, [*self.base, *args])

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.exit_code == 0, result.output
        return result.output

    def add(self, city: str, text: str) -> None:
        path = self.tmp_path / f"{city}.jsonl"
        path.write_text(json.dumps(article(city, text)) + "\n", encoding="utf-8")
        self.ok("import", str(path))
        self.ok("evaluate")


def test_cap_evidence_cuts_at_a_word_with_an_ellipsis() -> None:
    capped = cap_evidence(LONG_SENTENCE)
    kept = capped.removesuffix("…")
    assert len(capped) <= EVIDENCE_MAX_CHARS and kept != capped
    assert LONG_SENTENCE.startswith(kept) and LONG_SENTENCE[len(kept)] == " "  # a whole word
    assert cap_evidence("A short sentence.") == "A short sentence."
    assert cap_evidence("x" * 5000) == "x" * (EVIDENCE_MAX_CHARS - 1) + "…"  # no word break


def test_a_huge_sentence_is_cut_where_it_is_stored_and_mailed(
    smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, port = smtp
    monitor = Monitor(tmp_path, port)
    monitor.add("Denver", LONG_SENTENCE)
    store = Store.open(tmp_path / "m.db")
    stored = [r["n"] for r in store.db.query("SELECT length(evidence) AS n FROM findings")]
    stored += [r["n"] for r in store.db.query("SELECT length(evidence) AS n FROM changes")]
    store.close()
    assert stored and max(stored) <= EVIDENCE_MAX_CHARS
    assert "digest sent: 1 changes" in monitor.ok("digest", "--send")
    [message] = inbox.messages
    assert len(message.as_bytes()) < 20_000


def test_evidence_stored_by_an_older_version_is_cut_in_the_webhook_body(store: Store) -> None:
    store.db.execute(
        "INSERT INTO policies (id, actor, subject, scope, updated_at)"
        " VALUES (1, 'Denver', '', '', '')"
    )
    store.db.execute(
        """INSERT INTO changes (policy_id, change, status_before, status_after, effective,
             evidence, confidence, created_at, key)
           VALUES (1, 'imposed', 'none', 'ban', '2026-11-20', ?, 0.9, '2026-11-20', 'k')""",
        ["word " * 2_000_000],  # 10 MB
    )
    [record] = store.timeline()
    body, _headers = webhook.signed_request(
        webhook.cloudevent(record, "msg_1", "urn:test"), "whsec_" + "A" * 44, NOW
    )
    assert len(body) < 5_000


def test_a_digest_refused_for_good_is_dead_lettered_and_the_next_is_sent(
    refusing_smtp: tuple[RefusingInbox, int], tmp_path: Path
) -> None:
    inbox, port = refusing_smtp
    monitor = Monitor(tmp_path, port)
    monitor.add("Denver", "The city of Denver said it will ban police use of facial recognition.")
    refused = monitor("digest", "--send")
    assert refused.exit_code == 1 and "dead-letter" in refused.output
    assert "email:digest" in monitor.ok("outbox", "--dead")

    monitor.add("Boston", "The city of Boston said it will ban police use of facial recognition.")
    assert "digest sent: 1 changes" in monitor.ok("digest", "--send")
    [message] = inbox.messages
    assert "Boston" in message["Subject"] and "Denver" not in message["Subject"]

    # Requeued by hand, the refused change joins the next digest.
    monitor.ok("outbox", "retry", "--all-dead")
    assert "nothing to send" not in monitor.ok("digest", "--preview")


def test_two_senders_never_put_a_change_in_two_digests(tmp_path: Path) -> None:
    """The daemon's digest job and `digest --send` read the same pending rows at once."""
    monitor = Monitor(tmp_path, free_port())
    monitor.add("Denver", "The city of Denver said it will ban police use of facial recognition.")
    store = Store.open(tmp_path / "m.db")
    [row] = store.pending_for("email:digest")
    assert store.open_digest("<first@test>", [row["id"]], NOW) is not None
    assert store.open_digest("<second@test>", [row["id"]], NOW) is None
    assert store.count("digests") == 1
    store.close()
