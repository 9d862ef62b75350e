"""Configuration: one pydantic-settings model, read from TOML and POLICY_MONITOR_* variables.

Loaded once by the CLI and passed explicitly; nothing else reads the environment.
Precedence, highest first: environment variables, the TOML file, the bundled defaults.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import platformdirs
from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from monitor import resources
from monitor.policy import CHANGES

ENV_PREFIX = "POLICY_MONITOR_"
CONFIG_ENV = ENV_PREFIX + "CONFIG"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class ConfigError(Exception):
    """A config file or variable that cannot be used; the message names the key."""


def parse_duration(value: object) -> object:
    """Accept seconds as a number or a string such as "90s", "15m", "2h", "1d"."""
    if isinstance(value, str):
        match = _DURATION.match(value)
        if not match:
            raise ValueError(f"{value!r} is not a duration such as 90, '90s', '15m', '2h', '1d'")
        return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    return value


Seconds = Annotated[float, BeforeValidator(parse_duration), Field(gt=0)]
# A limit that 0 turns off.
SecondsOrZero = Annotated[float, BeforeValidator(parse_duration), Field(ge=0)]


def check_http_url(url: str) -> str:
    if not re.match(r"^https?://[^/\s]+", url):
        raise ValueError(f"{url!r} is not an http(s) URL")
    try:
        urlsplit(url.strip()).port  # noqa: B018 - raises ValueError for port 99999
    except ValueError as exc:
        raise ValueError(f"{url!r} is not a valid URL: {exc}") from None
    return url.strip()


HttpUrl = Annotated[str, AfterValidator(check_http_url)]


class FeedConfig(BaseModel):
    """One `[[feeds]]` table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: HttpUrl
    interval: Seconds | None = None
    topic: str | None = None
    title: str | None = None


class FetchConfig(BaseModel):
    """The `[fetch]` table: how feeds are polled."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default_interval: Seconds = 1800.0
    timeout: Seconds = 20.0
    max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    # Bytes of feed bodies held in memory at once, over all feeds in flight (see body.py).
    max_bytes_in_flight: int = Field(default=128 * 1024 * 1024, gt=0)
    max_redirects: int = Field(default=5, ge=0)
    concurrency: int = Field(default=32, gt=0)
    per_host: int = Field(default=2, gt=0)
    max_backoff: Seconds = 86400.0
    parse_workers: int = Field(default=0, ge=0)
    # Feeds and redirects may point at loopback and private networks (fine for a monitor
    # on one's own machine). False refuses them: a feed cannot make the monitor probe
    # the local network or a cloud metadata address.
    allow_private: bool = True
    # Fetch the page a feed item links to (when it passes the rules' keyword prefilter)
    # and evaluate its main text instead of the feed's summary.
    full_text: bool = True
    user_agent: str = "policy-monitor/0.1 (+https://github.com/policy-monitor/policy-monitor)"


class PolicyConfig(BaseModel):
    """The `[policy]` table: how changes are judged and swept."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reminder_horizon: Seconds = 30 * 86400.0
    min_confidence: float = Field(default=0.0, ge=0, le=1)


