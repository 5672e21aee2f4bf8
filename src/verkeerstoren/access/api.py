"""JSON API for the current identity, users and API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy import select

from verkeerstoren.access import service
from verkeerstoren.access.models import ApiToken, User
from verkeerstoren.access.roles import Permission
from verkeerstoren.access.schemas import (
    IssuedTokenOut,
    Me,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
)
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import ViewCtx, edit, view

router = APIRouter(tags=["access"])

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
UsersCtx = Annotated[Ctx, view(Permission.USERS_MANAGE)]
UsersEditCtx = Annotated[Ctx, edit(Permission.USERS_MANAGE)]
TokensCtx = Annotated[Ctx, view(Permission.TOKENS_MANAGE)]
TokensEditCtx = Annotated[Ctx, edit(Permission.TOKENS_MANAGE)]


@router.get("/me", response_model=Me)
def me(ctx: ViewCtx) -> Me:
    """Who the request is authenticated as."""
    a = ctx.user
    return Me(label=a.label, role=a.role, organisation_id=a.organisation_id,
              user_id=a.user_id, token_id=a.token_id)


@router.get("/users", response_model=list[UserOut])
def list_users(ctx: UsersCtx) -> list[User]:
    """All users (administrators only)."""
    return list(ctx.session.scalars(select(User).order_by(User.email)))


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(ctx: UsersEditCtx, body: UserIn) -> User:
    """Create a user in an organisation with a role."""
    return service.create_user(ctx.session, **body.model_dump())


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(ctx: TokensCtx) -> list[ApiToken]:
    """All API tokens, without their secrets."""
    return list(ctx.session.scalars(select(ApiToken).order_by(ApiToken.id)))


@router.post("/tokens", response_model=IssuedTokenOut, status_code=201)
def create_token(ctx: TokensEditCtx, body: TokenIn) -> IssuedTokenOut:
    """Issue a token for a system; the secret appears only in this answer."""
    issued = service.create_token(ctx.session, created_by=ctx.user, **body.model_dump())
    out = TokenOut.model_validate(issued.token)
    return IssuedTokenOut(**out.model_dump(), secret=issued.secret)


@router.post("/tokens/{token_id}/revoke", response_model=TokenOut)
def revoke_token(ctx: TokensEditCtx, token_id: Id) -> ApiToken:
    """Revoke a token; it stops working at once."""
    return service.revoke_token(ctx.session, token_id)
