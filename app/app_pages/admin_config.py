"""Admin: is every source healthy, and which configuration is in effect (secrets never shown)?"""

from __future__ import annotations

from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from app import actions
from app.components import help_line
from app.configview import as_yaml, digest, masked_settings, secret_variables, setting_title
from app.filters import current_window, wall_clock
from app.queries import admin
from app.queries.core import RANGES, Frame
from app.runtime import runtime
from app.session import page_guard
from app.views import Reading, missing, page_reading, text_column, when, words
from core.display import MISSING, count, system_title
from core.roles import Identity

_VIEWED = "admin.config.viewed"
_SIGN_IN = {
    "local": "local users with passwords",
    "proxy": "a trusted sign-in proxy",
    "oidc": "OpenID Connect",
}


def _source_row(
    name: str, row: dict[str, Any] | None, enabled: bool, reading: Reading
) -> dict[str, str]:
    """One source in words; a configured source not polled yet has no figures."""
    if row is None:
        health = "Not polled yet" if enabled else "Disabled"
        return {"source": system_title(name), "health": health, "reason": MISSING,
                "last_success": MISSING, "records": MISSING, "quarantined": MISSING}  # fmt: skip
    healthy = not missing(row["healthy"]) and bool(row["healthy"])
    last = row["last_success_at"]
    return {
        "source": system_title(name),
        "health": ("Healthy" if healthy else "Failing") if enabled else "Disabled",
        "reason": MISSING if healthy else words(row["reason"]),
        "last_success": "never" if missing(last) else when(last, reading),
        "records": count(row["records"]),
        "quarantined": count(row["quarantined"]),
    }


def _sources(frame: Frame, reading: Reading, span: str) -> None:
    """Each configured or polled source: health in words, why, freshness, records, quarantine."""
    enabled = {name: source.enabled for name, source in reading.sources.items()}
    polled = {str(r["source"]): r for r in frame.to_dict("records")}
    names = sorted(set(enabled) | set(polled))
    if not names:
        st.info("No source is configured or has been polled yet.")
        return
    rows = [_source_row(n, polled.get(n), enabled.get(n, True), reading) for n in names]
    config = {
        "source": text_column("Source", width="small"),
        "health": text_column("Health", width="small"),
        "reason": text_column("Why not healthy", width="medium"),
        "last_success": text_column(
            "Last successful poll", "In the configured time zone, as of the latest compute."
        ),
        "records": text_column(
            "Records collected", f"Records the source's polls collected in the {span}."
        ),
        "quarantined": text_column(
            "Quarantined", "Records held back as unreadable, kept with the reason."
        ),
    }
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config=config)


def _effective(identity: Identity) -> None:
    """The configuration in effect, and where each secret is read from; the view is audited."""
    rt = runtime()
    masked = masked_settings(rt.settings)
    fingerprint = digest(masked)
    # One audit entry per person, session and configuration: reruns of the page add nothing.
    if st.session_state.get(_VIEWED) != fingerprint:
        actions.record_config_view(identity, fingerprint, wall_clock())
        st.session_state[_VIEWED] = fingerprint
    mode = rt.settings.auth.mode
    st.markdown(f"Store: `{rt.database.display_url}` · sign-in: {_SIGN_IN.get(mode, mode)}")
    left, right = st.columns([3, 2])
    with left:
        st.markdown("**Settings**")
        st.code(as_yaml(masked), language="yaml", height=420)
    with right:
        st.markdown("**Secrets, read from these environment variables**")
        variables = [(setting_title(path), name) for path, name in secret_variables(masked)]
        st.dataframe(
            pd.DataFrame(variables, columns=["setting", "variable"]),
            hide_index=True, width="stretch",
            column_config={"setting": text_column("Setting"), "variable": text_column("Variable")},
        )  # fmt: skip
        help_line("Their values are never stored in the configuration, shown or logged.")


def main() -> None:
    """Draw the sources' health and the effective configuration."""
    identity = page_guard("admin")
    window = current_window(identity)
    reading = page_reading(window)
    st.title("Configuration")
    span = next((name for name, length in RANGES.items() if length == window.span), "window")
    st.subheader("Sources")
    _sources(admin.sources(identity, window), reading, f"last {span}")
    help_line("Health as of the latest compute: a source fails when its last poll failed.")
    st.subheader("Effective configuration")
    help_line(
        "Defaults merged with the configuration file. Viewing it is recorded in the audit log."
    )
    _effective(identity)


main()
