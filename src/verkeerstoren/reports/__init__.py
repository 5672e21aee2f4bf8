"""The quarterly progress report (voortgangsrapportage) as HTML and PDF."""
