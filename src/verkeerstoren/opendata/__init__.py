"""Open data (CBS, PDOK, RIVM, Vektis, NZa): checked loaders that store figures with provenance."""
