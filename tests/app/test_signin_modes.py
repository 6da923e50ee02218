"""Sign-in modes without a browser: proxy trust, OIDC claims, their settings and secrets."""

from __future__ import annotations

import re
import stat
import tomllib
from pathlib import Path

import pytest
import streamlit as st
import yaml
from streamlit.testing.v1 import AppTest

from core.config import ConfigError, Settings, load_settings
from core.config.models import AuthSettings
from core.database import Database
from core.roles import Identity, NotSignedInError, oidc_identity, proxy_identity
from syncwatch.commands.dashboard import auth_options
from tests.app.apptest_helpers import APP, expected_titles, forbidden_scripts, menu

SECRET = "s3cret-from-the-proxy"
OIDC = {
    "issuer": "https://id.example.com/",
    "client_id": "syncwatch",
    "client_secret_env": "TEST_OIDC_CLIENT_SECRET",
    "redirect_uri": "https://syncwatch.example.com/oauth2callback",
    "cookie_secret_env": "TEST_OIDC_COOKIE_SECRET",
    "roles_claim": "groups",
}


def _proxy(**auth: object) -> AuthSettings:
    return AuthSettings.model_validate({"mode": "proxy", "roles": {"ada": ["admin"]}, **auth})


def _headers(secret: str | None = SECRET, user: str = "ada") -> dict[str, list[str]]:
    headers = {"X-Forwarded-User": [user]}
    return headers if secret is None else {**headers, "X-Syncwatch-Proxy-Secret": [secret]}


ADA = Identity("ada", frozenset({"admin"}), "proxy")


@pytest.mark.parametrize(
    ("networks", "peer", "trusted"),
    [
        (["127.0.0.1/32"], None, True),  # Streamlit reports no address for loopback
        (["::1/128"], None, True),
        (["10.0.0.0/8"], None, False),
        (["10.0.0.0/8"], "10.1.2.3", True),
        (["10.0.0.0/8"], "::ffff:10.1.2.3", True),  # a dual-stack listener's IPv4 peer
        (["10.0.0.0/8"], "192.0.2.7", False),
        (["10.0.0.0/8"], "not-an-address", False),
    ],
)
def test_the_header_is_believed_only_from_a_trusted_address(
    networks: list[str], peer: str | None, trusted: bool
) -> None:
    auth = _proxy(trusted_proxies=networks)
    if trusted:
        assert proxy_identity(_headers(None), peer, auth, None) == ADA
    else:
        with pytest.raises(NotSignedInError, match="does not come from the sign-in proxy"):
            proxy_identity(_headers(None), peer, auth, None)


@pytest.mark.parametrize(
    "headers",
    [
        _headers(None),
        _headers("s3cret-from-the-prox"),
        {**_headers(), "X-Syncwatch-Proxy-Secret": ["a-guess", SECRET]},
    ],
    ids=["missing", "wrong", "a copy beside the proxy's"],
)
def test_the_header_is_believed_only_with_the_shared_secret(
    headers: dict[str, list[str]],
) -> None:
    auth = _proxy(proxy_secret_env="PROXY_SECRET")
    lowered = {k.lower(): v for k, v in _headers().items()}
    assert proxy_identity(lowered, "203.0.113.9", auth, SECRET) == ADA
    with pytest.raises(NotSignedInError, match="did not come through the sign-in proxy"):
        proxy_identity(headers, "203.0.113.9", auth, SECRET)


def test_with_both_configured_both_must_hold_and_an_unset_secret_refuses_everyone() -> None:
    auth = _proxy(trusted_proxies=["127.0.0.1/32"], proxy_secret_env="PROXY_SECRET")
    assert proxy_identity(_headers(), None, auth, SECRET) == ADA
    with pytest.raises(NotSignedInError, match="does not come from"):
        proxy_identity(_headers(), "203.0.113.9", auth, SECRET)
    with pytest.raises(NotSignedInError, match="did not come through"):
        proxy_identity(_headers(None), None, auth, SECRET)
    with pytest.raises(NotSignedInError, match="PROXY_SECRET is not set"):
        proxy_identity(_headers(), None, auth, None)


def test_the_identity_header_must_name_one_person() -> None:
    auth = _proxy(proxy_secret_env="PROXY_SECRET")
    twice = {**_headers(), "X-Forwarded-User": ["ada", "eve"]}
    with pytest.raises(NotSignedInError, match="more than one X-Forwarded-User"):
        proxy_identity(twice, None, auth, SECRET)
    with pytest.raises(NotSignedInError, match="sent no X-Forwarded-User"):
        proxy_identity(_headers(user="  "), None, auth, SECRET)


def _write(path: Path, auth: dict[str, object]) -> Path:
    path.write_text(yaml.safe_dump({"auth": auth}), encoding="utf-8")
    return path


def test_proxy_mode_without_trust_is_refused_by_the_loader(tmp_path: Path) -> None:
    path = _write(tmp_path / "syncwatch.yaml", {"mode": "proxy"})
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: auth: proxy mode needs auth.trusted_proxies")
    assert "auth.proxy_secret_env" in message


@pytest.mark.parametrize(
    ("oidc", "problem"),
    [
        (None, "oidc mode needs the auth.oidc section"),
        ({**OIDC, "server_metadata_url": "https://id.example.com/meta"}, "exactly one of issuer"),
        ({**OIDC, "redirect_uri": "https://syncwatch.example.com/"}, "ending in /oauth2callback"),
    ],
)
def test_oidc_settings_are_checked(
    tmp_path: Path, oidc: dict[str, str] | None, problem: str
) -> None:
    auth: dict[str, object] = {"mode": "oidc"} if oidc is None else {"mode": "oidc", "oidc": oidc}
    with pytest.raises(ConfigError, match=problem):
        load_settings(_write(tmp_path / "syncwatch.yaml", auth))


