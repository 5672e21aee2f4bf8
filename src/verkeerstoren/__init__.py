"""Verkeerstoren: the regional health-and-care control tower."""

__version__ = "0.1.0"
