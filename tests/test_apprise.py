"""Apprise as a channel through the same outbox: a json:// URL posts to a real local
server, so the whole path runs without any outside service."""

from __future__ import annotations

import asyncio
import json
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from monitor import resources
from monitor.config import AppriseConfig, DeliveryConfig, Settings
from monitor.deliver import deliver_pending
from monitor.engine import Engine
from monitor.evaluate import evaluate_pending
from monitor.outbox import channels
from monitor.pipeline import import_paths, utcnow
from monitor.rules import load_rules
from monitor.store import Store
from tests.conftest import SEEDS, LocalServer, send

pytest.importorskip("apprise")


def test_apprise_json_url_receives_each_change(
    store: Store, server: LocalServer, tmp_path: Path
) -> None:
    def ok(handler: BaseHTTPRequestHandler) -> None:
        send(handler, b"{}", 200, {"Content-Type": "application/json"})

    server.post_routes["/notify"] = ok
    host = server.base.removeprefix("http://")
    settings = Settings(
        db=tmp_path / "m.db",
        feeds=[],
        apprise=[AppriseConfig(name="chat", url=f"json://{host}/notify", changes=["extended"])],
        delivery=DeliveryConfig(max_age=0),  # the seeds are years old
    )
    import_paths(store, [SEEDS])
    evaluate_pending(
        store, Engine(load_rules([resources.rules_dir()])), utcnow(), channels=channels(settings)
    )
    report = asyncio.run(deliver_pending(store, settings, utcnow))
    assert (report.sent, report.attempted) == (1, 1)
    [post] = server.posts
    payload = json.loads(post.body)
    assert payload["title"] == "Amazon · facial recognition · police: extended"
    assert "until further notice" in payload["message"]
    assert asyncio.run(deliver_pending(store, settings, utcnow)).attempted == 0