def _oidc_auth(**roles: list[str]) -> AuthSettings:
    return AuthSettings.model_validate({"mode": "oidc", "oidc": OIDC, "roles": roles})


def test_oidc_roles_come_from_the_email_map_and_the_groups_claim() -> None:
    auth = _oidc_auth(**{"fiona@example.com": ["finance"], "revops-team": ["revops"]})
    assert auth.oidc is not None
    claims = {"sub": "u1", "email": "fiona@example.com", "groups": ["revops-team", "integration"]}
    assert oidc_identity(claims, auth, auth.oidc) == Identity(
        "fiona@example.com", frozenset({"finance", "revops", "integration"}), "oidc"
    )
    # A single group as a string; unknown names are ignored, never granted.
    assert oidc_identity({"sub": "u2", "groups": "boss"}, auth, auth.oidc).roles == frozenset()
    # An address the provider has not verified is not used to map roles.
    unverified = {"sub": "u3", "email": "fiona@example.com", "email_verified": False}
    assert oidc_identity(unverified, auth, auth.oidc) == Identity("u3", frozenset(), "oidc")
    with pytest.raises(NotSignedInError, match="no subject or e-mail"):
        oidc_identity({}, auth, auth.oidc)


def test_without_a_roles_claim_groups_grant_nothing() -> None:
    auth = AuthSettings.model_validate(
        {"mode": "oidc", "oidc": {**OIDC, "roles_claim": None}, "roles": {"admins": ["admin"]}}
    )
    assert auth.oidc is not None
    claims = {"sub": "u1", "email": "x@example.com", "groups": ["admins", "admin"]}
    assert oidc_identity(claims, auth, auth.oidc).roles == frozenset()


NASTY = 'a"b\\c\nd\x7fe\U0001f600f'


def test_oidc_secrets_go_to_a_private_streamlit_secrets_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_OIDC_CLIENT_SECRET", NASTY)
    monkeypatch.setenv("TEST_OIDC_COOKIE_SECRET", "c" * 32)
    settings = Settings(auth=_oidc_auth())
    options = auth_options(settings, tmp_path / "syncwatch.yaml", tmp_path)
    assert options[0] == "--secrets.files"
    path = Path(options[1])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert tomllib.loads(path.read_text(encoding="utf-8")) == {
        "auth": {
            "redirect_uri": "https://syncwatch.example.com/oauth2callback",
            "cookie_secret": "c" * 32,
            "client_id": "syncwatch",
            "client_secret": NASTY,
            "server_metadata_url": "https://id.example.com/.well-known/openid-configuration",
            "client_kwargs": {"scope": "openid email profile"},
        }
    }
    assert auth_options(Settings(), tmp_path / "syncwatch.yaml", tmp_path) == []


def test_missing_or_weak_sign_in_secrets_stop_the_dashboard_naming_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "syncwatch.yaml"
    monkeypatch.delenv("PROXY_SECRET", raising=False)
    proxy = Settings(auth=_proxy(proxy_secret_env="PROXY_SECRET"))
    with pytest.raises(
        ConfigError, match=rf"^{re.escape(str(config))}: auth\.proxy_secret_env: .*PROXY_SECRET"
    ):
        auth_options(proxy, config, tmp_path)
    monkeypatch.setenv("TEST_OIDC_COOKIE_SECRET", "too-short")
    monkeypatch.setenv("TEST_OIDC_CLIENT_SECRET", "x")
    with pytest.raises(ConfigError, match=r"auth\.oidc\.cookie_secret_env: .* at least 32"):
        auth_options(Settings(auth=_oidc_auth()), config, tmp_path)
    monkeypatch.delenv("TEST_OIDC_CLIENT_SECRET")
    monkeypatch.setenv("TEST_OIDC_COOKIE_SECRET", "c" * 32)
    with pytest.raises(ConfigError, match=r"auth\.oidc\.client_secret_env: environment variable"):
        auth_options(Settings(auth=_oidc_auth()), config, tmp_path)


def _oidc_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, roles: dict[str, list[str]]) -> None:
    config = _write(tmp_path / "syncwatch.yaml", {"mode": "oidc", "oidc": OIDC, "roles": roles})
    monkeypatch.setenv("SYNCWATCH_CONFIG", str(config))


def test_oidc_identity_is_what_every_page_checks_and_is_derived_every_run(
    app_env: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _oidc_app(tmp_path, monkeypatch, {"fiona@example.com": ["finance"]})
    at = AppTest.from_file(APP, default_timeout=60)
    at.user = {"is_logged_in": True, "sub": "u1", "email": "fiona@example.com"}
    at.run()
    assert menu(at) == expected_titles(["finance"])
    at.switch_page("app_pages/finance_close.py").run()
    assert not at.exception and not at.error
    assert [t.value for t in at.title] == ["Close readiness"]
    for script in forbidden_scripts(["finance"]):
        at.switch_page(script).run()
        assert [e.value for e in at.error] == ["Not allowed: your roles do not include this page."]
    # The mapping removed (the settings re-read): the same session loses the role at once.
    _oidc_app(tmp_path, monkeypatch, {})
    st.cache_resource.clear()
    at.switch_page("app_pages/finance_close.py").run()
    assert [e.value for e in at.error] == ["Not allowed: your roles do not include this page."]
    assert any("hold no role yet" in w.value for w in at.warning)
