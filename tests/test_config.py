"""Config: TOML + environment, unknown keys and bad values named, exit code 2."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.config import (
    AppriseConfig,
    ConfigError,
    DaemonConfig,
    DeliveryConfig,
    EmailConfig,
    FeedConfig,
    FetchConfig,
    PolicyConfig,
    Settings,
    WebConfig,
    WebhookConfig,
    load_settings,
)

EXAMPLE = Path(__file__).resolve().parent.parent / "deploy" / "config.example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_loads_and_lists_feeds() -> None:
    settings = load_settings(EXAMPLE)
    assert settings.feeds and all(f.url.startswith("https://") for f in settings.feeds)


def test_example_config_documents_every_key() -> None:
    """Every field of the model appears in deploy/config.example.toml (commented or set)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"{name} =" in text or f"[{name}]" in text or f"[[{name}]]" in text, name
    models = (
        DaemonConfig,
        FeedConfig,
        FetchConfig,
        PolicyConfig,
        DeliveryConfig,
        WebhookConfig,
        AppriseConfig,
        EmailConfig,
        WebConfig,
    )
    for model in models:
        for name, field in model.model_fields.items():
            key = field.alias or name
            assert f"{key} =" in text, f"{model.__name__}.{key} is not documented"


def test_no_config_gives_bundled_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("POLICY_MONITOR_CONFIG", raising=False)
    settings = load_settings(None)
    assert len(settings.feeds) >= 3
    assert {f.topic for f in settings.feeds} == {"facial-recognition"}
    assert settings.rules and settings.rules[0].name == "rules"


def test_durations_accept_units(tmp_path: Path) -> None:
    path = write(tmp_path, '[[feeds]]\nurl = "https://a.example/feed"\ninterval = "15m"\n')
    assert load_settings(path).feeds[0].interval == 900


def test_empty_feed_list_means_none(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path, "feeds = []\n")).feeds == []


def test_unknown_key_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, '[[feeds]]\nurl = "https://a.example/feed"\nintervall = 60\n')
    with pytest.raises(ConfigError, match=r"feeds\.0\.intervall: unknown key"):
        load_settings(path)


def test_bad_value_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, '[fetch]\ntimeout = "soon"\n')
    with pytest.raises(ConfigError, match=r"fetch\.timeout"):
        load_settings(path)


def test_bad_url_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, '[[feeds]]\nurl = "ftp://a.example/feed"\n')
    with pytest.raises(ConfigError, match=r"feeds\.0\.url"):
        load_settings(path)


def test_a_port_out_of_range_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, '[[feeds]]\nurl = "http://a.example:99999/feed"\n')
    with pytest.raises(ConfigError, match=r"feeds\.0\.url: .*Port out of range"):
        load_settings(path)


def test_invalid_toml_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "[[feeds]\n"))


def test_environment_overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "[fetch]\ntimeout = 5\nconcurrency = 3\n")
    monkeypatch.setenv("POLICY_MONITOR_FETCH__TIMEOUT", "9")
    monkeypatch.setenv("POLICY_MONITOR_DB", str(tmp_path / "env.db"))
    settings = load_settings(path)
    assert settings.fetch.timeout == 9
    assert settings.fetch.concurrency == 3  # the file still counts for other keys
    assert settings.db == tmp_path / "env.db"


def test_db_option_beats_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICY_MONITOR_DB", str(tmp_path / "env.db"))
    assert load_settings(write(tmp_path, ""), db=tmp_path / "cli.db").db == tmp_path / "cli.db"


def test_cli_exits_2_naming_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, "[fetch]\nmax_bytes = -1\nbogus = 1\n")
    result = CliRunner().invoke(cli, ["--config", str(path), "config"])
    assert result.exit_code == 2
    assert "fetch.max_bytes" in result.output and "fetch.bogus: unknown key" in result.output
    assert "Traceback" not in result.output


def test_missing_config_file_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "nope.toml"), "config"])
    assert result.exit_code == 2
    assert "config file not found" in result.output


def test_example_is_valid_toml() -> None:
    tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))


