"""A small HTTP endpoint on 127.0.0.1 (when `daemon.health` is set): /healthz, /metrics
(Prometheus text format, via prometheus_client) and /changes.atom.

It runs in its own thread with its own read connection, so a slow scrape never holds up
the daemon's event loop, and the daemon's writes never block it (WAL)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from monitor.notify.atom import render_atom
from monitor.status import collect_status
from monitor.store import Store, from_iso

ATOM_LIMIT = 200


class StatusCollector(Collector):
    """Gauges read from the database at scrape time."""

    def __init__(self, status: StatusSource) -> None:
        self.status = status

    def collect(self) -> Iterator[Metric]:
        state = self.status.read()
        up = GaugeMetricFamily("policy_monitor_up", "1 if the daemon's heartbeat is fresh")
        up.add_metric([], 1.0 if state["daemon"]["running"] else 0.0)
        yield up
        feeds = GaugeMetricFamily("policy_monitor_feeds", "Active feeds by state", labels=["state"])
        feeds.add_metric(["ok"], state["feeds"]["ok"])
        feeds.add_metric(["new"], state["feeds"]["new"])
        feeds.add_metric(["failing"], len(state["feeds"]["failing"]))
        yield feeds
        yield _gauge("policy_monitor_articles", "Stored articles", state["articles"])
        yield _gauge(
            "policy_monitor_articles_unevaluated",
            "Articles not yet evaluated",
            state["unevaluated"],
        )
        yield _gauge("policy_monitor_changes", "Recorded status changes", state["changes"])
        outbox = GaugeMetricFamily(
            "policy_monitor_outbox", "Outbox rows by state", labels=["state"]
        )
        for name, count in state["outbox"].items():
            outbox.add_metric([name], count)
        yield outbox
        last_poll = from_iso(state["feeds"]["last_poll_at"])
        if last_poll is not None:
            yield _gauge(
                "policy_monitor_last_poll_timestamp_seconds",
                "When a feed was last polled",
                last_poll.timestamp(),
            )
        ok = GaugeMetricFamily(
            "policy_monitor_job_last_success_timestamp_seconds",
            "When each scheduled job last finished without error",
            labels=["job"],
        )
        for job in state["jobs"]:
            moment = from_iso(job["last_ok_at"])
            if moment is not None:
                ok.add_metric([job["id"]], moment.timestamp())
        yield ok


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    gauge = GaugeMetricFamily(name, documentation)
    gauge.add_metric([], value)
    return gauge


class StatusSource:
    """One read connection, used by one request at a time."""

    def __init__(self, db_path: Path) -> None:
        self.store = Store.open(db_path)
        self.lock = threading.Lock()

    def read(self) -> dict[str, Any]:
        with self.lock:
            return collect_status(self.store, datetime.now(UTC))

    def atom(self) -> bytes:
        with self.lock:
            changes = self.store.recent_changes(ATOM_LIMIT)
        return render_atom(changes, datetime.now(UTC))


class HealthServer:
    def __init__(self, db_path: Path, host: str, port: int) -> None:
        source = StatusSource(db_path)
        registry = CollectorRegistry()
        registry.register(StatusCollector(source))
        self.source = source

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/healthz":
                    state = source.read()
                    running = bool(state["daemon"]["running"])
                    body = json.dumps({"ok": running, **state}).encode()
                    self._reply(200 if running else 503, "application/json", body)
                elif path == "/metrics":
                    self._reply(200, "text/plain; version=0.0.4", generate_latest(registry))
                elif path == "/changes.atom":
                    self._reply(200, "application/atom+xml", source.atom())
                else:
                    self._reply(404, "text/plain", b"not found: try /healthz, /metrics\n")

            def _reply(self, status: int, kind: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # scrapes every few seconds would drown the daemon's log

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="health", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.httpd.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.source.store.close()