class ChannelFilter(BaseModel):
    """Which changes a channel wants; an empty list means all."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    topics: list[str] = []
    subjects: list[str] = []
    changes: list[str] = []
    min_confidence: float = Field(default=0.0, ge=0, le=1)

    @field_validator("changes")
    @classmethod
    def _known_changes(cls, kinds: list[str]) -> list[str]:
        unknown = sorted(set(kinds) - set(CHANGES))
        if unknown:
            raise ValueError(f"unknown change kinds {unknown}; known: {', '.join(CHANGES)}")
        return kinds


class WebhookConfig(ChannelFilter):
    """One `[[webhooks]]` table: a receiver of signed CloudEvents, one change a request."""

    name: str | None = None
    url: HttpUrl
    secret: str | None = None
    secret_env: str | None = None

    @model_validator(mode="after")
    def _one_secret(self) -> WebhookConfig:
        if (self.secret is None) == (self.secret_env is None):
            raise ValueError("give exactly one of `secret` or `secret_env`")
        if self.secret is not None:
            check_webhook_secret(self.secret)
        return self

    @property
    def channel(self) -> str:
        return f"webhook:{self.name or self.url}"

    def resolve_secret(self) -> str:
        """The whsec_ secret, read from the environment if so configured."""
        value = self.secret if self.secret is not None else os.environ.get(self.secret_env or "")
        if not value:
            raise ConfigError(
                f"webhook {self.channel}: environment variable {self.secret_env} is empty"
            )
        try:
            return check_webhook_secret(value)
        except ValueError as exc:
            raise ConfigError(f"webhook {self.channel}: {exc}") from None


class AppriseConfig(ChannelFilter):
    """One `[[apprise]]` table: any Apprise URL as a channel (needs the `apprise` extra)."""

    name: str | None = None
    url: str

    @property
    def channel(self) -> str:
        return f"apprise:{self.name or self.url.split('://')[0]}"


class EmailConfig(ChannelFilter):
    """The `[email]` table: digests by SMTP."""

    host: str
    port: int = Field(default=587, gt=0, lt=65536)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    user: str | None = None
    password_env: str | None = None
    sender: str = Field(alias="from")
    to: list[str] = Field(min_length=1)
    schedule: str = "daily 08:00"
    timeout: Seconds = 30.0

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        if not _SCHEDULE.match(value.strip().lower()):
            raise ValueError(
                f"{value!r} is not a schedule such as 'daily 08:00', 'weekly mon 08:00'"
                " or 'every 6h'"
            )
        return value.strip().lower()

    @property
    def channel(self) -> str:
        return "email:digest"

    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.password_env else None


_SCHEDULE = re.compile(
    r"^(?:(?:daily|weekly\s+(?:mon|tue|wed|thu|fri|sat|sun))\s+([01]\d|2[0-3]):[0-5]\d"
    r"|every\s+\d+(?:\.\d+)?[smhd])$"
)
_CLOCK_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def check_webhook_secret(secret: str) -> str:
    """A Standard Webhooks secret: "whsec_" and base64 of at least 24 random bytes."""
    body = secret.removeprefix("whsec_")
    try:
        raw = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a webhook secret is 'whsec_' followed by base64") from None
    if len(raw) < 24:
        raise ValueError("a webhook secret needs at least 24 random bytes (32 recommended)")
    return secret


class DeliveryConfig(BaseModel):
    """The `[delivery]` table: how the outbox retries."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_attempts: int = Field(default=8, gt=0)
    backoff_initial: Seconds = 30.0
    backoff_max: Seconds = 6 * 3600.0
    timeout: Seconds = 10.0
    source: str = "urn:policy-monitor"
    # A change whose report is older than this is recorded in the timeline but not sent:
    # a backlog import, or a feed's first poll of months-old items, is history, not news.
    max_age: SecondsOrZero = 14 * 86400.0


class DaemonConfig(BaseModel):
    """The `[daemon]` table: how `policy-monitor run` schedules the stages."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tick: Seconds = 60.0
    evaluate_every: Seconds = 60.0
    deliver_every: Seconds = 30.0
    sweep_at: str = "00:10"
    poll_jitter: float = Field(default=0.1, ge=0, le=1)
    shutdown_grace: Seconds = 30.0
    # `listen` serves /healthz, /metrics, /changes.atom and the dashboard; `health` is its
    # older name, still read so existing configs keep working.
    listen: str | None = Field(default=None, validation_alias=AliasChoices("listen", "health"))
    import_seeds: bool = True

    @field_validator("sweep_at")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not _CLOCK_TIME.match(value.strip()):
            raise ValueError(f"{value!r} is not a time of day such as '00:10'")
        return value.strip()

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str | None) -> str | None:
        if value is not None:
            check_host_port(value)
        return value

    def health_address(self) -> tuple[str, int] | None:
        """Where the daemon serves /healthz, /metrics and the dashboard, if anywhere."""
        return None if self.listen is None else split_host_port(self.listen)


class WebConfig(BaseModel):
    """The `[web]` table: the read-only dashboard (`policy-monitor web`, and the daemon's
    `listen` address)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bind: str = "127.0.0.1:8322"
    # Where people reach the dashboard; digests link each change to its policy's page.
    base_url: HttpUrl | None = None

    @field_validator("bind")
    @classmethod
    def _host_port(cls, value: str) -> str:
        check_host_port(value)
        return value

    def dashboard_url(self, path: str) -> str | None:
        if self.base_url is None:
            return None
        return str(self.base_url).rstrip("/") + path


