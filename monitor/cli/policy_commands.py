"""From articles to changes: evaluate, sweep, replay, timeline."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import click

from monitor.cli.app import AppContext, BadInput, _emit, cli, needs_database, pass_app
from monitor.evaluate import evaluate_pending, replay, sweep
from monitor.fulltext import complete_articles
from monitor.outbox import channels
from monitor.pipeline import utcnow


@cli.command("evaluate")
@click.option("--limit", type=click.IntRange(min=1), help="Evaluate at most this many articles.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@pass_app
def evaluate_command(app: AppContext, limit: int | None, as_json: bool) -> None:
    """Run the rules over the stored articles not yet evaluated, oldest first, and
    record findings, changes and their sources.

    \b
    Example:
      policy-monitor import seeds/ && policy-monitor evaluate
    """
    engine = app.engine()
    if app.settings.fetch.full_text:
        # The pages of feed items the keywords pick out: their whole text is evaluated.
        asyncio.run(complete_articles(app.store, engine._has_keyword, app.settings.fetch, utcnow))
    report = evaluate_pending(
        app.store,
        engine,
        utcnow(),
        limit=limit,
        min_confidence=app.settings.policy.min_confidence,
        channels=channels(app.settings),
    )
    _report(report.as_json(), as_json)


@cli.command("replay")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@pass_app
def replay_command(app: AppContext, as_json: bool) -> None:
    """Drop the derived state (findings, policies, changes, stories) and rebuild it
    from the stored articles, e.g. after editing rules. Articles and feeds are kept.

    \b
    Example:
      policy-monitor replay
    """
    engine = app.engine()
    report = replay(
        app.store,
        engine,
        utcnow(),
        min_confidence=app.settings.policy.min_confidence,
        channels=channels(app.settings),
    )
    _report(report.as_json(), as_json)


@cli.command("sweep")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Sweep as of this date (default: today, UTC).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@pass_app
def sweep_command(app: AppContext, today: Any, as_json: bool) -> None:
    """Mark moratoriums whose stated end date has passed as expired (presumed), and
    record reminders for those within the reminder horizon of their end.

    \b
    Example:
      policy-monitor sweep --today 2021-06-12
    """
    now = utcnow()
    day: date = today.date() if today is not None else now.date()
    horizon = int(app.settings.policy.reminder_horizon // 86400)
    report = sweep(app.store, day, horizon, now, channels(app.settings))
    _report(report.as_json(), as_json)


@cli.command("timeline")
@click.option("--policy", "policy_text", help="Only policies whose actor/subject/scope has this.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of changes.")
@pass_app
@needs_database
def timeline_command(app: AppContext, policy_text: str | None, as_json: bool) -> None:
    """The changes of every policy, in order, with their evidence and sources.

    \b
    Example:
      policy-monitor timeline --policy Amazon --json
    """
    changes = app.store.timeline(policy_text)
    if as_json:
        _emit(changes)
        return
    if not changes:
        if policy_text:
            raise BadInput(f"no changes recorded for a policy matching {policy_text!r}")
        click.echo("no changes recorded yet (import or fetch articles, then evaluate)")
        return
    last_policy = None
    for change in changes:
        policy = (change["actor"], change["subject"], change["scope"])
        if policy != last_policy:
            click.echo(" · ".join(p or "?" for p in policy))
            last_policy = policy
        until = f" until {change['until']}" if change["until"] else ""
        presumed = " (presumed)" if change["presumed"] else ""
        if change["overruled"]:
            presumed = " (presumed, overruled by a later report)"
        count = change["articles"]
        click.echo(
            f"  {change['effective']}  {change['change']}{presumed}: "
            f"{change['status_before']} → {change['status_after']}{until}"
            f"  [{count} article{'' if count == 1 else 's'}, story {change['story']}]"
        )
        click.echo(f"      “{change['evidence']}”")


def _report(counts: dict[str, int], as_json: bool) -> None:
    if as_json:
        _emit(counts)
    else:
        click.echo(", ".join(f"{value} {name}" for name, value in counts.items()))
