"""An OpenID Connect provider stand-in for signing in to the dashboard end to end."""

from sandbox.oidc.provider import OidcClient, StandInUser, create_oidc_app

__all__ = ["OidcClient", "StandInUser", "create_oidc_app"]
