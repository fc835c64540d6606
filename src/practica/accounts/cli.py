"""``practica user …``: accounts made and changed by an operator."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts import service
from practica.accounts.core import CoreServices
from practica.accounts.errors import AccountError
from practica.accounts.models import Role
from practica.accounts.schemas import SignupRequest
from practica.settings import PracticaSettings
from servicekit.cli import settings_or_exit

app = typer.Typer(help="Accounts: create users, change roles.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)
Work = Callable[[CoreServices, AsyncSession], Awaitable[None]]


def _fail(message: str) -> typer.Exit:
    errors.print(f"practica: {message}", highlight=False, markup=False, soft_wrap=True)
    return typer.Exit(1)


async def _in_transaction(settings: PracticaSettings, work: Work) -> None:
    """Run ``work`` in one transaction, with services of this command's own (as the web app builds its)."""
    services = CoreServices.start(settings, pool_size=1)
    try:
        async with services.database.transaction() as session:
            await work(services, session)
    finally:
        await services.close()


def default_display_name(email: str) -> str:
    """The address's local part, dots and the like made spaces (``ada.lovelace`` would read as a domain)."""
    local = email.strip().lower().split("@")[0]
    return " ".join(re.split(r"[._+-]+", local)).strip() or local


@app.command()
def create(
    email: Annotated[str, typer.Argument(help="The new user's email (confirmed at once).")],
    role: Annotated[Role, typer.Option(help="learner, author or admin.")] = Role.LEARNER,
    display_name: Annotated[str | None, typer.Option(help="Shown name (default: the email's local part).")] = None,
    password_stdin: Annotated[bool, typer.Option(help="Read the password from standard input.")] = False,
) -> None:
    """Create a confirmed account."""
    settings = settings_or_exit(PracticaSettings, "practica")
    password = sys.stdin.readline().rstrip("\n") if password_stdin else typer.prompt("Password", hide_input=True)
    try:
        request = SignupRequest(
            email=email, password=password, display_name=display_name or default_display_name(email)
        )
    except ValidationError as error:
        first = error.errors()[0]
        raise _fail(f"{first['loc'][0]}: {first['msg']}") from None

    async def work(_services: CoreServices, session: AsyncSession) -> None:
        if await service.user_by_email(session, request.email):
            raise AccountError(409, f"{request.email} already has an account")
        await service.create_user(session, request.email, request.password, request.display_name, role)

    try:
        asyncio.run(_in_transaction(settings, work))
    except AccountError as error:
        raise _fail(error.detail) from None
    console.print(f"[green]created {request.email} ({role.value})[/]")


@app.command("set-role")
def set_role_command(
    email: Annotated[str, typer.Argument(help="The user's email.")],
    role: Annotated[Role, typer.Argument(help="learner, author or admin.")],
) -> None:
    """Change a user's role."""
    settings = settings_or_exit(PracticaSettings, "practica")

    async def work(services: CoreServices, session: AsyncSession) -> None:
        user = await service.user_by_email(session, email.strip().lower())
        if user is None:
            raise AccountError(404, f"no user has the email {email}")
        await service.set_role(session, services.recent_sessions, user, role)

    try:
        asyncio.run(_in_transaction(settings, work))
    except AccountError as error:
        raise _fail(error.detail) from None
    console.print(f"[green]{email}: {role.value}[/]")