def test_a_webhook_needs_exactly_one_valid_secret(tmp_path: Path) -> None:
    both = write(
        tmp_path,
        '[[webhooks]]\nurl = "https://h.example/"\n'
        'secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"\nsecret_env = "X"\n',
    )
    with pytest.raises(ConfigError, match="exactly one of `secret` or `secret_env`"):
        load_settings(both)
    short = write(tmp_path, '[[webhooks]]\nurl = "https://h.example/"\nsecret = "whsec_c2hvcnQ="\n')
    with pytest.raises(ConfigError, match="at least 24 random bytes"):
        load_settings(short)


def test_email_schedule_and_change_kinds_are_checked(tmp_path: Path) -> None:
    bad = write(
        tmp_path,
        '[email]\nhost = "smtp.example"\nfrom = "a@example.org"\nto = ["b@example.org"]\n'
        'schedule = "hourly"\nchanges = ["banned"]\n',
    )
    with pytest.raises(ConfigError) as error:
        load_settings(bad)
    assert "email.schedule" in str(error.value) and "email.changes" in str(error.value)


SECRET_ENV_CONFIG = (
    'feeds = []\n[[webhooks]]\nurl = "https://h.example/"\nsecret_env = "PM_TEST_HOOK_SECRET"\n'
    '[email]\nhost = "smtp.example"\nfrom = "a@example.org"\nto = ["b@example.org"]\n'
    'password_env = "PM_TEST_SMTP_PASSWORD"\n'
)


def test_config_reports_secrets_missing_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, SECRET_ENV_CONFIG)
    monkeypatch.delenv("PM_TEST_HOOK_SECRET", raising=False)
    monkeypatch.delenv("PM_TEST_SMTP_PASSWORD", raising=False)
    result = CliRunner().invoke(cli, ["--config", str(path), "config"])
    assert result.exit_code == 2
    assert "webhooks.0.secret_env: environment variable PM_TEST_HOOK_SECRET is not set" in (
        result.stderr
    )
    assert "email.password_env: environment variable PM_TEST_SMTP_PASSWORD is not set" in (
        result.stderr
    )
    monkeypatch.setenv("PM_TEST_HOOK_SECRET", "not-a-secret")
    monkeypatch.setenv("PM_TEST_SMTP_PASSWORD", "hunter2")
    bad = CliRunner().invoke(cli, ["--config", str(path), "config"])
    assert bad.exit_code == 2 and "PM_TEST_HOOK_SECRET: a webhook secret is" in bad.stderr
    monkeypatch.setenv("PM_TEST_HOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    assert CliRunner().invoke(cli, ["--config", str(path), "config"]).exit_code == 0


@pytest.mark.parametrize("once", [["--once"], []], ids=["run --once", "run"])
def test_run_refuses_to_start_without_its_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, once: list[str]
) -> None:
    path = write(tmp_path, SECRET_ENV_CONFIG)
    monkeypatch.setenv("PM_TEST_SMTP_PASSWORD", "hunter2")
    monkeypatch.delenv("PM_TEST_HOOK_SECRET", raising=False)
    db = tmp_path / "m.db"
    result = CliRunner().invoke(cli, ["--config", str(path), "--db", str(db), "run", *once])
    assert result.exit_code == 2
    assert "PM_TEST_HOOK_SECRET is not set" in result.stderr
    assert not db.exists()  # refused before anything started


def test_the_daemon_listen_key_keeps_health_as_its_old_name(tmp_path: Path) -> None:
    for key in ("listen", "health"):
        path = write(tmp_path, f'[daemon]\n{key} = "127.0.0.1:8321"\n')
        assert load_settings(path).daemon.health_address() == ("127.0.0.1", 8321)


def test_web_base_url_makes_dashboard_links(tmp_path: Path) -> None:
    path = write(tmp_path, '[web]\nbase_url = "https://monitor.example.org/"\n')
    web = load_settings(path).web
    assert web.dashboard_url("/policy/3") == "https://monitor.example.org/policy/3"
    assert WebConfig().dashboard_url("/policy/3") is None
