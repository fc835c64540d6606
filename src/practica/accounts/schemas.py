"""Requests and responses of the accounts API (they type the OpenAPI schema the front end is built from)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints
from pydantic_core import PydanticCustomError

from practica.accounts.models import MemberRole, Role
from practica.accounts.names import link_problem
from practica.accounts.passwords import MIN_LENGTH, password_problem
from practica.db.paging import Page

_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


def normalise_email(value: str) -> str:
    """Strip and lower-case, then a simple shape check (one ``@``, a dotted domain, no spaces)."""
    value = value.strip().lower()
    if not _EMAIL.match(value):
        raise ValueError("is not an email address")
    return value


def strong_password(value: str) -> str:
    """Long enough and not a common password (:func:`practica.accounts.passwords.password_problem`)."""
    if problem := password_problem(value):
        raise PydanticCustomError("weak_password", problem)
    return value


def plain_name(field: str) -> AfterValidator:
    """A name that may go into mail: nothing a mail program would turn into a link (:mod:`practica.accounts.names`)."""

    def check(value: str) -> str:
        if problem := link_problem(value, field):
            raise PydanticCustomError("linklike_name", problem)
        return value

    return AfterValidator(check)


Email = Annotated[str, Field(max_length=254, examples=["ada@example.org"]), AfterValidator(normalise_email)]
NewPassword = Annotated[
    str,
    Field(
        max_length=1024,
        json_schema_extra={"minLength": MIN_LENGTH},
        description=f"At least {MIN_LENGTH} characters, and not one of the 20,000 most common passwords.",
    ),
    AfterValidator(strong_password),
]
DisplayName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    Field(description="Shown to others and in mail: no web addresses (`://`, `www.`, `example.org`)."),
    plain_name("Display name"),
]
Token = Annotated[str, Field(min_length=1, max_length=200)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="Lower-case letters, digits, dashes.")]


class Message(BaseModel):
    message: str


class Problem(BaseModel):
    detail: str


class TooManyRequests(BaseModel):
    detail: str
    retry_after: int = Field(description="Seconds to wait (also in the Retry-After header).")


class SignupRequest(BaseModel):
    email: Email
    password: NewPassword
    display_name: DisplayName


class ConfirmRequest(BaseModel):
    token: Token


class SigninRequest(BaseModel):
    email: Email
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class ResetRequestRequest(BaseModel):
    email: Email


class ResetRequest(BaseModel):
    token: Token
    password: NewPassword


class MyOrganization(BaseModel):
    slug: str
    name: str
    role: MemberRole


class Me(BaseModel):
    id: int
    email: str
    display_name: str
    role: Role
    organizations: list[MyOrganization]


class OrganizationCreate(BaseModel):
    slug: Slug
    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), plain_name("Organisation name")
    ]


class OrganizationOut(BaseModel):
    slug: str
    name: str


class MemberOut(BaseModel):
    user_id: int
    email: str
    display_name: str
    role: MemberRole


class OrganizationDetail(BaseModel):
    slug: str
    name: str
    members: list[MemberOut]


class InvitationCreate(BaseModel):
    email: Email | None = Field(None, description="Mail the invitation to this address; omitted: a shareable link.")
    role: MemberRole = MemberRole.MEMBER


class InvitationCreated(BaseModel):
    id: int
    link: str
    email: str | None
    expires_at: datetime


class Inviter(BaseModel):
    user_id: int
    email: str
    display_name: str


class PendingInvitation(BaseModel):
    id: int
    email: str | None = Field(description="The address it was mailed to; null: a shareable link.")
    role: MemberRole
    created_at: datetime
    expires_at: datetime
    inviter: Inviter | None = Field(description="Who made it; null when that account was deleted since.")


class AdminUser(BaseModel):
    id: int
    email: str
    display_name: str
    role: Role
    confirmed: bool
    organizations: list[str]
    created_at: datetime


class UserPage(Page[AdminUser, int]):
    """Users by id; ``next_after`` is the last one's id."""


class RoleChange(BaseModel):
    role: Role
