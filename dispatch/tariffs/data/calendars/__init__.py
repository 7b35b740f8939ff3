"""Time-of-use calendars, one YAML file each."""
