"""Figures (plotly) and the offline HTML report of a run, built from its results tables."""
