"""Completing a request later: year of birth, sex, referrer, care needs and the discharge date.

Only what matching needs is asked before the beds are searched (issue 14); the coordinator
adds the rest while the bed is held. The fields that decide the match (bed types, features,
area, start, financing) are not changed here: a different need is a different request.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor
from verkeerstoren.errors import Conflict, ValidationProblem
from verkeerstoren.placement import requests, visibility
from verkeerstoren.placement.models import LIVE_STATUSES, PlacementRequest
from verkeerstoren.placement.schemas import DetailsIn


def complete_details(session: Session, actor: Actor, request_id: int,
                     data: DetailsIn) -> PlacementRequest:
    """Store the given details of a live request (the ORM's audit hook logs the change)."""
    request = requests.get_request(session, actor, request_id, purpose="complete details")
    if request.status not in LIVE_STATUSES:
        raise Conflict("the request is already closed")
    given = data.model_dump(exclude_unset=True)
    discharged = given.get("medically_discharged_on", request.medically_discharged_on)
    if discharged and discharged > request.wanted_start:
        raise ValidationProblem("medically_discharged_on",
                                "medically discharged date lies after the wanted start")
    for name, value in given.items():
        setattr(request, name, value)
    visibility.announce(session, request)
    return request
