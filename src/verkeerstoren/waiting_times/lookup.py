"""'Where soonest': the shortest current waits for a care type near a postcode."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.errors import ValidationProblem
from verkeerstoren.opendata.models import AreaShape, DataSet
from verkeerstoren.registry.geo import distance_km
from verkeerstoren.registry.models import Location
from verkeerstoren.waiting_times.norms import Status
from verkeerstoren.waiting_times.service import Wait, current_waits

POSTCODE = re.compile(r"^\s*([1-9]\d{3})\s*([A-Za-z]{2})?\s*$")


@dataclass(frozen=True)
class Point:
    """A WGS84 point and whether it is only approximate (a nearby postcode or gemeente)."""

    latitude: float
    longitude: float
    approximate: bool


@dataclass(frozen=True)
class Option:
    """A wait near the referrer, with the distance and how the place was located."""

    wait: Wait
    distance_km: float
    approximate: bool


def postcode_point(session: Session, postcode: str) -> Point:
    """Where a postcode is: the mean of registered locations in its 4-digit area, else the
    nearest 4-digit area with locations (within 20 numbers, marked approximate). No national
    postcode table is available offline, so the registry's own addresses are the reference."""
    match = POSTCODE.match(postcode)
    if not match:
        raise ValidationProblem("postcode", "give a Dutch postcode such as 2711 AB")
    pc4 = int(match.group(1))
    located: dict[int, list[tuple[float, float]]] = {}
    for code, lat, lon in session.execute(
            select(Location.postcode, Location.latitude, Location.longitude)
            .where(Location.latitude.is_not(None), Location.longitude.is_not(None))):
        if code[:4].isdigit() and lat is not None and lon is not None:
            located.setdefault(int(code[:4]), []).append((lat, lon))
    if not located:
        raise ValidationProblem("postcode", "no registered locations to place the postcode")
    nearest = min(located, key=lambda p: abs(p - pc4))
    if abs(nearest - pc4) > 20:
        raise ValidationProblem("postcode", "postcode {postcode} is outside the region",
                                postcode=pc4)
    points = located[nearest]
    return Point(sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points),
                 nearest != pc4)


def gemeente_centres(session: Session) -> dict[str, tuple[float, float]]:
    """The centre of each loaded gemeente boundary (bounding box of its outer rings)."""
    dataset_id = session.scalar(select(DataSet.id).where(DataSet.key == "pdok_gemeenten")
                                .order_by(DataSet.year.desc()).limit(1))
    if dataset_id is None:
        return {}
    centres = {}
    for code, geometry in session.execute(
            select(AreaShape.code, AreaShape.geometry).where(
                AreaShape.dataset_id == dataset_id, AreaShape.geometry.is_not(None))):
        shape = json.loads(geometry or "null")
        polygons = shape["coordinates"] if shape["type"] == "MultiPolygon" \
            else [shape["coordinates"]]
        xs = [pt[0] for poly in polygons for pt in poly[0]]
        ys = [pt[1] for poly in polygons for pt in poly[0]]
        centres[code] = ((min(ys) + max(ys)) / 2, (min(xs) + max(xs)) / 2)
    return centres


def where_soonest(session: Session, *, postcode: str, sector: str | None,
                  care_type: str | None, max_km: float, limit: int = 20) -> list[Option]:
    """Open providers within ``max_km`` of the postcode, shortest total wait first, then nearest.
    NZa entries are placed at their gemeente's centre (approximate)."""
    origin = postcode_point(session, postcode)
    centres: dict[str, tuple[float, float]] | None = None
    options = []
    for wait in current_waits(session, sector=sector, care_type=care_type):
        if wait.status is Status.CLOSED or wait.total_weeks is None:
            continue
        approximate = origin.approximate
        if wait.latitude is not None and wait.longitude is not None:
            where = (wait.latitude, wait.longitude)
        else:
            if centres is None:
                centres = gemeente_centres(session)
            if wait.gemeente_code not in centres:
                continue
            where, approximate = centres[wait.gemeente_code], True
        distance = distance_km(origin.latitude, origin.longitude, *where)
        if distance <= max_km:
            options.append(Option(wait, round(distance, 1), approximate))
    options.sort(key=lambda o: (o.wait.total_weeks or 0.0, o.distance_km))
    return options[:limit]
