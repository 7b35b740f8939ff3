"""Finance helpers: annualisation of investment costs."""

from __future__ import annotations


def crf(discount_rate: float, lifetime_years: float) -> float:
    """Capital recovery factor.

    ``CRF = r (1 + r)^n / ((1 + r)^n - 1)``, and ``1 / n`` when ``r = 0``.

    Parameters
    ----------
    discount_rate : float
        Real discount rate r [1/year].
    lifetime_years : float
        Economic lifetime n [years], > 0.

    Returns
    -------
    float
        Annuity per unit of investment [1/year].
    """
    if discount_rate == 0:
        return 1.0 / lifetime_years
    growth = (1.0 + discount_rate) ** lifetime_years
    return discount_rate * growth / (growth - 1.0)