def check_host_port(value: str) -> None:
    if not re.match(r"^[\w.:\[\]-]+:\d{1,5}$", value):
        raise ValueError(f"{value!r} is not host:port, e.g. '127.0.0.1:8321'")


def split_host_port(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    return host.strip("[]"), int(port)


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir("policy-monitor")) / "monitor.db"


def _default_feeds() -> list[FeedConfig]:
    data = tomllib.loads(resources.default_config_text())
    return [FeedConfig(**feed) for feed in data["feeds"]]


class Settings(BaseSettings):
    """The whole configuration. Every key is documented in deploy/config.example.toml."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    db: Path = Field(default_factory=default_db_path)
    rules: list[Path] = Field(default_factory=lambda: [resources.rules_dir()])
    feeds: list[FeedConfig] = Field(default_factory=_default_feeds)
    fetch: FetchConfig = FetchConfig()
    policy: PolicyConfig = PolicyConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    daemon: DaemonConfig = DaemonConfig()
    web: WebConfig = WebConfig()
    webhooks: list[WebhookConfig] = []
    apprise: list[AppriseConfig] = []
    email: EmailConfig | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The TOML file arrives as init values; the environment overrides it.
        return (env_settings, init_settings)


def find_config_path(explicit: Path | None) -> Path | None:
    """The config file to read: --config, then $POLICY_MONITOR_CONFIG, then the user's."""
    if explicit is not None:
        return explicit
    from_env = os.environ.get(CONFIG_ENV)
    if from_env:
        return Path(from_env)
    user_file = Path(platformdirs.user_config_dir("policy-monitor")) / "config.toml"
    return user_file if user_file.is_file() else None


def _describe(error: ValidationError, origin: str) -> str:
    lines = [f"invalid configuration in {origin}:"]
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            lines.append(f"  {key}: unknown key")
        else:
            lines.append(f"  {key}: {item['msg']} (got {item.get('input')!r})")
    return "\n".join(lines)


def missing_secrets(settings: Settings) -> list[str]:
    """The secrets the config says to read from the environment that are not there (or
    not valid), each naming its key. Checked by `config` and before `run`: loading does
    not need them, but without them every delivery fails until it is dead-lettered."""
    problems = []
    for index, hook in enumerate(settings.webhooks):
        if hook.secret_env is None:
            continue
        key = f"webhooks.{index}.secret_env"
        value = os.environ.get(hook.secret_env)
        if not value:
            problems.append(f"{key}: environment variable {hook.secret_env} is not set")
            continue
        try:
            check_webhook_secret(value)
        except ValueError as exc:
            problems.append(f"{key}: environment variable {hook.secret_env}: {exc}")
    email = settings.email
    if email is not None and email.password_env and not os.environ.get(email.password_env):
        problems.append(f"email.password_env: environment variable {email.password_env} is not set")
    return problems


def load_settings(path: Path | None = None, db: Path | None = None) -> Settings:
    """Read the config file (if any) and the environment; raise ConfigError naming the key."""
    config_path = find_config_path(path)
    data: dict[str, Any] = {}
    origin = "the environment"
    if config_path is not None:
        origin = str(config_path)
        try:
            data = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {config_path}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read config file {config_path}: {exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {config_path} is not valid TOML: {exc}") from None
    if db is not None:
        data["db"] = db
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, origin)) from None
    if db is not None and settings.db != db:
        # --db on the command line beats the environment too.
        settings = settings.model_copy(update={"db": db})
    return settings
