"""The Prometheus gauges of /metrics, read from the database at scrape time.

The daemon serves them (with /healthz, /changes.atom and the dashboard) on its `listen`
address: see `monitor.web.app`, which routes them, and `monitor.web.server`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from monitor.store import from_iso

ATOM_LIMIT = 200


class StatusSource(Protocol):
    def read(self) -> dict[str, Any]: ...


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
