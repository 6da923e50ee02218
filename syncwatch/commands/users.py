"""``syncwatch users``: add, list and disable the dashboard's local users."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from core import users as store
from core.roles import ROLES
from syncwatch.commands.common import context_of, err, labelled, out

app = typer.Typer(help="Manage the dashboard's local users.", no_args_is_help=True)

CLI_ACTOR = "cli"


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The user name to sign in with.")],
    role: Annotated[
        list[str],
        typer.Option("--role", "-r", help=f"A role to grant (repeat): {', '.join(ROLES)}."),
    ],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    email: Annotated[
        str | None,
        typer.Option(help="Their e-mail address, as in their Slack profile (links Slack clicks)."),
    ] = None,
) -> None:
    """Add a user (or replace its password and roles); the password is never echoed."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    context = context_of(ctx)
    with context.database().connection() as conn:
        try:
            store.add_user(
                conn, name, password, role, actor=CLI_ACTOR, at=context.clock.now(), email=email
            )
        except store.UserError as exc:
            err.print(labelled("error:", str(exc)))
            raise typer.Exit(2) from None
    out.print(f"user {name} saved with roles: {', '.join(sorted(set(role)))}")


@app.command("list")
def list_users(ctx: typer.Context) -> None:
    """List the local users and their roles."""
    with context_of(ctx).database().connection() as conn:
        rows = store.list_users(conn)
    table = Table("name", "roles", "e-mail", "disabled", "failed sign-ins", "created")
    for row in rows:
        table.add_row(
            row.name, ", ".join(row.roles), row.email or "—", "yes" if row.disabled else "no",
            str(row.failed_logins), row.created_at.isoformat(timespec="seconds"),
        )  # fmt: skip
    out.print(table)


@app.command("email")
def set_email(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The user.")],
    address: Annotated[
        str, typer.Argument(help='Their e-mail address as in Slack; empty ("") clears it.')
    ],
) -> None:
    """Set a user's e-mail address: their clicks on Slack's alert buttons act as them."""
    context = context_of(ctx)
    with context.database().connection() as conn:
        try:
            store.set_email(conn, name, address, actor=CLI_ACTOR, at=context.clock.now())
        except store.UserError as exc:
            err.print(labelled("error:", str(exc)))
            raise typer.Exit(2) from None
    out.print(f"user {name}: e-mail address {address.strip() or 'cleared'}")


@app.command("disable")
def disable(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The user to disable.")],
    enable: Annotated[bool, typer.Option("--enable", help="Re-enable instead.")] = False,
) -> None:
    """Disable a user (their open sessions lose access at their next page view)."""
    context = context_of(ctx)
    with context.database().connection() as conn:
        try:
            store.set_disabled(conn, name, not enable, actor=CLI_ACTOR, at=context.clock.now())
        except store.UserError as exc:
            err.print(labelled("error:", str(exc)))
            raise typer.Exit(2) from None
    out.print(f"user {name} {'enabled' if enable else 'disabled'}")
