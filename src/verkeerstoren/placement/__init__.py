"""O4/O5 Placement: requests, matching, reservations with holds, placement, unplaced analysis."""
