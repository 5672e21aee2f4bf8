"""OASIS EDXL-HAVE 2.0 and 1.0: availability out as XML, and providers' documents in as reports.

``documents`` parses untrusted XML with a hardened parser and checks it against the subset
schemas in ``schemas/``; ``mapping`` holds the bed-type mapping; ``reader`` turns a valid
document into readings; ``writer`` builds documents from the board; ``service`` takes readings
through the capacity capability's ``submit_reports`` like every other channel.
"""
