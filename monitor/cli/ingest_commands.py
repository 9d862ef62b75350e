"""Getting articles in: import, fetch, feeds, and the one-pass run."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from monitor.cli.app import AppContext, BadInput, _emit, cli, pass_app
from monitor.opml import read_opml, write_opml
from monitor.parse import ParseError
from monitor.pipeline import import_paths, poll_feeds, utcnow


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print {new, duplicates, errors}.")
@pass_app
def import_command(app: AppContext, paths: tuple[Path, ...], as_json: bool) -> None:
    """Import articles from files or folders: RSS/Atom files, seed articles, JSONL.

    Importing the same files again adds nothing. A file that cannot be read is listed
    as an error; the rest are still imported.

    \b
    Example:
      policy-monitor import seeds/ ../shared/eval/seeds.jsonl --json
    """
    report = import_paths(app.store, paths)
    if as_json:
        _emit(report.as_json())
        return
    click.echo(f"{report.new} new, {report.duplicates} duplicates, {len(report.errors)} errors")
    for error in report.errors:
        click.echo(f"  {error.path}: {error.error}", err=True)


@cli.command("fetch")
@click.option("--feed", "feed_urls", multiple=True, help="Poll only this feed URL (repeatable).")
@click.option("--due", is_flag=True, help="Poll only the feeds that are due.")
@click.option("--json", "as_json", is_flag=True, help="Print the cycle's report as JSON.")
@pass_app
def fetch_command(app: AppContext, feed_urls: tuple[str, ...], due: bool, as_json: bool) -> None:
    """Run one poll cycle: fetch the feeds, parse them and store new articles.

    Without --feed every active feed is polled. A URL given with --feed that is not
    configured yet is added to the feed list.

    \b
    Example:
      policy-monitor fetch --feed https://www.eff.org/rss/updates.xml
    """
    store = app.synced_store()
    now = utcnow()
    if feed_urls:
        for url in feed_urls:
            if store.feed_by_url(url) is None:
                store.upsert_feed(url, origin="cli", now=now)
        feeds = [row for row in store.feeds() if row.url in set(feed_urls)]
    else:
        feeds = store.due_feeds(now) if due else store.feeds()
    report = asyncio.run(poll_feeds(store, app.settings.fetch, feeds))
    if as_json:
        _emit(report.as_json())
        return
    click.echo(
        f"{report.feeds} feeds: {report.ok} ok, {report.not_modified} not modified, "
        f"{len(report.errors)} failed; {report.new_articles} new articles"
    )
    for error in report.errors:
        click.echo(f"  {error.path}: {error.error}", err=True)


@cli.group("feeds")
def feeds_group() -> None:
    """Manage the feed list kept in the database (beside the config's [[feeds]]).

    \b
    Example:
      policy-monitor feeds list
    """


@feeds_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.option("--all", "show_all", is_flag=True, help="Include retired feeds.")
@pass_app
def feeds_list(app: AppContext, as_json: bool, show_all: bool) -> None:
    """List feeds with their state: last poll, errors, next due time.

    \b
    Example:
      policy-monitor feeds list --json
    """
    rows = app.configured_feeds(active_only=not show_all)
    if as_json:
        _emit(
            [
                {
                    "url": r.url,
                    "title": r.title,
                    "topic": r.topic,
                    "origin": r.origin,
                    "active": r.active,
                    "last_polled_at": r.last_polled_at,
                    "last_ok_at": r.last_ok_at,
                    "next_due_at": r.next_due_at,
                    "error_count": r.error_count,
                    "last_error": r.last_error,
                }
                for r in rows
            ]
        )
        return
    for r in rows:
        state = f"failing x{r.error_count}: {r.last_error}" if r.error_count else "ok"
        due = r.next_due_at or "now"
        click.echo(f"{r.url}\n    {r.origin}, topic={r.topic or '-'}, {state}, due {due}")


@feeds_group.command("import")
@click.argument("opml_file", type=click.Path(path_type=Path, dir_okay=False))
@pass_app
def feeds_import(app: AppContext, opml_file: Path) -> None:
    """Add the feeds of an OPML file to the database.

    \b
    Example:
      policy-monitor feeds import subscriptions.opml
    """
    try:
        feeds = read_opml(opml_file.read_bytes())
    except OSError as exc:
        raise BadInput(f"cannot read {opml_file}: {exc.strerror or exc}") from None
    except ParseError as exc:
        raise BadInput(f"{opml_file}: {exc}") from None
    now = utcnow()
    for feed in feeds:
        app.store.upsert_feed(feed.url, origin="opml", now=now, title=feed.title, topic=feed.topic)
    click.echo(f"{len(feeds)} feeds imported from {opml_file}")


@feeds_group.command("export")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write to a file.")
@pass_app
def feeds_export(app: AppContext, out: Path | None) -> None:
    """Write the active feeds as OPML 2.0 (to stdout unless --out).

    \b
    Example:
      policy-monitor feeds export --out feeds.opml
    """
    document = write_opml(app.configured_feeds(), utcnow())
    if out is None:
        click.echo(document, nl=False)
    else:
        out.write_text(document, encoding="utf-8")
