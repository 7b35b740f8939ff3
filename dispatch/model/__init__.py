"""The optimisation model: horizon, technology modules, builder and solver."""
