"""P4 interoperability: open standards in and out (FHIR R4 with the SANER bed-availability
measure, OASIS EDXL-HAVE 2.0 and 1.0).

Each standard is a sub-package (``fhir/``, ``edxl/``) that maps between the standard's
documents and the capacity capability's reports; availability that arrives through a standard
goes through the same validation, all-or-nothing rule and audit as the other channels.
"""
