"""The click group, the shared context (settings and store, opened lazily) and the
`config` command. The other commands live beside this module, one per stage."""

from __future__ import annotations

import functools
import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import click

from monitor import __version__
from monitor.config import ConfigError, Settings, load_settings, missing_secrets
from monitor.engine import Engine
from monitor.logs import FORMATS, LEVELS, configure_logging
from monitor.pipeline import feeds_as_configured, sync_config_feeds, utcnow
from monitor.rules import RuleFileError, load_rules
from monitor.store import DatabaseUnusable, FeedRow, Store
from monitor.store.errors import describe_sqlite_error

# Exit codes (the README's table): 0 all done; 1 a runtime failure, or some of the work
# failed (files, feeds, deliveries) and the output says which; 2 a usage or config error.
PARTIAL_FAILURE = 1


class BadInput(click.ClickException):
    """Bad config or input: a clear message and exit code 2, never a traceback."""

    exit_code = 2


class Failed(click.ClickException):
    """A runtime failure: a clear message and exit code 1."""

    exit_code = 1


def fail(message: str, exit_code: int) -> click.ClickException:
    return BadInput(message) if exit_code == BadInput.exit_code else Failed(message)


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

    def require_database(self) -> None:
        """For commands that only read: a mistyped --db is said, not silently created
        (with its folders) as an empty database."""
        db = self.settings.db
        if not db.is_file():
            raise BadInput(
                f"no database at {db} (check --db or the config's `db`;"
                " `policy-monitor run` or `import` creates one)"
            )

    @property
    def db_for_messages(self) -> Path | None:
        """The database path as far as it is known (the config may not have loaded)."""
        return self._settings.db if self._settings is not None else self.db_path

    def require_secrets(self) -> None:
        """Refuse (exit code 2) when a secret the config names is not in the environment."""
        problems = missing_secrets(self.settings)
        if problems:
            raise BadInput(
                "the configuration names secrets this environment does not have:\n  "
                + "\n  ".join(problems)
            )

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
log = logging.getLogger("policy_monitor")
P = ParamSpec("P")
R = TypeVar("R")


def needs_database(
    command: Callable[Concatenate[AppContext, P], R],
) -> Callable[Concatenate[AppContext, P], R]:
    """Mark a command that only reads: it refuses to run where there is no database.
    Goes below @pass_app."""

    @functools.wraps(command)
    def checked(app: AppContext, /, *args: P.args, **kwargs: P.kwargs) -> R:
        app.require_database()
        return command(app, *args, **kwargs)

    return checked


class MonitorGroup(click.Group):
    """The top-level group: the operator's common mistakes (a file that is not a
    database, a read-only database or folder) end in one line and an exit code, never
    in a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DatabaseUnusable as exc:
            log.debug("the database cannot be used", exc_info=True)
            raise fail(exc.problem.message, exc.problem.exit_code) from None
        except sqlite3.Error as exc:
            log.debug("database error", exc_info=True)
            app = ctx.find_object(AppContext)
            path = app.db_for_messages if app is not None else None
            problem = describe_sqlite_error(path or Path("(unknown)"), exc)
            raise fail(problem.message, problem.exit_code) from None


def write_output(path: Path, data: bytes) -> None:
    """Write a command's --out file; a missing folder is a usage error, not a traceback."""
    try:
        path.write_bytes(data)
    except FileNotFoundError:
        raise BadInput(f"cannot write {path}: the folder {path.parent} does not exist") from None
    except OSError as exc:
        raise Failed(f"cannot write {path}: {exc.strerror or exc}") from None


def _emit(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=None))


@click.group(cls=MonitorGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
@click.option(
    "--log-level",
    type=click.Choice(LEVELS, case_sensitive=False),
    default="info",
    show_default=True,
    envvar="POLICY_MONITOR_LOG_LEVEL",
    help="Log this much to stderr (also $POLICY_MONITOR_LOG_LEVEL).",
)
@click.option(
    "--log-format",
    type=click.Choice(FORMATS, case_sensitive=False),
    default="text",
    show_default=True,
    envvar="POLICY_MONITOR_LOG_FORMAT",
    help="text, or json: one JSON object a line, for containers (also $POLICY_MONITOR_LOG_FORMAT).",
)
@click.pass_context
def cli(
    ctx: click.Context,
    config_path: Path | None,
    db_path: Path | None,
    log_level: str,
    log_format: str,
) -> None:
    """Watch news feeds and report, once and with evidence, when a ban or moratorium
    changes status.

    \b
    Example:
      policy-monitor --db monitor.db import seeds/ --json
    """
    configure_logging(log_level, log_format.lower())
    app = AppContext(config_path, db_path)
    ctx.obj = app
    ctx.call_on_close(app.close)


@cli.command("config")
@pass_app
def config_command(app: AppContext) -> None:
    """Check the configuration and print it, as loaded, as JSON. Exit code 2 if it is
    invalid, or names a secret (`secret_env`, `password_env`) the environment lacks.

    \b
    Example:
      policy-monitor --config deploy/config.compose.toml config
    """
    app.require_secrets()
    _emit(app.settings.model_dump(mode="json"))


def main() -> None:
    cli(prog_name="policy-monitor")
