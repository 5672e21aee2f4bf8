"""Demo activity for placement: a few open requests waiting in the coordinator's work queue."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.access.actor import system_actor
from verkeerstoren.placement import requests
from verkeerstoren.placement.schemas import RequestIn
from verkeerstoren.registry.models import Organisation, OrganisationKind

# (bed types, features, urgency, postcode area, care needs)
OPEN_REQUESTS: tuple[tuple[list[str], list[str], str, int, str], ...] = (
    (["short_stay_high"], ["dementia_closed", "oxygen"], "immediate", 2715,
     "Val thuis, delier, zuurstofafhankelijk (demo)"),
    (["short_stay_low", "multifunctional"], [], "today", 1213,
     "Mantelzorger valt weg, ADL-hulp nodig (demo)"),
    (["geriatric_rehab"], [], "within_48h", 2492, "Na heupfractuur, revalidatie (demo)"),
)


def seed_placement_demo(session: Session, now: datetime, rng: random.Random) -> None:
    """Open a few pseudonymised demo requests from the demo GP practice."""
    gp = session.scalars(select(Organisation).where(
        Organisation.kind == OrganisationKind.GP_PRACTICE, Organisation.is_demo.is_(True))
        .order_by(Organisation.id)).first()
    if gp is None:
        return
    actor = system_actor("demo")
    for number, (bed_types, features, urgency, area, needs) in enumerate(OPEN_REQUESTS, 1):
        data = RequestIn.model_validate({
            "pseudonym": f"demo-episode-{number:03d}", "birth_year": rng.randint(1930, 1950),
            "sex": rng.choice("fm"), "postcode_area": area, "care_needs": needs,
            "referrer_name": "Huisarts (demo)", "referrer_organisation_id": gp.id,
            "bed_types": bed_types, "features": features,
            "wanted_start": now.date().isoformat(), "financing": "zvw", "urgency": urgency,
        })
        created = requests.create_request(session, actor, data,
                                          now=now - timedelta(minutes=rng.randint(5, 90)))
        created.is_demo = True
