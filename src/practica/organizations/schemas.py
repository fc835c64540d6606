"""Requests and responses of the organisations' API (they type the OpenAPI schema the front end is built from)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from practica.accounts.models import MemberRole
from practica.accounts.schemas import Email, plain_name
from practica.ids import UserId

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="Lower-case letters, digits, dashes.")]


class OrganizationCreate(BaseModel):
    slug: Slug
    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), plain_name("Organisation name")
    ]


class OrganizationOut(BaseModel):
    slug: str
    name: str


class MemberOut(BaseModel):
    user_id: UserId
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
    user_id: UserId
    email: str
    display_name: str


class PendingInvitation(BaseModel):
    id: int
    email: str | None = Field(description="The address it was mailed to; null: a shareable link.")
    role: MemberRole
    created_at: datetime
    expires_at: datetime
    inviter: Inviter | None = Field(description="Who made it; null when that account was deleted since.")


class InvitationInfo(BaseModel):
    """What the invitation page shows before joining: whose organisation, as what, from whom."""

    organization: str = Field(description="The organisation's name.")
    role: MemberRole
    inviter: str | None = Field(description="The display name of who invited; null when that account is gone.")
    expires_at: datetime
    for_another_address: bool = Field(
        description="Mailed to an address other than the signed-in user's: accepting it is refused."
    )
