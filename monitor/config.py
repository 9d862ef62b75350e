"""Configuration: one pydantic-settings model, read from TOML and POLICY_MONITOR_* variables.

Loaded once by the CLI and passed explicitly; nothing else reads the environment.
Precedence, highest first: environment variables, the TOML file, the bundled defaults.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any

import platformdirs
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from monitor import resources

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


class FeedConfig(BaseModel):
    """One `[[feeds]]` table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    interval: Seconds | None = None
    topic: str | None = None
    title: str | None = None

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not re.match(r"^https?://[^/\s]+", url):
            raise ValueError(f"{url!r} is not an http(s) URL")
        return url.strip()


class FetchConfig(BaseModel):
    """The `[fetch]` table: how feeds are polled."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default_interval: Seconds = 1800.0
    timeout: Seconds = 20.0
    max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    max_redirects: int = Field(default=5, ge=0)
    concurrency: int = Field(default=32, gt=0)
    per_host: int = Field(default=2, gt=0)
    max_backoff: Seconds = 86400.0
    parse_workers: int = Field(default=0, ge=0)
    user_agent: str = "policy-monitor/0.1 (+https://github.com/policy-monitor/policy-monitor)"


class PolicyConfig(BaseModel):
    """The `[policy]` table: how changes are judged and swept."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reminder_horizon: Seconds = 30 * 86400.0
    min_confidence: float = Field(default=0.0, ge=0, le=1)


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
