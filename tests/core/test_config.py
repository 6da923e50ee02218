"""Config files are validated strictly and every problem is named by file, field and cause."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from core.config import ConfigError, load_settings

STRIPE = """
sources:
  stripe:
    type: stripe
    base_url: http://127.0.0.1:8702
    api_key_env: {env}
    poll_interval: {interval}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "syncwatch.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    return str(info.value)


def test_valid_file_with_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_STRIPE_KEY", "sk_test_x")
    settings = load_settings(write(tmp_path, STRIPE.format(env="TEST_STRIPE_KEY", interval="90s")))
    stripe = settings.sources["stripe"]
    assert stripe.type == "stripe"
    assert stripe.poll_interval == timedelta(seconds=90)
    flows = settings.flow_settings()
    assert flows["invoice_billing_to_erp"].sla == timedelta(hours=1)
    assert flows["amendment_crm_to_billing"].sla == timedelta(hours=4)
    assert flows["account_crm_to_erp"].sla == timedelta(hours=24)


def test_negative_poll_interval(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_STRIPE_KEY", "sk_test_x")
    path = write(tmp_path, STRIPE.format(env="TEST_STRIPE_KEY", interval="-5"))
    assert error_of(path) == (
        f"{path}: sources.stripe.poll_interval: must be a positive duration (got -5)"
    )


def test_poll_interval_beyond_ten_years(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_STRIPE_KEY", "sk_test_x")
    path = write(tmp_path, STRIPE.format(env="TEST_STRIPE_KEY", interval="99999999999d"))
    assert error_of(path) == (
        f"{path}: sources.stripe.poll_interval: must be at most 3650d (ten years) "
        "(got '99999999999d')"
    )


def test_unknown_flow_is_named_by_its_key(tmp_path: Path) -> None:
    path = write(tmp_path, "flows:\n  lead_to_cash:\n    sla: 2h\n")
    assert error_of(path).startswith(f"{path}: flows.lead_to_cash: input should be ")


def test_bad_type(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_STRIPE_KEY", "sk_test_x")
    path = write(tmp_path, STRIPE.format(env="TEST_STRIPE_KEY", interval="often"))
    assert error_of(path) == (
        f"{path}: sources.stripe.poll_interval: must be a duration such as 90s, 5m, 24h or 7d "
        "(got 'often')"
    )


def test_unknown_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_STRIPE_KEY", "sk_test_x")
    text = STRIPE.format(env="TEST_STRIPE_KEY", interval="5m") + "    pol_interval: 5m\n"
    path = write(tmp_path, text)
    assert error_of(path) == f"{path}: sources.stripe.pol_interval: unknown key"


def test_unknown_top_level_section(tmp_path: Path) -> None:
    path = write(tmp_path, "timezone: UTC\nsorces: {}\n")
    assert error_of(path) == f"{path}: sorces: unknown key"


def test_missing_secret_env_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_MISSING_KEY", raising=False)
    path = write(tmp_path, STRIPE.format(env="TEST_MISSING_KEY", interval="5m"))
    assert error_of(path) == (
        f"{path}: sources.stripe.api_key_env: environment variable TEST_MISSING_KEY is not set "
        "(export it, or name another variable)"
    )


def test_unknown_source_type(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  crm:\n    type: hubspot\n")
    message = error_of(path)
    assert message.startswith(f"{path}: sources.crm: unknown type 'hubspot' (expected ")


def test_bad_rule_names_the_rule(tmp_path: Path) -> None:
    text = (
        "alerts:\n  rules:\n"
        "    - {name: invoice-failures, metric: posting_failures, route: '#fin', threshold: lots}\n"
    )
    path = write(tmp_path, text)
    assert error_of(path).startswith(f"{path}: alerts.rules[invoice-failures].threshold: ")


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("timezone: Mars/Olympus\n", "timezone"),
        ("fx:\n  schedule_timezone: Mars/Olympus\n", "fx.schedule_timezone"),
    ],
)
def test_bad_timezone(tmp_path: Path, text: str, field: str) -> None:
    path = write(tmp_path, text)
    assert error_of(path) == f"{path}: {field}: unknown time zone 'Mars/Olympus'"


def test_invalid_yaml_names_line(tmp_path: Path) -> None:
    path = write(tmp_path, "timezone: [UTC\n")
    assert error_of(path).startswith(f"{path}:2:1: invalid YAML: ")


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    assert "config file not found" in error_of(path)


def test_cli_exits_2_with_one_line_and_no_traceback(tmp_path: Path, repo_root: Path) -> None:
    path = write(tmp_path, STRIPE.format(env="TEST_STRIPE_KEY", interval="-5"))
    result = subprocess.run(
        [sys.executable, "-m", "syncwatch", "--config", str(path), "config", "check"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "TEST_STRIPE_KEY": "sk_test_x"},
        cwd=repo_root,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"error: {path}: sources.stripe.poll_interval: must be a positive duration (got -5)"
    ]


def test_examples_are_valid(repo_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_settings(repo_root / "examples" / "demo.yaml")
    for name in (
        "SF_CLIENT_ID",
        "SF_JWT_PRIVATE_KEY",
        "STRIPE_API_KEY",
        "NETSUITE_ACCESS_TOKEN",
        "ZENDESK_API_TOKEN",
    ):
        monkeypatch.setenv(name, "x")
    settings = load_settings(repo_root / "examples" / "production.yaml")
    assert settings.flow_settings()["invoice_billing_to_erp"].sla == timedelta(hours=2)
