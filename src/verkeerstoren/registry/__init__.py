"""O1 Registry: organisations, locations, care units, bed types, features, nursing teams."""
