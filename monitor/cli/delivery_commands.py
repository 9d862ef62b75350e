"""Getting changes out: deliver, outbox, digest, atom."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiosmtplib
import click

from monitor.cli.app import AppContext, BadInput, _emit, cli, pass_app
from monitor.config import ConfigError
from monitor.deliver import DigestRefused, deliver_pending, plan_digest, send_digest
from monitor.notify.atom import render_atom
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
    dead), attempts and last error.

    \b
    Example:
      policy-monitor outbox --dead
    """
    if ctx.invoked_subcommand is not None:
        return
    app = ctx.find_object(AppContext)
    assert app is not None
    rows = app.store.outbox_rows(state="dead" if dead else None)
    if as_json:
        _emit(rows)
        return
    if not rows:
        click.echo("no dead rows" if dead else "the outbox is empty")
        return
    for row in rows:
        error = f"  last error: {row['last_error']}" if row["last_error"] else ""
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
    """The email digest of the changes not yet mailed, grouped by policy, with the
    moratoriums that end soon. Needs an [email] table in the config.

    \b
    Example:
      policy-monitor --config monitor.toml digest --preview --out digest.html
    """
    if preview == send_now:
        raise BadInput("give exactly one of --preview or --send")
    email = app.settings.email
    if email is None:
        raise BadInput("no [email] table in the configuration (see deploy/config.example.toml)")
    if preview:
        horizon = int(app.settings.policy.reminder_horizon // 86400)
        plan = plan_digest(app.store, email, utcnow(), horizon)
        if plan.digest is None:
            click.echo("nothing to send: no changes since the last digest")
            return
        click.echo(f"Subject: {plan.digest.subject}\n")
        click.echo(plan.digest.text, nl=False)
        if out is not None:
            out.write_text(plan.digest.html, encoding="utf-8")
            click.echo(f"(HTML part written to {out})", err=True)
        return
    try:
        count = asyncio.run(send_digest(app.store, app.settings, utcnow))
    except DigestRefused as exc:
        raise click.ClickException(str(exc)) from None
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise click.ClickException(f"could not send the digest: {exc}") from None
    except ConfigError as exc:
        raise BadInput(str(exc)) from None
    click.echo(f"digest sent: {count} changes" if count else "nothing to send")


@cli.command("atom")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write to a file.")
@click.option("--limit", default=200, show_default=True, help="The most recent N changes.")
@pass_app
def atom_command(app: AppContext, out: Path | None, limit: int) -> None:
    """An Atom feed of the changes (stable entry ids), for any feed reader.

    \b
    Example:
      policy-monitor atom --out /var/www/changes.atom
    """
    document = render_atom(app.store.recent_changes(limit), utcnow())
    if out is None:
        click.echo(document.decode("utf-8"), nl=False)
    else:
        out.write_bytes(document)
