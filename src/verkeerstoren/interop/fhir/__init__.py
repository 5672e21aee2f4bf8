"""FHIR R4 for the interop capability: the directory (Organization, Location,
HealthcareService), bed availability as an HL7 SANER MeasureReport (export and import), and
the MeasureReport pull format.

Modules: :mod:`.codes` (systems and the bed-type mapping), :mod:`.outcome` (errors as an
OperationOutcome), :mod:`.directory` (registry rows as resources), :mod:`.bundle` (searchset
paging), :mod:`.saner` (export), :mod:`.intake` (import), :mod:`.pull` (the pull format),
:mod:`.api` (the ``/fhir`` routes).
"""
