"""Admin: the configuration in effect, with secrets masked."""

from __future__ import annotations

import streamlit as st

from app.components import help_line
from app.configview import masked_settings
from app.runtime import runtime
from app.session import page_guard


def main() -> None:
    """Draw the effective configuration."""
    page_guard("admin")
    rt = runtime()
    st.title("Configuration")
    help_line("Defaults merged with the config file. Secrets come from the environment: masked.")
    st.markdown(f"Store: `{rt.database.display_url}` · auth mode: `{rt.settings.auth.mode}`")
    st.json(masked_settings(rt.settings))


main()
