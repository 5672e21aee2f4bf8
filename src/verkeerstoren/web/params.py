"""Query parameters that several capabilities' pages and APIs share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import BeforeValidator, Field, WithJsonSchema


def _blank_is_none(value: object) -> object:
    # A select's "Alle regio's" option submits an empty value (region_id=): that means no
    # region was chosen, not a bad number (it gave a 422 page on /wachttijden and /regiobeeld).
    return None if value == "" else value


# The bounds sit on the number itself: on the whole field they would also be checked
# against the None the blank became.
# The document says so too: a blank is accepted, any other text is not a number (422).
RegionId = Annotated[Annotated[int, Field(ge=1, le=2**31 - 1)] | None,
                     BeforeValidator(_blank_is_none),
                     WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1,
                                                "maximum": 2**31 - 1},
                                               {"type": "string", "enum": [""]}]}),
                     Query()]
