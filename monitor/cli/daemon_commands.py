"""Running the monitor: run (the daemon, or one pass) and status."""

from __future__ import annotations

import asyncio
from typing import Any

import click

from monitor import resources
from monitor.cli.app import (
    PARTIAL_FAILURE,
    AppContext,
    BadInput,
    _emit,
    cli,
    needs_database,
    pass_app,
)
from monitor.daemon import run_daemon
from monitor.deliver import deliver_pending
from monitor.evaluate import evaluate_pending
from monitor.fulltext import complete_articles
from monitor.lock import AlreadyRunning, exclusive
from monitor.outbox import channels
from monitor.pipeline import import_paths, poll_feeds, utcnow
from monitor.status import collect_status


@cli.command("run")
@click.option("--once", is_flag=True, help="One pass (import seeds, poll, evaluate, deliver).")
@pass_app
def run_command(app: AppContext, once: bool) -> None:
    """Run the monitor: the daemon that polls due feeds, evaluates new articles, delivers
    alerts, mails digests and sweeps expiries on schedule, until SIGTERM or Ctrl-C. With
    --once, one pass of each stage, for cron: exit code 1 if any feed or delivery failed.
    One monitor per database: a second `run` on it exits 2 ("already running").

    \b
    Example:
      policy-monitor --config /etc/policy-monitor/config.toml run
    """
    settings = app.settings
    app.engine()  # fail fast, with exit code 2, on a bad rule file
    app.require_secrets()  # ...or on a secret every delivery would lack
    try:
        with exclusive(settings.db):
            _run(app, once)
    except AlreadyRunning as exc:
        raise BadInput(f"{exc}; stop it first, or give this one another --db") from None


def _run(app: AppContext, once: bool) -> None:
    settings = app.settings
    if not once:
        app.close()  # the daemon opens its own connection
        raise SystemExit(run_daemon(settings))
    store = app.synced_store()
    seeded = import_paths(store, [resources.seeds_dir()])
    click.echo(f"seeds: {seeded.new} new, {seeded.duplicates} already stored")
    report = asyncio.run(poll_feeds(store, settings.fetch, store.feeds()))
    click.echo(
        f"poll: {report.feeds} feeds, {report.ok} ok, {report.not_modified} not modified, "
        f"{len(report.errors)} failed; {report.new_articles} new articles"
    )
    for error in report.errors:
        click.echo(f"  {error.path}: {error.error}", err=True)
    engine = app.engine()
    if settings.fetch.full_text:
        pages = asyncio.run(complete_articles(store, engine._has_keyword, settings.fetch, utcnow))
        click.echo(f"article pages: {pages.fetched} read, {pages.failed} not usable")
    evaluated = evaluate_pending(
        store,
        engine,
        utcnow(),
        min_confidence=settings.policy.min_confidence,
        channels=channels(settings),
    )
    click.echo(
        f"evaluate: {evaluated.articles} articles, {evaluated.changes} new changes, "
        f"{evaluated.sources} sources added"
    )
    delivered = asyncio.run(deliver_pending(store, settings, utcnow))
    click.echo(
        f"deliver: {delivered.sent} sent, {delivered.retrying} to retry, {delivered.dead} dead"
    )
    for problem in delivered.errors:
        click.echo(f"  {problem}", err=True)
    click.echo(
        f"database: {settings.db} ({store.count('articles')} articles, "
        f"{store.count('changes')} changes); see `policy-monitor timeline`"
    )
    if report.errors or delivered.errors:
        raise SystemExit(PARTIAL_FAILURE)


@cli.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@pass_app
@needs_database
def status_command(app: AppContext, as_json: bool) -> None:
    """What the monitor is doing: the daemon, feeds ok and failing, articles, changes,
    the outbox and the next scheduled jobs. Safe to run while the daemon runs.

    \b
    Example:
      policy-monitor status --json
    """
    state = collect_status(app.store, utcnow())
    if as_json:
        _emit(state)
        return
    _print_status(state)


def _print_status(state: dict[str, Any]) -> None:
    daemon = state["daemon"]
    if daemon["running"]:
        click.echo(f"daemon: running (pid {daemon['pid']}, since {daemon['started_at']})")
    elif daemon["pid"]:
        click.echo(f"daemon: not running (last heartbeat {daemon['heartbeat_at']})")
    else:
        click.echo("daemon: never started on this database")
    feeds = state["feeds"]
    click.echo(
        f"feeds: {feeds['active']} active, {feeds['ok']} ok, {feeds['new']} new (never polled),"
        f" {len(feeds['failing'])} failing;"
        f" last poll {feeds['last_poll_at'] or 'never'}"
    )
    for failing in feeds["failing"]:
        click.echo(f"  failing ({failing['errors']}x): {failing['url']}: {failing['last_error']}")
    outbox = state["outbox"]
    click.echo(
        f"articles: {state['articles']} ({state['unevaluated']} not evaluated); "
        f"changes: {state['changes']}; outbox: {outbox['pending']} pending, "
        f"{outbox['dead']} dead, {outbox['sent']} sent, {outbox['skipped']} skipped (old news)"
    )
    for article in state["unevaluable"]:
        click.echo(f"  set aside (the rules failed): {article['title']}: {article['error']}")
    for job in state["jobs"]:
        error = f"  last error: {job['last_error']}" if job["last_error"] else ""
        click.echo(
            f"  job {job['id']:<9} {job['schedule']:<18} next {job['next_run_at'] or '-'}"
            f"  last ok {job['last_ok_at'] or '-'}{error}"
        )
