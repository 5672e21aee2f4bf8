"""Use cases for users and API tokens; no HTTP here."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from verkeerstoren.access import sessions, throttle
from verkeerstoren.access.actor import Actor
from verkeerstoren.access.models import ApiToken, User
from verkeerstoren.access.passwords import hash_password, password_problem, verify_password
from verkeerstoren.access.roles import Role
from verkeerstoren.access.scoping import scoped_get
from verkeerstoren.audit import service as audit
from verkeerstoren.errors import NotFound, ValidationProblem
from verkeerstoren.registry.models import Organisation
from verkeerstoren.storage.base import utcnow

TOKEN_PREFIX = "vt_"  # noqa: S105 - a public marker, not a secret


def normalise_email(email: str) -> str:
    return email.strip().lower()


def actor_for_user(user: User, ip: str | None = None) -> Actor:
    return Actor(
        role=user.role,
        organisation_id=user.organisation_id,
        label=user.email,
        user_id=user.id,
        ip=ip,
        display_name=user.name or None,
    )


def authenticate(
    session: Session, email: str, password: str, ip: str | None, limits: throttle.LoginLimits
) -> User | None:
    """The active user with this e-mail and password, or None; both outcomes are audited.

    Raises :class:`throttle.TooManyAttempts` (before looking at the password) when the account
    or the address has had too many failed logins lately.
    """
    account = normalise_email(email)[:254]
    throttle.check(session, account, ip, limits)
    user = session.scalar(select(User).where(User.email == account))
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        throttle.record_failure(session, account, ip, limits)
        audit.append(session, None, action="login_failed", entity="user_account",
                     entity_id=user.id if user else None,
                     detail={"email": account, "ip": ip})
        return None
    throttle.forget_account(session, account)
    user.last_login_at = utcnow()
    audit.append(session, actor_for_user(user, ip), action="login", entity="user_account",
                 entity_id=user.id)
    return user


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    role: Role,
    organisation_id: int,
) -> User:
    """A new user; refuses a weak password, an unknown organisation or a taken e-mail."""
    problem = password_problem(password)
    if problem:
        raise ValidationProblem("password", problem)
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise ValidationProblem("email", "Not a valid e-mail address.")
    if session.get(Organisation, organisation_id) is None:
        raise ValidationProblem("organisation_id", "Unknown organisation.")
    if session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise ValidationProblem("email", "A user with this e-mail address already exists.")
    user = User(
        email=email,
        name=name.strip(),
        password_hash=hash_password(password),
        role=role,
        organisation_id=organisation_id,
    )
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, email: str, password: str) -> User:
    """Replace a user's password and end all of that user's sessions."""
    problem = password_problem(password)
    if problem:
        raise ValidationProblem("password", problem)
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise NotFound("user", email)
    user.password_hash = hash_password(password)
    user.session_version += 1
    session.flush()
    sessions.end_all(session, user.id)
    return user


def update_user(
    session: Session,
    user_id: int,
    *,
    by: Actor,
    name: str,
    role: Role,
    organisation_id: int,
    active: bool,
) -> User:
    """Change a user's name, role, organisation or whether they may log in.

    A change of role, organisation or a deactivation ends the user's sessions at once (the
    next request logs them out). An administrator cannot lock themself out, and the last
    active administrator stays one: otherwise nobody could manage users in the browser.
    """
    user = scoped_get(session, User, user_id)
    if user is None:
        raise NotFound("user", str(user_id))
    if not name.strip() or len(name) > 200:
        raise ValidationProblem("name", "Fill in a name (at most 200 characters).")
    if session.get(Organisation, organisation_id) is None:
        raise ValidationProblem("organisation_id", "Unknown organisation.")
    losing_admin = user.role == Role.ADMIN and user.active and (role != Role.ADMIN or not active)
    if losing_admin and by.user_id == user.id:
        raise ValidationProblem("role", "You cannot take away your own administrator access.")
    if losing_admin:
        admins = session.scalar(select(func.count()).select_from(User).where(
            User.role == Role.ADMIN, User.active.is_(True)))
        if (admins or 0) <= 1:
            raise ValidationProblem("role", "This is the last active administrator.")
    ends_sessions = (role != user.role or organisation_id != user.organisation_id
                     or (user.active and not active))
    user.name = name.strip()
    user.role = role
    user.organisation_id = organisation_id
    user.active = active
    if ends_sessions:
        user.session_version += 1
    session.flush()
    if ends_sessions:
        sessions.end_all(session, user.id)
    return user


def reset_password(session: Session, user_id: int, password: str) -> User:
    """An administrator gives a user a new password (by id; the CLI uses the e-mail)."""
    user = scoped_get(session, User, user_id)
    if user is None:
        raise NotFound("user", str(user_id))
    return set_password(session, user.email, password)


def _token_digest(token: str) -> str:
    # Tokens are 256-bit random values, so a plain SHA-256 is enough (unlike passwords).
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


def create_token(
    session: Session,
    *,
    name: str,
    role: Role,
    organisation_id: int,
    created_by: Actor,
    expires_at: datetime | None = None,
) -> IssuedToken:
    """A new API token, valid until ``expires_at`` if given; the secret is returned once and
    only its hash is kept."""
    if not name.strip():
        raise ValidationProblem("name", "A token needs a name.")
    if expires_at is not None and (expires_at.tzinfo is None or expires_at <= utcnow()):
        raise ValidationProblem("expires_at", "The expiry must be a moment in the future.")
    if session.get(Organisation, organisation_id) is None:
        raise ValidationProblem("organisation_id", "Unknown organisation.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name.strip(),
        prefix=secret[:10],
        token_hash=_token_digest(secret),
        role=role,
        organisation_id=organisation_id,
        created_by_id=created_by.user_id,
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    return IssuedToken(token, secret)


def revoke_token(session: Session, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("api_token", token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
    return token


# Built once: resolving the token is the first statement of every API request, and the ORM
# select of the whole row (its cache key, the session's execute hooks, the object) cost more
# CPU than the query. Only what the actor needs is read, on the session's connection.
_TOKEN_BY_HASH = select(
    ApiToken.id, ApiToken.name, ApiToken.role, ApiToken.organisation_id, ApiToken.revoked_at,
    ApiToken.expires_at,
).where(ApiToken.token_hash == bindparam("digest"))


def resolve_token(session: Session, secret: str, ip: str | None) -> Actor | None:
    """The actor behind a bearer token, or None for an unknown, revoked or expired one.

    Read from the database on every request (no cache): a revoked token must stop working at
    once in every app process, and nothing would tell the others of the revocation in time.
    """
    if not secret.startswith(TOKEN_PREFIX):
        return None
    row = session.connection().execute(
        _TOKEN_BY_HASH, {"digest": _token_digest(secret)}).one_or_none()
    if row is None:
        return None
    token_id, name, role, organisation_id, revoked_at, expires_at = row
    if revoked_at is not None:
        return None
    if expires_at is not None and expires_at <= utcnow():
        return None
    return Actor(
        role=role,
        organisation_id=organisation_id,
        label=f"token:{name}",
        token_id=token_id,
        ip=ip,
    )
