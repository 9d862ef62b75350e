"""Files that ship with the package: the default config, the rules and the seed articles.

In a source checkout they live at the top level (rules/, seeds/); in a wheel they are
copied under monitor/_bundled/ (see pyproject.toml), so look there first.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    inside = _PACKAGE / "_bundled" / name
    return inside if inside.is_dir() else _PACKAGE.parent / name


def rules_dir() -> Path:
    return _bundled("rules")


def seeds_dir() -> Path:
    return _bundled("seeds")


def default_config_path() -> Path:
    return _PACKAGE / "default_config.toml"


def default_config_text() -> str:
    return default_config_path().read_text(encoding="utf-8")
