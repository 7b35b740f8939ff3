"""Random building blocks shared by the weather generator and the load archetypes."""

from __future__ import annotations

import numpy as np
from scipy import signal


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
    e = rng.standard_normal(n)
    x0 = rng.standard_normal()
    s = np.sqrt(1.0 - lag1**2)
    x, _ = signal.lfilter([s], [1.0, -lag1], e, zi=[lag1 * x0])
    return x
