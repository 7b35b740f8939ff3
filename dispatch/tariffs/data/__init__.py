"""Tariff data files: calendars, emission factors, carbon conversions, grid charges."""
