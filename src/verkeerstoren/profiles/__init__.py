"""Regiobeeld (S1): region, gemeente and wijk profiles from loaded open data."""
