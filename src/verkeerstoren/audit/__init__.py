"""P2 Audit: append-only, hash-chained log of every write and every read of patient data."""
