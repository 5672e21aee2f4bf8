"""Shared rules of the registry services: search terms, reference look-ups, name uniqueness.

Uniqueness checks read across organisations on purpose (``across_organisations``): a provider
must not be able to take a name it cannot see.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import QueryableAttribute, Session

from verkeerstoren.access.actor import Actor
from verkeerstoren.access.scoping import across_organisations, scoped_get
from verkeerstoren.errors import Forbidden, ValidationErrors, ValidationProblem
from verkeerstoren.registry.models import (
    BedType,
    Feature,
    Gemeente,
    Organisation,
    Skill,
    Wijk,
)

_S = TypeVar("_S", bound=Select[Any])
NameColumn = QueryableAttribute[str] | ColumnElement[str]


def search_term(q: str | None) -> str | None:
    """The search text without control characters and surrounding space, or None when empty."""
    if q is None:
        return None
    cleaned = "".join(ch for ch in q if unicodedata.category(ch) not in ("Cc", "Cs")).strip()
    return cleaned[:200] or None


def name_filter(column: NameColumn, q: str | None) -> ColumnElement[bool] | None:
    """A case-insensitive 'contains' filter on a name column (wildcards in q are literal)."""
    term = search_term(q)
    return column.icontains(term, autoescape=True) if term else None


def where_name(statement: _S, column: NameColumn, q: str | None) -> _S:
    """Add the name filter to a select when a search term was given."""
    condition = name_filter(column, q)
    return statement.where(condition) if condition is not None else statement


def raise_all(problems: list[ValidationProblem]) -> None:
    """Raise the problems found, one alone or several together; do nothing when none."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ValidationErrors(problems)


def organisation_for_new(session: Session, actor: Actor, organisation_id: int | None) -> int:
    """The organisation a new location or team belongs to: the given one or the actor's own."""
    scoped = actor.scoped_organisation
    if organisation_id is None:
        if scoped is None:
            raise ValidationProblem("organisation_id", "Choose an organisation.")
        organisation_id = scoped
    if scoped is not None and organisation_id != scoped:
        raise Forbidden("may only add to the actor's own organisation")
    if scoped_get(session, Organisation, organisation_id) is None:
        raise ValidationProblem("organisation_id", "Unknown organisation.")
    return organisation_id


def name_taken(
    session: Session,
    column: QueryableAttribute[str],
    name: str,
    *,
    same: Iterable[ColumnElement[bool]] = (),
    id_column: QueryableAttribute[int],
    exclude_id: int | None = None,
) -> bool:
    """Whether another row already uses this name (case-sensitive, as the unique index is),
    in any organisation: the unique index does not care what the actor may see."""
    conditions = [column == name, *same]
    if exclude_id is not None:
        conditions.append(id_column != exclude_id)
    with across_organisations(session):
        found = session.execute(select(id_column).where(and_(*conditions)).limit(1)).first()
    return found is not None


def check_area(
    session: Session, gemeente_code: str, wijk_code: str | None
) -> list[ValidationProblem]:
    """Problems with a municipality and neighbourhood pair (unknown, or not in that gemeente)."""
    problems: list[ValidationProblem] = []
    if session.get(Gemeente, gemeente_code) is None:
        problems.append(
            ValidationProblem("gemeente_code", "Unknown municipality {code}.", code=gemeente_code)
        )
    if wijk_code is not None:
        wijk = session.get(Wijk, wijk_code)
        if wijk is None:
            problems.append(ValidationProblem("wijk_code", "Unknown neighbourhood {code}.",
                                              code=wijk_code))
        elif wijk.gemeente_code != gemeente_code:
            problems.append(
                ValidationProblem(
                    "wijk_code",
                    "Neighbourhood {code} is not in municipality {gemeente}.",
                    code=wijk_code,
                    gemeente=gemeente_code,
                )
            )
    return problems


def bed_types_by_code(session: Session) -> dict[str, BedType]:
    """Every bed type by its code."""
    return {b.code: b for b in session.scalars(select(BedType))}


def features_by_code(session: Session) -> dict[str, Feature]:
    """Every unit feature by its code."""
    return {f.code: f for f in session.scalars(select(Feature))}


def skills_by_code(session: Session) -> dict[str, Skill]:
    """Every nursing skill by its code."""
    return {s.code: s for s in session.scalars(select(Skill))}
