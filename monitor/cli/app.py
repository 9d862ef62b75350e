"""The click group, the shared context (settings and store, opened lazily) and the
`config` command. The other commands live beside this module, one per stage."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from monitor import __version__
from monitor.config import ConfigError, Settings, load_settings
from monitor.engine import Engine
from monitor.pipeline import feeds_as_configured, sync_config_feeds, utcnow
from monitor.rules import RuleFileError, load_rules
from monitor.store import FeedRow, Store


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

    def engine(self) -> Engine:
        try:
            return Engine(load_rules(self.settings.rules))
        except RuleFileError as exc:
            raise BadInput(str(exc)) from None

    def synced_store(self) -> Store:
        """The store with the config's feeds written into it (for commands that write)."""
        sync_config_feeds(self.store, self.settings.feeds, utcnow())
        return self.store

    def configured_feeds(self, *, active_only: bool = True) -> list[FeedRow]:
        """The feeds as the config makes them, without writing (for read commands)."""
        rows = feeds_as_configured(self.store.feeds(active_only=False), self.settings.feeds)
        return [row for row in rows if row.active or not active_only]

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
