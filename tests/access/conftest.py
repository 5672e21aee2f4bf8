"""The placement fixtures (a request factory, a unit with one free bed) for the scoping tests."""

from tests.placement.conftest import make_request, one_free_bed

__all__ = ["make_request", "one_free_bed"]
