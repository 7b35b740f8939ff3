"""Random building blocks shared by the weather generator and the load archetypes."""

from __future__ import annotations

import numpy as np


def ar1(rng: np.random.Generator, n: int, lag1: float) -> np.ndarray:
    """Return a stationary AR(1) series with unit variance.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random generator (reproducible stream).
    n : int
        Length.
    lag1 : float
        Lag-1 autocorrelation, 0 <= lag1 < 1.

    Returns
    -------
    numpy.ndarray
        ``x[t] = lag1 * x[t-1] + sqrt(1 - lag1**2) * e[t]``, ``x[0] ~ N(0, 1)``.
    """
    e = rng.standard_normal(n) * np.sqrt(1.0 - lag1**2)
    x0 = rng.standard_normal()
    out = np.empty(n)
    prev = lag1 * x0
    for i, ei in enumerate(e.tolist()):  # a plain loop: cheap at 8760 steps, no scipy import
        prev = prev + ei
        out[i] = prev
        prev = lag1 * prev
    return out
