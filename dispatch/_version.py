"""The package version, read by the package root and the report footer."""

__version__ = "0.1.0"
