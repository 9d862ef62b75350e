"""The command line: thin commands over the library. Every command's help ends with an
example (a test checks it)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from monitor import __version__, resources
from monitor.config import ConfigError, Settings, load_settings
from monitor.engine import Engine
from monitor.evaluation import score
from monitor.opml import read_opml, write_opml
from monitor.parse import ParseError, parse_date
from monitor.pipeline import import_paths, poll_feeds, sync_config_feeds, utcnow
from monitor.rules import RuleFileError, load_rules
from monitor.ruletest import run_rule_tests
from monitor.store import Store


class BadInput(click.ClickException):
    """Bad config or input: a clear message and exit code 2, never a traceback."""

    exit_code = 2


@dataclass
class AppContext:
    config_path: Path | None
    db_path: Path | None
    _settings: Settings | None = None
    _store: Store | None = None
    _closers: list[Any] = field(default_factory=list)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings(self.config_path, self.db_path)
            except ConfigError as exc:
                raise BadInput(str(exc)) from None
        return self._settings

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store.open(self.settings.db)
        return self._store

    def synced_store(self) -> Store:
        """The store with the config's feeds written into it."""
        sync_config_feeds(self.store, self.settings.feeds, utcnow())
        return self.store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


pass_app = click.make_pass_decorator(AppContext)


def _emit(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=None))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="policy-monitor")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Config file (TOML). Default: $POLICY_MONITOR_CONFIG, then the user config file.",
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="SQLite database file. Default: the config's `db`, else the user data folder.",
)
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, db_path: Path | None) -> None:
    """Watch news feeds and report, once and with evidence, when a ban or moratorium
    changes status.

    \b
    Example:
      policy-monitor --db monitor.db import seeds/ --json
    """
    app = AppContext(config_path, db_path)
    ctx.obj = app
    ctx.call_on_close(app.close)


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
    rows = app.synced_store().feeds(active_only=not show_all)
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
    document = write_opml(app.synced_store().feeds(), utcnow())
    if out is None:
        click.echo(document, nl=False)
    else:
        out.write_text(document, encoding="utf-8")


@cli.command("run")
@pass_app
def run_command(app: AppContext) -> None:
    """Run the monitor: import the bundled seed articles, then poll every feed once.

    (The scheduled daemon arrives with step 4; until then `run` is one pass.)

    \b
    Example:
      policy-monitor --config deploy/config.example.toml run
    """
    store = app.synced_store()
    seeded = import_paths(store, [resources.seeds_dir()])
    click.echo(f"seeds: {seeded.new} new, {seeded.duplicates} already stored")
    report = asyncio.run(poll_feeds(store, app.settings.fetch, store.feeds()))
    click.echo(
        f"poll: {report.feeds} feeds, {report.ok} ok, {report.not_modified} not modified, "
        f"{len(report.errors)} failed; {report.new_articles} new articles"
    )
    for error in report.errors:
        click.echo(f"  {error.path}: {error.error}", err=True)
    click.echo(f"database: {app.settings.db} ({store.count('articles')} articles)")


def _engine(app: AppContext) -> Engine:
    try:
        return Engine(load_rules(app.settings.rules))
    except RuleFileError as exc:
        raise BadInput(str(exc)) from None


