"""The investment over the project life: cash flow, NPV, IRR and payback against the baseline.

The design is compared with the baseline, the same park with its existing
equipment and nothing new (``summary["baseline"]``). Year 0 pays the investment
in the capacity the design adds; each year 1..N then gains the baseline's costs
less the design's, by category, with escalation and degradation applied;
replacements fall in their years and the equipment's remaining value comes back
in year N. docs/finance.md gives every formula; this module is pure
pandas/numpy (only :func:`outlays` reads the technologies' unit costs).

:func:`financial_block` builds the ``financials`` block of ``summary.json``;
it holds what the cash flow needs beyond the summary's annual costs (the
investment schedule and the yearly value of degradation), so
:func:`cashflow_of` rebuilds ``cashflow.csv`` from a summary alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dispatch.finance import CHARGE_COSTS, ENERGY_COSTS, investment_schedule, residual_fraction
from dispatch.timegrid import HOURS_PER_YEAR

if TYPE_CHECKING:
    from dispatch.case.loader import CaseData

KG_PER_T = 1000.0
KWH_PER_MWH = 1000.0
FLOW_TOL_KW = 1e-6
"""Flows below this count as zero when an hour is classed as importing or curtailing."""

COMPONENTS = (
    "capex", "replacement", "om", "energy_savings", "charges", "fuel", "carbon", "tax",
    "residual",
)  # fmt: skip
"""Columns of ``cashflow.csv`` besides ``year`` and ``net_cashflow``, in order."""
OPERATING = ("om", "energy_savings", "charges", "fuel", "carbon")
"""The components that make up taxable income (before depreciation)."""


# -- inputs from a solved run -----------------------------------------------------------------
def outlays(caps: dict[str, float], data: CaseData) -> list[dict[str, Any]]:
    """Return every investment of the design over the analysis period.

    The initial investment is the added capacity (size less existing) times its
    ``capex_per_unit``, in year 0; renewals and inverter replacements follow
    :func:`dispatch.finance.investment_schedule`.

    Returns
    -------
    list of dict
        ``{"item", "kind" ("capex" | "replacement"), "year", "cost", "life_years"}``;
        ``life_years`` is how long the outlay serves (for the residual value).
    """
    from dispatch.model.technologies import REGISTRY, spec_of  # the unit costs; loads Pyomo

    case = data.case
    out: list[dict[str, Any]] = []
    for cls in REGISTRY:
        spec = spec_of(case, cls.name)
        if spec is None:
            continue
        sizes = cls.sizes(spec)
        for key, per_unit in cls.capex_per_unit(spec).items():
            added = caps.get(key, 0.0) - (sizes[key].existing if key in sizes else 0.0)
            cost = per_unit * max(added, 0.0)
            if cost <= 0:
                continue
            schedule = investment_schedule(spec, case.finance.analysis_years)
            for kind, year, fraction, life in schedule:
                out.append(
                    {
                        "item": f"{key}_inverter" if kind == "inverter" else key,
                        "kind": "capex" if kind == "capex" else "replacement",
                        "year": year,
                        "cost": fraction * cost,
                        "life_years": life,
                    }
                )
    return out


def marginal_values(ts: pd.DataFrame, data: CaseData) -> tuple[np.ndarray, np.ndarray]:
    """Value of one more kWh on the park's bus in each hour of the solved dispatch.

    An hour that imports saves the import price plus the system operation fee
    (energy) and the carbon price times the grid factor (carbon); an hour that
    curtails gains nothing; any other hour exports the kWh at the export price (0
    without export). First order: the dispatch is held fixed.

    Returns
    -------
    tuple of numpy.ndarray
        Energy value [currency/kWh] and carbon value [currency/kWh], per row of ``ts``.
    """
    n = len(ts)
    case = data.case

    def col(name: str) -> np.ndarray:
        return ts[name].to_numpy(dtype=float) if name in ts else np.zeros(n)

    def series(name: str) -> np.ndarray:
        return np.asarray(data.series[name], dtype=float)[:n]

    importing = col("import_kw") > FLOW_TOL_KW
    curtailing = col("curtailed_kw") > FLOW_TOL_KW
    price = series("import_price_per_kwh") + case.grid.system_operation_fee_per_kwh
    export = series("export_price_per_kwh") if case.grid.export_allowed else np.zeros(n)
    energy = np.where(importing, price, np.where(curtailing, 0.0, export))
    carbon_per_kwh = case.finance.carbon_price_per_tco2 / KG_PER_T
    carbon = np.where(importing, carbon_per_kwh * series("grid_emission_factor_kg_per_kwh"), 0.0)
    return energy, carbon


def degradation_values(
    ts: pd.DataFrame, caps: dict[str, float], data: CaseData
) -> dict[str, float]:
    """Yearly value of the added PV output and of the added battery's shifting (year 1).

    The PV value is ``s * sum_t share_pv * pv_available_kw[t] * v[t]`` and the
    battery's ``s * sum_t share_b * (discharge[t] - charge[t]) * v[t]``, with ``v``
    the hour's marginal value (:func:`marginal_values`), ``s`` the horizon's scale to
    a year and ``share`` the added part of the installed size. Degradation removes a
    growing share of these values year by year (docs/finance.md, section 3).

    Returns
    -------
    dict
        ``pv_energy``, ``pv_carbon``, ``battery_energy``, ``battery_carbon``
        [currency/yr].
    """
    n = len(ts)
    scale = HOURS_PER_YEAR / n
    energy, carbon = marginal_values(ts, data)
    t = data.case.technologies

    def col(name: str) -> np.ndarray:
        return ts[name].to_numpy(dtype=float) if name in ts else np.zeros(n)

    def added_share(key: str, existing: float) -> float:
        total = caps.get(key, 0.0)
        return max(total - existing, 0.0) / total if total > 0 else 0.0

    out = dict.fromkeys(("pv_energy", "pv_carbon", "battery_energy", "battery_carbon"), 0.0)
    if t.pv is not None:
        pv = col("pv_available_kw") * added_share("pv_kw", t.pv.existing_kw)
        out["pv_energy"] = float(pv @ energy) * scale
        out["pv_carbon"] = float(pv @ carbon) * scale
    if t.battery is not None:
        net = col("battery_discharge_kw") - col("battery_charge_kw")
        net = net * added_share("battery_kwh", t.battery.existing_kwh)
        out["battery_energy"] = float(net @ energy) * scale
        out["battery_carbon"] = float(net @ carbon) * scale
    return out


def assumptions(data: CaseData) -> dict[str, Any]:
    """Return the finance assumptions of the cash flow, as written into ``summary.json``."""
    case = data.case
    f, t = case.finance, case.technologies
    battery = t.battery
    renewal = None
    if battery is not None:
        renewal = battery.replacement_year or battery.lifetime_years
    return {
        "analysis_years": f.analysis_years,
        "discount_rate": f.discount_rate,
        "electricity_price_escalation_per_year": f.electricity_price_escalation_per_year,
        "fuel_price_escalation_per_year": f.fuel_price_escalation_per_year,
        "om_escalation_per_year": f.om_escalation_per_year,
        "income_tax_rate": f.income_tax_rate,
        "depreciation_years": f.depreciation_years,
        "depreciation_salvage_fraction": f.depreciation_salvage_fraction,
        "residual_value": f.residual_value,
        "pv_degradation_per_year": t.pv.degradation_per_year if t.pv is not None else 0.0,
        "battery_degradation_per_year": battery.degradation_per_year if battery else 0.0,
        "battery_renewal_interval_years": renewal,
        "currency": f.currency,
        "prices": "real terms; investment as given in the case (state whether with or without "
        "13 % VAT, deductible as input VAT for a VAT payer)",
        "baseline": "the same park with its existing equipment and nothing new",
    }


def financial_block(summary: dict[str, Any], ts: pd.DataFrame, data: CaseData) -> dict[str, Any]:
    """Return the ``financials`` block of ``summary.json`` for a solved run.

    Parameters
    ----------
    summary : dict
        The run's summary, with ``costs_per_year``, ``baseline`` and ``capacities``.
    ts : pandas.DataFrame
        Hourly results.
    data : CaseData
        The case.

    Returns
    -------
    dict
        ``npv``, ``irr``, ``simple_payback_years``, ``discounted_payback_years``,
        ``capex_upfront``, ``lcoe_per_kwh``, ``lifecycle_cost``,
        ``lifecycle_cost_baseline``, then ``assumptions``, ``outlays`` and
        ``degradation_value_per_year`` (the inputs of :func:`cashflow_of`).
    """
    caps = summary["capacities"]
    block: dict[str, Any] = {
        "assumptions": assumptions(data),
        "outlays": outlays(caps, data),
        "degradation_value_per_year": degradation_values(ts, caps, data),
        "consumption_mwh_per_year": float(summary["energy_mwh"]["consumption"]),
    }
    full = {**summary, "financials": block}
    flows = cashflow_of(full)
    assert flows is not None
    return metrics(full, flows) | block


# -- the cash flow ----------------------------------------------------------------------------
def _costs(summary: dict[str, Any], baseline: bool) -> dict[str, float]:
    source = summary["baseline"] if baseline else summary
    costs = source.get("costs_per_year", {})
    return {k: float(v) for k, v in costs.items() if isinstance(v, int | float)}


def _growth(rate: float, years: np.ndarray) -> np.ndarray:
    """``(1 + rate)^(y - 1)`` for years y >= 1 (year 1 at today's prices), 0 in year 0."""
    return np.where(years >= 1, (1.0 + rate) ** (years - 1.0), 0.0)


def _renewal_age(years: np.ndarray, interval: float | None) -> np.ndarray:
    """Years since the battery was last new, at the start of each year (0 in year 1)."""
    age = np.maximum(years - 1.0, 0.0)
    if not interval:
        return age
    step = float(interval)
    renewals = np.floor(np.round(age / step, 9)) * step  # last renewal at or before y - 1
    return np.maximum(age - np.round(renewals), 0.0)


def cashflow_of(summary: dict[str, Any]) -> pd.DataFrame | None:
    """Return the yearly cash flow of a run against its baseline (``cashflow.csv``).

    Parameters
    ----------
    summary : dict
        ``summary.json`` content with ``costs_per_year``, ``baseline.costs_per_year``
        and the ``financials`` inputs written by :func:`financial_block`.

    Returns
    -------
    pandas.DataFrame or None
        One row per year 0..N: ``year``, the components (:data:`COMPONENTS`, inflows
        positive) and ``net_cashflow``; ``None`` when the summary has no financials.
    """
    fin = summary.get("financials")
    if not isinstance(fin, dict) or "assumptions" not in fin or "baseline" not in summary:
        return None
    a = fin["assumptions"]
    n_years = int(a["analysis_years"])
    years = np.arange(n_years + 1, dtype=float)
    design, base = _costs(summary, False), _costs(summary, True)

    def saved(keys: tuple[str, ...]) -> float:
        return sum(base.get(k, 0.0) - design.get(k, 0.0) for k in keys)

    electricity = _growth(a["electricity_price_escalation_per_year"], years)
    fuel = _growth(a["fuel_price_escalation_per_year"], years)
    om = _growth(a["om_escalation_per_year"], years)
    operating = years >= 1
    value = fin["degradation_value_per_year"]
    pv_lost = np.where(operating, 1.0 - (1.0 - a["pv_degradation_per_year"]) ** (years - 1), 0.0)
    age = _renewal_age(years, a.get("battery_renewal_interval_years"))
    battery_lost = np.where(operating, 1.0 - (1.0 - a["battery_degradation_per_year"]) ** age, 0.0)
    lost_energy = pv_lost * value["pv_energy"] + battery_lost * value["battery_energy"]
    lost_carbon = pv_lost * value["pv_carbon"] + battery_lost * value["battery_carbon"]

    cf = pd.DataFrame({"year": years.astype(int)})
    cf["capex"] = 0.0
    cf["replacement"] = 0.0
    for o in fin["outlays"]:
        if o["year"] <= n_years:
            cf.loc[o["year"], "capex" if o["kind"] == "capex" else "replacement"] -= o["cost"]
    cf["om"] = saved(("fixed_om",)) * om
    cf["energy_savings"] = (saved(ENERGY_COSTS) - lost_energy) * electricity
    cf["charges"] = saved(CHARGE_COSTS) * electricity
    cf["fuel"] = saved(("fuel",)) * fuel
    cf["carbon"] = (saved(("carbon",)) - lost_carbon) * operating
    taxable = cf[list(OPERATING)].sum(axis=1).to_numpy() - _depreciation(fin["outlays"], a, years)
    cf["tax"] = np.where(operating, -a["income_tax_rate"] * taxable, 0.0)
    cf["residual"] = 0.0
    if a["residual_value"] == "linear":
        cf.loc[n_years, "residual"] = _residual(fin["outlays"], n_years)
    cf["net_cashflow"] = cf[list(COMPONENTS)].sum(axis=1)
    return cf + 0.0  # no negative zeros in the table


def _depreciation(items: list[dict[str, Any]], a: dict[str, Any], years: np.ndarray) -> np.ndarray:
    """Straight-line depreciation per year: each outlay less salvage, over its first D years.

    ``dep_y = sum_o cost_o * (1 - salvage) / D`` for ``y_o < y <= y_o + D``.
    """
    period = int(a["depreciation_years"])
    share = (1.0 - a["depreciation_salvage_fraction"]) / period
    dep = np.zeros(len(years))
    for o in items:
        dep += np.where((years > o["year"]) & (years <= o["year"] + period), o["cost"] * share, 0.0)
    return dep


def _residual(items: list[dict[str, Any]], n_years: int) -> float:
    """Remaining value at the end of year N: ``sum_o cost_o * max(0, y_o + L_o - N) / L_o``."""
    return float(
        sum(
            o["cost"] * residual_fraction(o["year"], o["life_years"], n_years)
            for o in items
            if o["year"] <= n_years
        )
    )


# -- metrics ----------------------------------------------------------------------------------
def npv(flows: np.ndarray, rate: float) -> float:
    """Net present value ``sum_y flows[y] / (1 + rate)^y`` of yearly flows from year 0."""
    years = np.arange(len(flows), dtype=float)
    return float(np.sum(np.asarray(flows, dtype=float) / (1.0 + rate) ** years))


def irr(flows: np.ndarray, guess: float = 0.0) -> float | None:
    """Return the internal rate of return: the rate at which :func:`npv` is zero.

    Roots of ``sum_y c_y x^y`` with ``x = 1 / (1 + r)`` (numpy's polynomial
    roots), real and positive, polished by Newton steps; of several, the one
    closest to ``guess``. ``None`` when the flows do not change sign or no root
    exists.
    """
    c = np.asarray(flows, dtype=float)
    scale = np.max(np.abs(c)) if len(c) else 0.0
    signs = np.sign(c[np.abs(c) > 1e-12 * scale]) if scale > 0 else np.array([])
    if len(signs) == 0 or (signs > 0).all() or (signs < 0).all():
        return None
    roots = np.roots(c[::-1])  # coefficients from the highest power of x down
    real = roots[(np.abs(roots.imag) <= 1e-8 * np.maximum(1.0, np.abs(roots))) & (roots.real > 0)]
    if len(real) == 0:
        return None
    rates = 1.0 / real.real - 1.0
    rate = float(rates[np.argmin(np.abs(rates - guess))])
    years = np.arange(len(c), dtype=float)
    for _ in range(50):  # Newton on npv(r)
        disc = (1.0 + rate) ** -years
        f = float(np.sum(c * disc))
        df = float(np.sum(-years * c * disc / (1.0 + rate)))
        if df == 0:
            break
        step = f / df
        rate -= step
        if abs(step) < 1e-15 * max(1.0, abs(rate)):
            break
    return rate


def payback(flows: np.ndarray) -> float | None:
    """Years until the cumulative flow turns non-negative, interpolated within the year.

    ``(y - 1) + (-cum_{y-1}) / flow_y`` at the first year y where it does; 0 when
    nothing is invested; ``None`` when it never does within the flows.
    """
    cum = np.cumsum(np.asarray(flows, dtype=float))
    if cum[0] >= 0:
        return 0.0
    for y in range(1, len(cum)):
        if cum[y] >= 0:
            return float(y - 1 + (-cum[y - 1]) / flows[y])
    return None


def metrics(summary: dict[str, Any], cf: pd.DataFrame) -> dict[str, Any]:
    """Return NPV, IRR, paybacks, up-front capex, LCOE and life-cycle costs of a cash flow."""
    fin = summary["financials"]
    a = fin["assumptions"]
    r = float(a["discount_rate"])
    years = cf["year"].to_numpy(dtype=float)
    disc = (1.0 + r) ** -years
    net = cf["net_cashflow"].to_numpy(dtype=float)
    operating = years >= 1
    electricity = _growth(a["electricity_price_escalation_per_year"], years)
    fuel = _growth(a["fuel_price_escalation_per_year"], years)
    om = _growth(a["om_escalation_per_year"], years)
    base, design = _costs(summary, True), _costs(summary, False)

    def yearly(costs: dict[str, float]) -> np.ndarray:
        """Return the costs of one side, escalated like the cash flow (no investment)."""
        return operating * (
            sum(costs.get(k, 0.0) for k in ENERGY_COSTS + CHARGE_COSTS) * electricity
            + costs.get("fuel", 0.0) * fuel
            + costs.get("fixed_om", 0.0) * om
            + costs.get("carbon", 0.0)
        )

    value = npv(net, r)
    lcc_baseline = float(np.sum(yearly(base) * disc))
    # the park's electricity: investment, renewals, O&M, grid energy and charges (with the
    # value degradation takes), less the residual value; no fuel, carbon or tax
    savings_lost = cf["energy_savings"].to_numpy() - saved_energy(base, design) * electricity
    electric = (
        -cf["capex"] - cf["replacement"] - cf["residual"]
        + operating * design.get("fixed_om", 0.0) * om
        + operating * sum(design.get(k, 0.0) for k in ENERGY_COSTS + CHARGE_COSTS) * electricity
        - savings_lost
    ).to_numpy()  # fmt: skip
    consumption = fin["consumption_mwh_per_year"] * KWH_PER_MWH
    discounted_kwh = float(np.sum(operating * consumption * disc))
    return {
        "npv": value,
        "irr": irr(net, guess=r),
        "simple_payback_years": payback(net),
        "discounted_payback_years": payback(net * disc),
        "capex_upfront": float(-cf["capex"].sum()),
        "lcoe_per_kwh": float(np.sum(electric * disc)) / discounted_kwh
        if discounted_kwh > 0
        else None,
        "lifecycle_cost": lcc_baseline - value,
        "lifecycle_cost_baseline": lcc_baseline,
    }


def saved_energy(base: dict[str, float], design: dict[str, float]) -> float:
    """Year-1 saving in grid energy, fees and export revenue (before degradation)."""
    return sum(base.get(k, 0.0) - design.get(k, 0.0) for k in ENERGY_COSTS)
