"""Getting changes out: deliver, outbox, digest, atom."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiosmtplib
import click

from monitor.cli.app import (
    AppContext,
    BadInput,
    _emit,
    cli,
    needs_database,
    pass_app,
    write_output,
)
from monitor.config import ChannelFilter, ConfigError, Settings
from monitor.deliver import (
    DigestRefused,
    deliver_pending,
    missing_rows,
    plan_digest,
    send_digest,
)
from monitor.notify.atom import render_atom
from monitor.outbox import Channel, channels, format_duration
from monitor.pipeline import utcnow


@cli.command("deliver")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@pass_app
def deliver_command(app: AppContext, as_json: bool) -> None:
    """Drain the outbox once: send every due webhook and Apprise notification. Failures
    are retried later with backoff; after `delivery.max_attempts` they go to dead-letter.
    Exit code 1 if any row failed.

    \b
    Example:
      policy-monitor --config monitor.toml deliver
    """
    report = asyncio.run(deliver_pending(app.store, app.settings, utcnow))
    if as_json:
        _emit(report.as_json())
    else:
        click.echo(
            f"{report.sent} sent, {report.retrying} to retry, {report.dead} dead "
            f"({report.attempted} attempted)"
        )
        for error in report.errors:
            click.echo(f"  {error}", err=True)
    if report.errors:
        raise SystemExit(1)


@cli.group("outbox", invoke_without_command=True)
@click.option("--dead", is_flag=True, help="Only the dead-letter rows.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_context
def outbox_group(ctx: click.Context, dead: bool, as_json: bool) -> None:
    """List the outbox: one row per (change, channel) with its state (pending, sent,
    dead, or skipped: older than delivery.max_age, not sent), attempts and last error.

    \b
    Example:
      policy-monitor outbox --dead
    """
    if ctx.invoked_subcommand is not None:
        return
    app = ctx.find_object(AppContext)
    assert app is not None
    app.require_database()
    rows = app.store.outbox_rows(state="dead" if dead else None)
    if as_json:
        _emit(rows)
        return
    if not rows:
        click.echo("no dead rows" if dead else "the outbox is empty")
        return
    for row in rows:
        error = f"  last error: {row['last_error']}" if row["last_error"] else ""
        if row["state"] == "skipped":
            error = f"  {row['last_error']}"  # why: too old to alert (delivery.max_age)
        click.echo(
            f"#{row['id']:<5} {row['state']:<7} {row['channel']:<28} attempts {row['attempts']}"
            f"  {row['actor']} · {row['subject']} · {row['scope']}: {row['change']}"
            f" {row['effective']}{error}"
        )


@outbox_group.command("retry")
@click.argument("row_id", required=False, type=int)
@click.option("--all-dead", is_flag=True, help="Requeue every dead row.")
@pass_app
def outbox_retry(app: AppContext, row_id: int | None, all_dead: bool) -> None:
    """Requeue dead-letter rows (one by id, or all) for the next `deliver`.

    \b
    Example:
      policy-monitor outbox retry --all-dead
    """
    if (row_id is None) == (not all_dead):
        raise BadInput("give a row id or --all-dead")
    count = app.store.requeue(utcnow(), row_id=row_id)
    if row_id is not None and count == 0:
        raise BadInput(f"no dead outbox row #{row_id}")
    click.echo(f"{count} row{'' if count == 1 else 's'} requeued")


@cli.command("digest")
@click.option("--preview", is_flag=True, help="Render the next digest without sending it.")
@click.option("--send", "send_now", is_flag=True, help="Send the digest now.")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="With --preview: write the HTML part here (the text part goes to stdout).",
)
@pass_app
def digest_command(app: AppContext, preview: bool, send_now: bool, out: Path | None) -> None:
    """The email digest of the changes not yet mailed: a summary line, the changes ranked
    by confidence and sources, each as a sentence with its evidence and its sources, then
    the moratoriums that end soon. --send needs an [email] table in the config; --preview
    shows the digest it would send (all changes within delivery.max_age without one).

    \b
    Example:
      policy-monitor --config monitor.toml digest --preview --out digest.html
    """
    if preview == send_now:
        raise BadInput("give exactly one of --preview or --send")
    settings = app.settings
    if preview:
        app.require_database()
        horizon = int(settings.policy.reminder_horizon // 86400)
        now = utcnow()
        channel = digest_channel(settings)
        unqueued = missing_rows(app.store, [channel], now)
        base_url = str(settings.web.base_url) if settings.web.base_url else None
        plan = plan_digest(
            app.store, channel.name, now, horizon, unqueued=unqueued, base_url=base_url
        )
        if plan.digest is None:
            click.echo(
                "nothing to send: no changes waiting for a digest (changes reported more than"
                f" delivery.max_age = {format_duration(settings.delivery.max_age)} ago"
                " are not sent)"
            )
            return
        click.echo(f"Subject: {plan.digest.subject}\n")
        click.echo(plan.digest.text, nl=False)
        if out is not None:
            write_output(out, plan.digest.html.encode("utf-8"))
            click.echo(f"(HTML part written to {out})", err=True)
        return
    if settings.email is None:
        raise BadInput("no [email] table in the configuration (see deploy/config.example.toml)")
    try:
        count = asyncio.run(send_digest(app.store, settings, utcnow))
    except DigestRefused as exc:
        raise click.ClickException(str(exc)) from None
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise click.ClickException(f"could not send the digest: {exc}") from None
    except ConfigError as exc:
        raise BadInput(str(exc)) from None
    click.echo(f"digest sent: {count} changes" if count else "nothing to send")


def digest_channel(settings: Settings) -> Channel:
    """The email channel, or without [email] one that wants every change: what a digest
    would hold if [email] were configured now."""
    for channel in channels(settings):
        if channel.kind == "email":
            return channel
    return Channel("email:digest", "email", ChannelFilter(), settings.delivery.max_age)


@cli.command("atom")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write to a file.")
@click.option("--limit", default=200, show_default=True, help="The most recent N changes.")
@pass_app
@needs_database
def atom_command(app: AppContext, out: Path | None, limit: int) -> None:
    """An Atom feed of the changes (stable entry ids), for any feed reader.

    \b
    Example:
      policy-monitor atom --out changes.atom
    """
    document = render_atom(app.store.recent_changes(limit), utcnow())
    if out is None:
        click.echo(document.decode("utf-8"), nl=False)
    else:
        write_output(out, document)
