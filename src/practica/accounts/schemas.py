"""Requests and responses of the accounts API (they type the OpenAPI schema the front end is built from)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints
from pydantic_core import PydanticCustomError

from practica.accounts.models import MemberRole, Role
from practica.accounts.names import link_problem
from practica.accounts.passwords import MIN_LENGTH, password_problem

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


class Account(BaseModel):
    """A user as the API shows them (read from the ``users`` row)."""

    id: int
    email: str
    display_name: str
    role: Role


class Me(Account):
    organizations: list[MyOrganization]
