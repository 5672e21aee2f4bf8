"""Demo region: real CBS geography with invented providers, beds, teams and users."""
