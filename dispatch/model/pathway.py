"""A case moved to a milestone year: the periods of a pathway run (``dispatch pathway``).

Rates given per year (``pathway.load_growth_per_year`` ...) compound over the calendar
years between the case year and the milestone; levels given per year (the rule, the
emission factor) take the value in force in the milestone year (docs/formulation.md,
pathway, W1).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from dispatch.case.loader import CaseData
from dispatch.errors import CaseError, Problem
from dispatch.model.technologies import REGISTRY

CAPEX_KEYS: dict[str, tuple[str, ...]] = {
    "pv": ("capex_per_kw",),
    "wind": ("capex_per_kw",),
    "battery": ("capex_per_kwh", "capex_per_kw"),
    "heat_pump": ("capex_per_kw_th",),
}
"""The investment-cost keys each ``pathway.capex_change_per_year`` rate scales."""

SIZE_KEYS: dict[str, tuple[str, str, str, str]] = {
    "pv_kw": ("technologies.pv", "min_kw", "max_kw", "existing_kw"),
    "wind_kw": ("technologies.wind", "min_kw", "max_kw", "existing_kw"),
    "battery_kwh": ("technologies.battery", "min_kwh", "max_kwh", "existing_kwh"),
    "battery_kw": ("technologies.battery", "min_kw", "max_kw", "existing_kw"),
    "heat_pump_kw_th": ("technologies.heat_pump", "min_kw_th", "max_kw_th", "existing_kw_th"),
    "grid_connection_kw": ("grid", "connection_kw", "connection_kw", ""),
}
"""Each capacity: its case section, the keys of its lower and upper limit and existing part."""


def size_keys(key: str) -> tuple[str, str, str, str]:
    """Return the case section and limit keys of a capacity (:data:`SIZE_KEYS`).

    A capacity not listed follows the convention of ``Technology.size_var``:
    ``<tech>_<suffix>`` has ``min_<suffix>``, ``max_<suffix>`` and ``existing_<suffix>``
    in ``technologies.<tech>``.
    """
    if key in SIZE_KEYS:
        return SIZE_KEYS[key]
    for cls in sorted(REGISTRY, key=lambda c: -len(c.name)):
        if key.startswith(f"{cls.name}_"):
            suffix = key.removeprefix(f"{cls.name}_")
            section = f"technologies.{cls.name}"
            return section, f"min_{suffix}", f"max_{suffix}", f"existing_{suffix}"
    raise KeyError(f"no case keys known for the capacity {key!r}")


def value_at(spec: float | dict[int, float], year: int) -> float:
    """Return the value of a per-year mapping in force in ``year``.

    A number holds every year; in ``{y1: v1, y2: v2}`` each value holds from its year
    until the next, and years before the first take the first value.
    """
    if not isinstance(spec, dict):
        return float(spec)
    keys = sorted(spec)
    known = [k for k in keys if k <= year]
    return float(spec[known[-1] if known else keys[0]])


def growth(rate: float | dict[int, float], base: int, year: int) -> float:
    """Return the factor a per-year rate compounds to from ``base`` to ``year``.

    (W1) ``f = prod_{t=base}^{year-1} (1 + r_t)``; for ``year < base`` the inverse,
    ``1 / prod_{t=year}^{base-1} (1 + r_t)``.
    """
    low, high = min(base, year), max(base, year)
    factor = float(np.prod([1.0 + value_at(rate, t) for t in range(low, high)]))
    return factor if year >= base else 1.0 / factor


def check_years(years: list[int], file: str) -> None:
    """Refuse an unsorted or repeated list of milestone years (one line, exit 2)."""
    if not years:
        raise CaseError([Problem(file, "--years", "give at least one milestone year")])
    for a, b in zip(years, years[1:], strict=False):
        if b == a:
            raise CaseError([Problem(file, "--years", f"year {a} is given twice")])
        if b < a:
            raise CaseError([Problem(file, "--years", f"years must increase: {b} comes after {a}")])


def moved_to(data: CaseData, year: int, overrides: dict[str, Any] | None = None) -> CaseData:
    """Return the case moved to milestone ``year`` (a period of the pathway).

    The case year becomes ``year`` (calendar, tariff year, default rule); the
    consumption-share rule takes ``pathway.self_use_min_of_consumption`` when given;
    investment costs and the boiler fuel price scale by their rates compounded from the
    case year (W1); the electricity and heat loads, the import and export prices and
    the grid emission factor are scaled hour by hour.

    Parameters
    ----------
    data : CaseData
        The case as written.
    year : int
        The milestone year.
    overrides : dict, optional
        Further dotted-key overrides (sizes fixed for a dispatch, say).
    """
    case = data.case
    p = case.pathway
    base = case.year
    changes: dict[str, Any] = {"year": year}
    if p.self_use_min_of_consumption is not None:
        changes["rules.self_use_min_of_consumption"] = value_at(p.self_use_min_of_consumption, year)
    for tech, keys in CAPEX_KEYS.items():
        spec = getattr(case.technologies, tech)
        if spec is None:
            continue
        factor = growth(getattr(p.capex_change_per_year, tech), base, year)
        for key in keys:
            changes[f"technologies.{tech}.{key}"] = getattr(spec, key) * factor
    fuel_rate = p.fuel_escalation_per_year
    if fuel_rate is None:
        fuel_rate = case.finance.fuel_price_escalation_per_year
    if case.technologies.boiler is not None:
        price = case.technologies.boiler.fuel_price_per_kwh
        changes["technologies.boiler.fuel_price_per_kwh"] = price * growth(fuel_rate, base, year)
    changes.update(overrides or {})
    moved = data.with_overrides(changes)
    series = dict(moved.series)
    scale = {
        "load_kw": growth(p.load_growth_per_year.electricity, base, year),
        "heat_load_kw_th": growth(p.load_growth_per_year.heat, base, year),
    }
    tariff_rate = p.tariff_escalation_per_year
    if tariff_rate is None:
        tariff_rate = case.finance.electricity_price_escalation_per_year
    for column in ("import_price_per_kwh", "export_price_per_kwh"):
        scale[column] = growth(tariff_rate, base, year)
    factor_column = "grid_emission_factor_kg_per_kwh"
    if p.grid_emission_factor_kg_per_kwh is not None and factor_column in series:
        level = value_at(p.grid_emission_factor_kg_per_kwh, year)
        series[factor_column] = np.full_like(series[factor_column], level)
    else:
        scale[factor_column] = growth(p.grid_emission_factor_change_per_year, base, year)
    for column, factor in scale.items():
        if column in series and factor != 1.0:
            series[column] = series[column] * factor
    return replace(moved, series=series)


def fixed_sizes(sizes: dict[str, float]) -> dict[str, Any]:
    """Return the overrides that fix every capacity of ``sizes`` (both limits at the value)."""
    out: dict[str, Any] = {}
    for key, value in sizes.items():
        section, low, high, _ = size_keys(key)
        out[f"{section}.{low}"] = out[f"{section}.{high}"] = float(value)  # exact: rules bind
    return out


def floors(sizes: dict[str, float]) -> dict[str, Any]:
    """Return the overrides that keep every capacity of ``sizes`` at least at its value."""
    return {
        "{}.{}".format(*size_keys(k)[:2]): float(v)
        for k, v in sizes.items()
        if k != "grid_connection_kw"
    }
