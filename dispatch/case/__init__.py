"""The case file: schema, defaults, loading and profile reading."""
