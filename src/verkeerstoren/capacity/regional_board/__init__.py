"""The live regional board's pages: filters, the refetched table, the map, the event stream."""
