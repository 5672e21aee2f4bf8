"""Foresight (S2) inputs a region loads from files: an official population forecast and staff
figures per sector (their pages and API; the domain code is in ``official*`` and
``staff_import``)."""
