"""API tokens: issued once, stored hashed, scoped, revocable."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.access.models import ApiToken
from verkeerstoren.region_time import REGION_TZ
from verkeerstoren.registry.models import Organisation, OrganisationKind
from verkeerstoren.storage.base import utcnow


def _provider_org(session: Session) -> Organisation:
    org = session.scalars(
        select(Organisation).where(Organisation.kind == OrganisationKind.PROVIDER)
    ).first()
    assert org is not None
    return org


def test_an_admin_issues_a_token_that_authenticates_a_system(
    login: Callable[[str], Browser], client: Browser, session: Session
) -> None:
    admin = login("admin")
    org = _provider_org(session)
    answer = admin.post("/api/v1/tokens", json={"name": "EPD koppeling", "role": "provider",
                                                "organisation_id": org.id})
    assert answer.status_code == 201, answer.text
    secret = answer.json()["secret"]
    stored = session.scalar(select(ApiToken).where(ApiToken.name == "EPD koppeling"))
    assert stored is not None
    assert secret not in stored.token_hash
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200
    assert me.json()["role"] == "provider"
    assert me.json()["organisation_id"] == org.id


def test_a_revoked_token_stops_working(
    login: Callable[[str], Browser], client: Browser, session: Session
) -> None:
    admin = login("admin")
    org = _provider_org(session)
    issued = admin.post("/api/v1/tokens", json={"name": "tijdelijk", "role": "viewer",
                                                "organisation_id": org.id}).json()
    assert admin.post(f"/api/v1/tokens/{issued['id']}/revoke").status_code == 200
    answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {issued['secret']}"})
    assert answer.status_code == 401


def test_an_unknown_token_gets_401_not_a_login_page(client: Browser) -> None:
    answer = client.get("/api/v1/me", headers={"Authorization": "Bearer vt_nonsense"})
    assert answer.status_code == 401


def test_a_token_for_an_unknown_organisation_is_refused_naming_the_field(
    login: Callable[[str], Browser],
) -> None:
    answer = login("admin").post("/api/v1/tokens", json={"name": "x", "role": "viewer",
                                                         "organisation_id": 999999})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "organisation_id"


def test_the_tokens_page_shows_the_secret_once(login: Callable[[str], Browser],
                                               session: Session) -> None:
    admin = login("admin")
    org = _provider_org(session)
    page = admin.post("/admin/tokens", data={"name": "Bedbeheer", "role": "provider",
                                             "organisation_id": str(org.id),
                                             "csrf_token": admin.csrf})
    assert page.status_code == 200
    secret = re.search(r'data-testid="token-secret">(vt_[^<]+)<', page.text)
    assert secret is not None
    assert secret.group(1) not in admin.get("/admin/tokens").text


def test_a_token_with_an_expiry_works_until_then_and_shows_it(
    login: Callable[[str], Browser], client: Browser, session: Session
) -> None:
    admin = login("admin")
    org = _provider_org(session)
    until = (utcnow() + timedelta(days=30)).isoformat()
    issued = admin.post("/api/v1/tokens", json={"name": "proef", "role": "viewer",
                                                "organisation_id": org.id, "expires_at": until})
    assert issued.status_code == 201, issued.text
    assert issued.json()["expires_at"] is not None
    listed = {t["id"]: t for t in admin.get("/api/v1/tokens").json()}
    assert listed[issued.json()["id"]]["expires_at"] is not None
    bearer = {"Authorization": f"Bearer {issued.json()['secret']}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200
    token = session.get(ApiToken, issued.json()["id"])
    assert token is not None
    token.expires_at = utcnow() - timedelta(seconds=1)
    session.flush()
    assert client.get("/api/v1/me", headers=bearer).status_code == 401
    assert "verlopen" in admin.get("/admin/tokens").text


@pytest.mark.parametrize("expires_at", ["2020-01-01T00:00:00+00:00", "2999-01-01T00:00:00"])
def test_an_expiry_in_the_past_or_without_zone_is_refused_naming_the_field(
    login: Callable[[str], Browser], session: Session, expires_at: str
) -> None:
    answer = login("admin").post("/api/v1/tokens", json={
        "name": "x", "role": "viewer", "organisation_id": _provider_org(session).id,
        "expires_at": expires_at})
    assert answer.status_code == 422
    assert "expires_at" in answer.text
    assert session.scalar(select(ApiToken).where(ApiToken.name == "x")) is None


def test_the_tokens_page_issues_a_token_valid_through_a_day(
    login: Callable[[str], Browser], session: Session
) -> None:
    admin = login("admin")
    org = _provider_org(session)
    day = utcnow().astimezone(REGION_TZ).date() + timedelta(days=10)
    page = admin.post("/admin/tokens", data={"name": "Pilot", "role": "provider",
                                             "organisation_id": str(org.id),
                                             "expires_on": day.isoformat(),
                                             "csrf_token": admin.csrf})
    assert page.status_code == 200
    token = session.scalar(select(ApiToken).where(ApiToken.name == "Pilot"))
    assert token is not None
    assert token.expires_at is not None
    # Valid through that day in Dutch time: it ends at the next local midnight.
    assert token.expires_at.astimezone(REGION_TZ).date() == day + timedelta(days=1)
    assert (day + timedelta(days=1)).strftime("%d-%m-%Y") in page.text
    bad = admin.post("/admin/tokens", data={"name": "Oud", "role": "provider",
                                            "organisation_id": str(org.id),
                                            "expires_on": "2001-02-03", "csrf_token": admin.csrf})
    assert bad.status_code == 422
    assert "De vervaldatum ligt in het verleden" in bad.text
    assert session.scalar(select(ApiToken).where(ApiToken.name == "Oud")) is None
