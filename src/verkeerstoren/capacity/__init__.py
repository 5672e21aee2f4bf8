"""O2/O3/O6 Capacity: availability reports, freshness, the live board, district-nursing intake."""
