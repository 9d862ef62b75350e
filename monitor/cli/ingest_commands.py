"""Getting articles in: import, fetch, feeds, and the one-pass run."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from monitor.cli.app import (
    PARTIAL_FAILURE,
    AppContext,
    BadInput,
    _emit,
    cli,
    needs_database,
    pass_app,
    write_output,
)
from monitor.config import check_http_url
from monitor.opml import read_opml, write_opml
from monitor.parse import ParseError
from monitor.pipeline import import_paths, poll_feeds, utcnow
from monitor.status import feed_state
from monitor.store import FeedRow


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print {new, duplicates, errors}.")
@pass_app
def import_command(app: AppContext, paths: tuple[Path, ...], as_json: bool) -> None:
    """Import articles from files or folders: RSS/Atom files, seed articles, JSONL.

    Importing the same files again adds nothing. A file that cannot be read is listed
    as an error; the rest are still imported, and the exit code is 1.

    \b
    Example:
      policy-monitor import seeds/ tests/fixtures/eval/generic.jsonl --json
    """
    report = import_paths(app.store, paths)
    if as_json:
        _emit(report.as_json())
    else:
        click.echo(f"{report.new} new, {report.duplicates} duplicates, {len(report.errors)} errors")
        for error in report.errors:
            click.echo(f"  {error.path}: {error.error}", err=True)
    if report.errors:
        raise SystemExit(PARTIAL_FAILURE)


@cli.command("fetch")
@click.option("--feed", "feed_urls", multiple=True, help="Poll only this feed URL (repeatable).")
@click.option("--due", is_flag=True, help="Poll only the feeds that are due.")
@click.option("--json", "as_json", is_flag=True, help="Print the cycle's report as JSON.")
@pass_app
def fetch_command(app: AppContext, feed_urls: tuple[str, ...], due: bool, as_json: bool) -> None:
    """Run one poll cycle: fetch the feeds, parse them and store new articles.

    Without --feed every active feed is polled. A URL given with --feed that is not
    configured yet is added to the feed list. Exit code 1 if any feed failed.

    \b
    Example:
      policy-monitor fetch --feed https://www.eff.org/rss/updates.xml
    """
    for url in feed_urls:
        _check_feed_url(url, "--feed")
    store = app.synced_store()
    now = utcnow()
    if feed_urls:
        for url in feed_urls:
            known = store.feed_by_url(url)
            if known is None:
                store.upsert_feed(url, origin="cli", now=now)
            elif known.disabled:
                raise BadInput(f"{url} is disabled; `policy-monitor feeds enable {url}` first")
        feeds = [row for row in store.feeds() if row.url in set(feed_urls)]
    else:
        feeds = store.due_feeds(now) if due else store.feeds()
    report = asyncio.run(poll_feeds(store, app.settings.fetch, feeds))
    if as_json:
        _emit(report.as_json())
    else:
        click.echo(
            f"{report.feeds} feeds: {report.ok} ok, {report.not_modified} not modified, "
            f"{len(report.errors)} failed; {report.new_articles} new articles"
        )
        for error in report.errors:
            click.echo(f"  {error.path}: {error.error}", err=True)
    if report.errors:
        raise SystemExit(PARTIAL_FAILURE)


@cli.group("feeds")
def feeds_group() -> None:
    """Manage the feed list kept in the database (beside the config's [[feeds]]).

    \b
    Example:
      policy-monitor feeds list
    """


@feeds_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.option("--all", "show_all", is_flag=True, help="Include disabled and retired feeds.")
@pass_app
@needs_database
def feeds_list(app: AppContext, as_json: bool, show_all: bool) -> None:
    """List feeds with their state (new: never polled, ok, failing; with --all also
    disabled and retired), last poll, errors, next due time.

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
                    "state": feed_state(r),
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
        state = feed_state(r)
        if state == "failing":
            state = f"failing x{r.error_count}: {r.last_error}"
        due = r.next_due_at or "now"
        click.echo(f"{r.url}\n    {r.origin}, topic={r.topic or '-'}, {state}, due {due}")


@feeds_group.command("import")
@click.argument("opml_file", type=click.Path(path_type=Path, dir_okay=False))
@pass_app
def feeds_import(app: AppContext, opml_file: Path) -> None:
    """Add the feeds of an OPML file to the database. A feed already listed counts as a
    duplicate; one whose xmlUrl is not an http(s) URL is refused (exit code 1).

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
    new = duplicates = 0
    refused = []
    for feed in feeds:
        try:
            url = check_http_url(feed.url)
        except ValueError as exc:
            refused.append(str(exc))
            continue
        if app.store.feed_by_url(url) is None:
            new += 1
        else:
            duplicates += 1
        app.store.upsert_feed(url, origin="opml", now=now, title=feed.title, topic=feed.topic)
    click.echo(
        f"{new} new feeds, {duplicates} already listed, {len(refused)} refused from {opml_file}"
    )
    for reason in refused:
        click.echo(f"  refused: {reason}", err=True)
    if refused:
        raise SystemExit(PARTIAL_FAILURE)


@feeds_group.command("export")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write to a file.")
@pass_app
@needs_database
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
        write_output(out, document.encode("utf-8"))


def _check_feed_url(url: str, where: str) -> str:
    """A feed URL from outside the config, checked as the config checks its [[feeds]]."""
    try:
        return check_http_url(url)
    except ValueError as exc:
        raise BadInput(f"{where}: {exc}") from None


def _known_feed(app: AppContext, url: str) -> FeedRow:
    # A write command: the config's feeds are written first, so a configured feed that no
    # command has stored yet is known too.
    row = app.synced_store().feed_by_url(url)
    if row is None:
        raise BadInput(f"no feed {url} in the database (see `policy-monitor feeds list --all`)")
    return row


def _configured(app: AppContext, url: str) -> bool:
    return any(feed.url == url for feed in app.settings.feeds)


@feeds_group.command("remove")
@click.argument("url")
@pass_app
def feeds_remove(app: AppContext, url: str) -> None:
    """Delete a feed added by `fetch --feed` or an OPML import, with its fetch log. Its
    articles stay. A feed from the config's [[feeds]] is removed there instead.

    \b
    Example:
      policy-monitor feeds remove https://news.example/feed.xml
    """
    if _configured(app, url):
        raise BadInput(
            f"{url} is one of the config's [[feeds]]; remove it there"
            f" (or `policy-monitor feeds disable {url}`)"
        )
    _known_feed(app, url)
    kept = app.store.remove_feed(url)
    click.echo(f"removed {url} ({kept} of its articles kept)")


@feeds_group.command("disable")
@click.argument("url")
@pass_app
def feeds_disable(app: AppContext, url: str) -> None:
    """Stop polling a feed (any origin, the config's too) until `feeds enable`; it stays
    listed with `feeds list --all`, and its articles stay.

    \b
    Example:
      policy-monitor feeds disable https://news.example/feed.xml
    """
    _known_feed(app, url)
    app.store.set_feed_disabled(url, True, utcnow())
    click.echo(f"disabled {url}")


@feeds_group.command("enable")
@click.argument("url")
@pass_app
def feeds_enable(app: AppContext, url: str) -> None:
    """Poll a disabled feed again.

    \b
    Example:
      policy-monitor feeds enable https://news.example/feed.xml
    """
    row = _known_feed(app, url)
    if row.origin == "config" and not _configured(app, url):
        raise BadInput(f"{url} is no longer in the config's [[feeds]]; add it there again")
    app.store.set_feed_disabled(url, False, utcnow())
    click.echo(f"enabled {url}")
