"""Data files of the profile layer (CSV/YAML); see sources.csv for every source."""
