"""Placement use cases (O4/O5): the one import for callers (API, pages, CLI, tests)."""

from verkeerstoren.placement.analysis import analyse
from verkeerstoren.placement.details import complete_details
from verkeerstoren.placement.expiry import expire_due
from verkeerstoren.placement.holding import NoFreeBed
from verkeerstoren.placement.lifecycle import (
    DEFAULT_HOLD_MINUTES,
    HoldPolicy,
    accept,
    cancel,
    cancel_request,
    close_unplaced,
    decline,
    incoming,
    reserve,
)
from verkeerstoren.placement.options import PAGE, area_point, excluded_for, options_for
from verkeerstoren.placement.requests import (
    DuplicateRequest,
    create_request,
    get_request,
    list_requests,
)

__all__ = [
    "DEFAULT_HOLD_MINUTES",
    "PAGE",
    "DuplicateRequest",
    "HoldPolicy",
    "NoFreeBed",
    "accept",
    "analyse",
    "area_point",
    "cancel",
    "cancel_request",
    "close_unplaced",
    "complete_details",
    "create_request",
    "decline",
    "excluded_for",
    "expire_due",
    "get_request",
    "incoming",
    "list_requests",
    "options_for",
    "reserve",
]
