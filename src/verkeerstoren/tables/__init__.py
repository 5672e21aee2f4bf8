"""Tables that come in (CSV and Excel uploads) and go out (exports, templates), for every
capability: one reader, one formula guard."""
