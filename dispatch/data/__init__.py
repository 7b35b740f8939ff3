"""Data files: sourced default parameters."""
