"""API shapes for users and tokens."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from verkeerstoren.access.roles import Role


class Me(BaseModel):
    label: str
    role: Role
    organisation_id: int | None
    user_id: int | None
    token_id: int | None


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254)
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=10, max_length=1000)
    role: Role
    organisation_id: int = Field(ge=1, le=2**31 - 1)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    role: Role
    organisation_id: int
    active: bool
    last_login_at: datetime | None


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    role: Role
    organisation_id: int = Field(ge=1, le=2**31 - 1)
    expires_at: AwareDatetime | None = Field(
        default=None, description="Optional; the token stops working at this moment.")


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    role: Role
    organisation_id: int
    created_at: datetime
    revoked_at: datetime | None
    expires_at: datetime | None
    last_used_at: datetime | None


class IssuedTokenOut(TokenOut):
    secret: str = Field(description="Shown once; only its hash is stored.")
