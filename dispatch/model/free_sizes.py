"""Sizes that cost nothing: one note each, so a zero price never goes unnoticed.

The optimiser chooses every size at least annual cost (O1). A size whose unit cost is
zero (no capex, no fixed O&M, no capacity charge) is free: any value that carries the
flows is optimal, so the size it reports is arbitrary, often the largest allowed. The
unit costs are the technologies' own (:meth:`Technology.unit_costs`), the numbers the
objective uses, so the check and the model cannot disagree.
"""

from __future__ import annotations

from dispatch.case.schema import Case
from dispatch.model.technologies import REGISTRY, spec_of

SOURCES = "docs/sources.md §2"
"""Where the grid charges of notice 1192, and the lack of published values, are cited."""


def _price_keys(section: str, capacity_key: str, tech_name: str) -> list[str]:
    """Case keys of the capex and fixed O&M of a size (``pv_kw`` -> ``capex_per_kw`` ...)."""
    unit = capacity_key.removeprefix(f"{tech_name}_")
    return [f"{section}.capex_per_{unit}", f"{section}.fixed_om_per_{unit}_year"]


def _grid_notes(case: Case) -> list[str]:
    """Zero grid charges: the connection (capacity schemes) and the demand charge."""
    g = case.grid
    notes: list[str] = []
    scheme = g.charge_scheme
    fixed = g.connection_kw is not None
    if (
        not fixed
        and scheme in ("basic_capacity", "capacity_td")
        and g.capacity_rate_per_kw_month() == 0
    ):
        keys = (
            "grid.capacity_charge_per_kw_month"
            if scheme == "basic_capacity"
            else "grid.td_price_per_kwh x grid.average_load_rate"
        )
        notes.append(
            f"{keys} is 0: the grid connection is free, so its size (grid_connection_kw) is "
            f"arbitrary; notice 1192 published no typical value ({SOURCES}): set the "
            "provincial charge, or fix grid.connection_kw."
        )
    elif not fixed and scheme == "none":
        notes.append(
            "grid.charge_scheme is none: the grid connection is free, so its size "
            "(grid_connection_kw) is arbitrary; fix grid.connection_kw or choose a charge "
            f"scheme ({SOURCES})."
        )
    if scheme == "demand" and g.demand_rate_per_kw_month() == 0:
        notes.append(
            "grid.demand_charge_per_kw_month is 0: each month's maximum import costs nothing, "
            f"so peaks are not shaved ({SOURCES})."
        )
    if (
        g.system_operation_fee_per_kwh == 0
        and "system_operation_fee_per_kwh" not in g.model_fields_set
    ):
        notes.append(
            "grid.system_operation_fee_per_kwh is left at 0: notice 1192 published no typical "
            f"value ({SOURCES}); set the provincial fee in the case."
        )
    return notes


def zero_price_notes(case: Case) -> list[str]:
    """Return one note per size (or grid charge) whose price is zero.

    A size is noted when its unit cost per year is zero and the case does not fix it
    (``min`` equal to ``max``, or ``grid.connection_kw`` given). The grid's notes also
    cover a zero demand charge and a system operation fee left at its default of 0.

    Parameters
    ----------
    case : Case
        The validated case.

    Returns
    -------
    list of str
        One line each, naming the case keys to set.
    """
    notes: list[str] = []
    rate = case.finance.discount_rate
    for tech in REGISTRY:
        spec = spec_of(case, tech.name)
        if spec is None or tech.name == "grid":
            continue
        sizes = tech.sizes(spec)
        for key, costs in tech.unit_costs(spec, rate).items():
            size = sizes.get(key)
            if sum(costs.values()) > 0 or (size is not None and size.high == size.low):
                continue
            section = f"technologies.{tech.name}"
            prices = " and ".join(_price_keys(section, key, tech.name))
            limit = f" (up to {section}.max_{key.removeprefix(tech.name + '_')})"
            notes.append(
                f"{prices} are 0: {key} is free, so its size is arbitrary{limit}; set its "
                "price, or fix the size with equal min and max."
            )
    return notes + _grid_notes(case)
