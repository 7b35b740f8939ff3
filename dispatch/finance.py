"""Finance helpers: annualisation of investment costs, discounting, renewal schedules."""

from __future__ import annotations

from typing import Any

ENERGY_COSTS = ("grid_energy", "system_operation", "export_revenue", "green_certificates")
"""Cost categories of the electricity bought and sold: what a design saves in energy."""
CHARGE_COSTS = ("grid_capacity", "demand_charge")
"""Cost categories of the grid connection's charges."""
ELECTRICITY_COSTS = ENERGY_COSTS + CHARGE_COSTS
"""Cost categories whose prices follow ``finance.electricity_price_escalation_per_year``."""


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


def present_value_factor(discount_rate: float, years: float) -> float:
    """Discount factor ``(1 + r)^-y`` of a payment in year ``y``."""
    return float((1.0 + discount_rate) ** -years)


def annuity_factor(discount_rate: float, years: int, escalation: float = 0.0) -> float:
    """Present value of a yearly payment over years 1..N, growing by ``escalation`` a year.

    ``sum_{y=1..N} (1 + e)^(y - 1) / (1 + r)^y``; with ``e = 0`` it is ``1 / CRF(r, N)``.
    """
    return float(
        sum((1.0 + escalation) ** (y - 1) / (1.0 + discount_rate) ** y for y in range(1, years + 1))
    )


def investment_schedule(spec: Any, analysis_years: int) -> list[tuple[str, int, float, float]]:
    """When an investment is paid over the analysis period, and how long each payment serves.

    The investment itself in year 0, renewed at full cost every ``lifetime_years``;
    with ``replacement_year`` (the battery) renewed instead every ``replacement_year``
    years at ``replacement_cost_fraction``. With ``inverter_replacement_year`` (PV),
    inverters are also replaced every that many years at ``inverter_cost_fraction``.
    Only renewals before year N count (docs/finance.md, section 2).

    Parameters
    ----------
    spec : technology case section
        Has ``lifetime_years``; optionally the replacement keys above.
    analysis_years : int
        N.

    Returns
    -------
    list of (kind, year, fraction, life_years)
        ``kind`` is ``capex``, ``replacement`` or ``inverter``; ``fraction`` is the
        payment as a share of the investment; ``life_years`` how long it serves.
    """
    interval, fraction = float(spec.lifetime_years), 1.0
    if getattr(spec, "replacement_year", None) is not None:
        interval, fraction = float(spec.replacement_year), float(spec.replacement_cost_fraction)
    out = [("capex", 0, 1.0, interval)]
    out += [("replacement", y, fraction, interval) for y in _every(interval, analysis_years)]
    inverter = getattr(spec, "inverter_replacement_year", None)
    if inverter is not None:
        share = float(spec.inverter_cost_fraction)
        out += [("inverter", y, share, float(inverter)) for y in _every(inverter, analysis_years)]
    return out


def _every(interval: float, analysis_years: int) -> list[int]:
    """Years k * interval (rounded), k = 1, 2, ..., before the last year of the analysis."""
    years, k = [], 1
    while (year := round(k * interval)) < analysis_years:
        years.append(year)
        k += 1
    return years


def residual_fraction(year: int, life_years: float, analysis_years: int) -> float:
    """Share of a payment made in ``year`` still unused at the end of year N (linear)."""
    return max(0.0, year + life_years - analysis_years) / life_years


def life_cycle_capex_factor(
    spec: Any, analysis_years: int, discount_rate: float, residual: bool
) -> float:
    """Present value of an investment's payments over the analysis, per unit invested.

    ``K = sum_p fraction_p (1 + r)^-y_p - [residual] (1 + r)^-N sum_p fraction_p *
    remaining_p`` over the payments of :func:`investment_schedule` (docs/finance.md, F7).
    """
    n = analysis_years
    pays = investment_schedule(spec, n)
    total = sum(f * present_value_factor(discount_rate, y) for _, y, f, _ in pays)
    if residual:
        left = sum(f * residual_fraction(y, life, n) for _, y, f, life in pays)
        total -= left * present_value_factor(discount_rate, n)
    return float(total)
