"""The deploy files agree with the code: configs load, paths exist, the unit restarts."""

from __future__ import annotations

import configparser
from pathlib import Path

import yaml

from monitor.config import load_settings

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def test_the_compose_config_loads_and_mails_the_catcher() -> None:
    settings = load_settings(DEPLOY / "config.compose.toml")
    assert settings.email is not None and settings.email.host == "mailpit"
    assert settings.daemon.health_address() == ("0.0.0.0", 8321)


def test_compose_runs_the_daemon_and_a_mail_catcher() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
    assert set(compose["services"]) == {"monitor", "mailpit"}
    monitor = compose["services"]["monitor"]
    assert monitor["build"]["dockerfile"] == "deploy/Dockerfile"
    assert any(v.startswith("monitor-data:/data") for v in monitor["volumes"])


def test_the_dockerfile_runs_as_a_user_with_a_data_volume() -> None:
    lines = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").splitlines()
    assert "USER monitor" in lines and 'VOLUME ["/data"]' in lines
    root = DEPLOY.parent
    for line in lines:
        if line.startswith("COPY ") and "--from" not in line:
            for source in line.split()[1:-1]:
                assert (root / source).exists(), source


def test_the_systemd_unit_restarts_on_failure() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(DEPLOY / "policy-monitor.service", encoding="utf-8")
    assert unit["Service"]["Restart"] == "on-failure"
    assert unit["Service"]["ExecStart"].endswith(" run")
    assert unit["Service"]["User"] == "policy-monitor"