def _read_jsonl(path: Path) -> list[tuple[dict[str, Any] | None, str | None]]:
    """Each line as (record, None) or (None, error)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read {path}: {exc}") from None
    rows: list[tuple[dict[str, Any] | None, str | None]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            rows.append((None, f"line {number}: not JSON: {exc}"))
            continue
        if not isinstance(record, dict):
            rows.append((None, f"line {number}: not a JSON object"))
            continue
        rows.append((record, None))
    return rows


def _extract_record(engine: Engine, record: dict[str, Any]) -> dict[str, Any]:
    published = parse_date(record.get("published"))
    if published is None:
        return {"id": record.get("id"), "error": "missing or unreadable `published` date"}
    result = engine.extract(
        str(record.get("title") or ""), str(record.get("text") or ""), published.date()
    )
    return {
        "id": record.get("id"),
        "events": [e.as_json() for e in result.events],
        "background": [e.as_json() for e in result.background],
    }


@cli.command("extract")
@click.argument("jsonl", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@pass_app
def extract_command(app: AppContext, jsonl: Path) -> None:
    """Find status changes in articles: one JSON line out per article in. No database,
    no network.

    Each input line has `id`, `published` (YYYY-MM-DD or ISO), `title`, `text`. Each
    output line is {"id", "events": [...], "background": [...]}; `events` holds only
    changes that are news as of the article's date.

    \b
    Example:
      policy-monitor extract ../shared/eval/seeds.jsonl
    """
    engine = _engine(app)
    for record, error in _read_jsonl(jsonl):
        if record is None:
            _emit({"id": None, "error": error})
        else:
            _emit(_extract_record(engine, record))


@cli.command("eval")
@click.argument("gold", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print the whole score as JSON.")
@pass_app
def eval_command(app: AppContext, gold: Path, as_json: bool) -> None:
    """Score the engine on labeled articles: precision, recall, F1, false-alert rate,
    `until` accuracy, and the misses and false alerts.

    \b
    Example:
      policy-monitor eval ../shared/eval/seeds.jsonl
    """
    engine = _engine(app)
    pairs = []
    for record, error in _read_jsonl(gold):
        if record is None:
            raise BadInput(f"{gold}: {error}")
        pairs.append((record, _extract_record(engine, record).get("events", [])))
    result = score(pairs, engine.normalise).as_json()
    if as_json:
        _emit(result)
        return
    click.echo(
        f"articles {len(pairs)}  precision {result['precision']:.3f}  recall {result['recall']:.3f}"
        f"  F1 {result['f1']:.3f}  false-alert rate {result['false_alert_rate']:.3f}"
        f"  until accuracy {result['until_accuracy']}"
    )
    for miss in result["misses"]:
        click.echo(
            f"  miss  {miss['id']}: {miss['actor']} {miss['change']} — {miss['evidence'][:90]}"
        )
    for alert in result["false_alerts"]:
        click.echo(
            f"  false {alert['id']}: {alert['actor']} {alert['change']} — {alert['evidence'][:90]}"
        )


@cli.group("rules")
def rules_group() -> None:
    """Check the rule files.

    \b
    Example:
      policy-monitor rules test
    """


@rules_group.command("test")
@pass_app
def rules_test(app: AppContext) -> None:
    """Run every rule's own examples: `match` must match, `no_match` must not,
    `known_miss` is reported without failing. Exit code 1 on a failure.

    \b
    Example:
      policy-monitor rules test
    """
    engine = _engine(app)
    report = run_rule_tests(engine.rules, engine)
    for failure in report.failures:
        click.echo(f"FAIL {failure}")
    for fixed in report.known_misses_fixed:
        click.echo(f"note {fixed}")
    click.echo(
        f"{report.passed} passed, {len(report.failures)} failed, {report.known_misses} known misses"
    )
    if not report.ok:
        raise SystemExit(1)


@rules_group.command("lint")
@pass_app
def rules_lint(app: AppContext) -> None:
    """Validate the rule files: schema, unique ids, patterns compile, examples present.

    \b
    Example:
      policy-monitor --config my.toml rules lint
    """
    engine = _engine(app)
    click.echo(
        f"{len(engine.rules.files)} files, {len(engine.rules.triggers)} triggers, "
        f"{len(engine.rules.cues)} cues: ok"
    )


@cli.command("config")
@pass_app
def config_command(app: AppContext) -> None:
    """Check the configuration and print it, as loaded, as JSON.

    \b
    Example:
      policy-monitor --config deploy/config.example.toml config
    """
    _emit(app.settings.model_dump(mode="json"))


def main() -> None:
    cli(prog_name="policy-monitor")


if __name__ == "__main__":
    main()
