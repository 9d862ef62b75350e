"""The read-only dashboard and the health endpoints as one Starlette application.

Each request reads the database through one read-only connection (WAL: the daemon's
writes never wait for it, nor it for them); pages are rendered by the pure functions of
`monitor.web.pages`. Handlers are plain functions, which Starlette runs in its thread
pool, so a slow query never stalls the server's event loop."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from monitor.health import ATOM_LIMIT, StatusCollector
from monitor.notify.atom import render_atom
from monitor.status import collect_status
from monitor.store import ChangeFilter, Store
from monitor.web import pages

RECENT_CHANGES = 100

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ReadOnlyStore:
    """One read-only connection, used by one request at a time."""

    def __init__(self, db_path: Path) -> None:
        self.store = Store.open_read_only(db_path)
        self.lock = threading.Lock()

    @contextmanager
    def reading(self) -> Iterator[Store]:
        with self.lock:
            yield self.store

    def close(self) -> None:
        self.store.close()


class StatusReader:
    """What /metrics needs: the status, read under the store's lock."""

    def __init__(self, source: ReadOnlyStore, clock: Clock) -> None:
        self.source, self.clock = source, clock

    def read(self) -> dict[str, Any]:
        with self.source.reading() as store:
            return collect_status(store, self.clock())


def create_app(db_path: Path, *, horizon_days: int = 30, clock: Clock = _utcnow) -> Starlette:
    """The dashboard (/, /policy/ID, /story/ID, /feeds) and /healthz, /metrics,
    /changes.atom, over the database at `db_path`."""
    source = ReadOnlyStore(db_path)
    status = StatusReader(source, clock)
    registry = CollectorRegistry()
    registry.register(StatusCollector(status))

    def overview(request: Request) -> Response:
        wanted = ChangeFilter(
            topic=request.query_params.get("topic", ""),
            actor=request.query_params.get("actor", ""),
            change=request.query_params.get("change", ""),
        )
        with source.reading() as store:
            changes = store.filtered_changes(wanted, RECENT_CHANGES)
            policies = store.policies_with_counts()
            choices = store.filter_choices()
        return HTMLResponse(
            pages.overview_page(
                changes=changes,
                policies=policies,
                wanted=wanted,
                choices=choices,
                now=clock(),
                horizon_days=horizon_days,
            )
        )

    def policy(request: Request) -> Response:
        policy_id = request.path_params["policy_id"]
        with source.reading() as store:
            row = store.policy_row(policy_id)
            changes = store.policy_changes(policy_id) if row else []
        if row is None:
            return _not_found(f"There is no policy {policy_id}.", clock())
        return HTMLResponse(pages.policy_page(policy=row, changes=changes, now=clock()))

    def story(request: Request) -> Response:
        story_id = request.path_params["story_id"]
        with source.reading() as store:
            row = store.story_row(story_id)
            articles = store.story_articles(story_id) if row else []
            changes = store.story_changes(story_id) if row else []
        if row is None:
            return _not_found(f"There is no story {story_id}.", clock())
        return HTMLResponse(
            pages.story_page(story=row, articles=articles, changes=changes, now=clock())
        )

    def feeds(request: Request) -> Response:
        with source.reading() as store:
            rows = store.feeds(active_only=False)
        return HTMLResponse(pages.feeds_page(feeds=rows, now=clock()))

    def healthz(request: Request) -> Response:
        state = status.read()
        running = bool(state["daemon"]["running"])
        body = json.dumps({"ok": running, **state}).encode()
        return Response(body, 200 if running else 503, media_type="application/json")

    def metrics(request: Request) -> Response:
        return Response(generate_latest(registry), media_type="text/plain; version=0.0.4")

    def atom(request: Request) -> Response:
        with source.reading() as store:
            changes = store.recent_changes(ATOM_LIMIT)
        return Response(render_atom(changes, clock()), media_type="application/atom+xml")

    app = Starlette(
        routes=[
            Route("/", overview),
            Route("/policy/{policy_id:int}", policy),
            Route("/story/{story_id:int}", story),
            Route("/feeds", feeds),
            Route("/healthz", healthz),
            Route("/metrics", metrics),
            Route("/changes.atom", atom),
        ],
    )
    app.state.source = source
    return app


def _not_found(message: str, now: datetime) -> Response:
    return HTMLResponse(pages.not_found_page(message, now), status_code=404)
