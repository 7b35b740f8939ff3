"""Emission factors, energy-to-tce conversions and the zero-carbon park threshold.

All values come from ``data/emission_factors.yaml`` and ``data/carbon.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dispatch.tariffs._data import TariffDataError, UnknownKeyError, load, sourced

Scope = Literal["national", "regional", "provincial"]
KG_PER_T = 1000.0  # unit conversion, not data
KJ_PER_KWH = 3600.0  # unit conversion, not data


class UnknownFactorError(UnknownKeyError):
    """A region, province, year, fuel or method outside the packaged data."""


@dataclass(frozen=True)
class GridFactor:
    """A grid CO2 emission factor.

    Attributes
    ----------
    kg_per_kwh : float
        Emission factor [kgCO2/kWh].
    scope : str
        ``"national"``, ``"regional"`` or ``"provincial"``.
    area : str
        ``"national"``, the regional grid (``"east"``) or the province (``"zhejiang"``).
    year : int
        Data year of the factor.
    source : str
        Publication.
    """

    kg_per_kwh: float
    scope: Scope
    area: str
    year: int
    source: str


def _key(name: str) -> str:
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    aliases = load("emission_factors.yaml").get("aliases", {})
    return str(aliases.get(key, key))


def known_grid_factors() -> dict[str, dict[str, list[int]]]:
    """Return the available grid factors: scope → area → years.

    Returns
    -------
    dict
        ``{"national": {"national": [2021, ...]}, "regional": {"east": [2023], ...},
        "provincial": {"zhejiang": [2021, 2022], ...}}``.
    """
    data = load("emission_factors.yaml")
    return {
        "national": {"national": sorted(int(y) for y in data["national"])},
        "regional": {a: sorted(int(y) for y in ys) for a, ys in data["regional"].items()},
        "provincial": {a: sorted(int(y) for y in ys) for a, ys in data["provincial"].items()},
    }


def _listing(areas: dict[str, list[int]]) -> str:
    return "; ".join(f"{a} ({', '.join(map(str, ys))})" for a, ys in areas.items())


def grid_emission_factor(
    *, year: int, region: str | None = None, province: str | None = None
) -> GridFactor:
    """Look up a published grid emission factor.

    Parameters
    ----------
    year : int
        Data year of the factor.
    region : str, optional
        Regional grid (``north``, ``northeast``, ``east``, ``central``, ``northwest``,
        ``south``, ``southwest``) or ``national``.
    province : str, optional
        Province, for example ``zhejiang`` or ``inner-mongolia``. Give region or province, not
        both; neither means the national average.

    Returns
    -------
    GridFactor

    Raises
    ------
    UnknownFactorError
        For an unknown area or a year without data; the message lists what is known.
    """
    if region is not None and province is not None:
        raise ValueError("give either region or province, not both")
    data = load("emission_factors.yaml")
    known = known_grid_factors()
    if province is not None:
        scope: Scope = "provincial"
        area = _key(province)
        table = data["provincial"]
    elif region is None or _key(region) == "national":
        scope, area, table = "national", "national", {"national": data["national"]}
    else:
        scope, area, table = "regional", _key(region), data["regional"]
    if area not in table:
        kind = "province" if scope == "provincial" else "region"
        raise UnknownFactorError(
            f"no grid emission factor for {kind} {area!r}; known {kind}s (years): "
            f"{_listing(known[scope])}"
            + (
                "; or region 'national' " + f"({_listing(known['national'])})"
                if scope != "provincial"
                else ""
            )
        )
    by_year = table[area]
    if year not in by_year:
        raise UnknownFactorError(
            f"no {scope} grid emission factor for {area!r} in {year}; known years: "
            f"{', '.join(map(str, sorted(by_year)))}"
        )
    entry = by_year[year]
    return GridFactor(
        sourced(entry, f"{scope} {area} {year}"), scope, area, int(year), entry["source"]
    )


def fuel_factor_kg_per_kwh(fuel: str = "natural_gas") -> float:
    """Return a fuel's CO2 emission factor per kWh of fuel energy [kgCO2/kWh]."""
    return sourced(_fuel(fuel)["kgco2_per_kwh"], f"{fuel} kgco2_per_kwh")


def fuel_factor_kg_per_nm3(fuel: str = "natural_gas") -> float:
    """Return a gas fuel's CO2 emission factor per normal cubic metre [kgCO2/Nm³]."""
    return sourced(_fuel(fuel)["kgco2_per_nm3"], f"{fuel} kgco2_per_nm3")


def fuel_kgce_per_kwh(fuel: str = "natural_gas") -> float:
    """Return the standard-coal equivalent of one kWh of fuel energy [kgce/kWh].

    Computed from the fuel's kgce per Nm³ and its heating value per Nm³ (GB/T 2589-2020), so the
    two published figures stay consistent.
    """
    entry = _fuel(fuel)
    kgce_per_nm3 = sourced(entry["kgce_per_nm3"], f"{fuel} kgce_per_nm3")
    return kgce_per_nm3 / fuel_kwh_per_nm3(fuel)


def fuel_kwh_per_nm3(fuel: str = "natural_gas") -> float:
    """Return a gas fuel's heating value [kWh/Nm³] (lower heating value behind its kgce factor)."""
    kcal = sourced(_fuel(fuel)["kcal_per_nm3"], f"{fuel} kcal_per_nm3")
    kj_per_kcal = sourced(load("carbon.yaml")["units"]["kj_per_kcal"], "kj_per_kcal")
    return kcal * kj_per_kcal / KJ_PER_KWH


def _fuel(fuel: str) -> dict:
    fuels = load("carbon.yaml")["fuels"]
    if fuel not in fuels:
        raise UnknownFactorError(f"unknown fuel {fuel!r}; known fuels: {', '.join(fuels)}")
    return fuels[fuel]


@dataclass(frozen=True)
class TceConversion:
    """Electricity-to-standard-coal conversion.

    Attributes
    ----------
    method : str
        ``"coal-equivalent"``, ``"calorific"`` or ``"custom"``.
    kgce_per_kwh : float
        Conversion [kgce/kWh].
    source : str
        Where the value comes from.
    """

    method: str
    kgce_per_kwh: float
    source: str


def electricity_tce(method: str | float | None = None) -> TceConversion:
    """Return the electricity-to-tce conversion.

    Parameters
    ----------
    method : str or float, optional
        ``"coal-equivalent"`` (default, ≈0.3 kgce/kWh), ``"calorific"`` (0.1229 kgce/kWh), or a
        number [kgce/kWh] for a custom value.

    Raises
    ------
    UnknownFactorError
        For an unknown method; the message lists the known ones.
    """
    data = load("carbon.yaml")["electricity_tce"]
    if isinstance(method, int | float) and not isinstance(method, bool):
        return TceConversion("custom", float(method), "case value")
    key = data["default"] if method is None else str(method).strip().lower().replace("_", "-")
    if key not in data["methods"]:
        raise UnknownFactorError(
            f"unknown electricity-to-tce method {method!r}; known methods: "
            f"{', '.join(data['methods'])} (or a number in kgce/kWh)"
        )
    entry = data["methods"][key]
    return TceConversion(key, sourced(entry, f"electricity_tce {key}"), entry["source"])


@dataclass(frozen=True)
class ZeroCarbonThreshold:
    """The zero-carbon park limit on emissions per unit of energy consumption.

    Attributes
    ----------
    tco2_per_tce : float
        Limit [tCO2/tce].
    band : str
        The annual energy-use band that sets it.
    in_band : bool
        False when the park's energy use lies below every band of the notice (the strictest
        limit is then applied).
    source : str
        Policy document.
    """

    tco2_per_tce: float
    band: str
    in_band: bool
    source: str


def zero_carbon_threshold(energy_consumption_tce: float) -> ZeroCarbonThreshold:
    """Return the zero-carbon park threshold for a park's annual energy use.

    Parameters
    ----------
    energy_consumption_tce : float
        Annual comprehensive energy consumption [tce/yr].
    """
    data = load("carbon.yaml")["zero_carbon_park"]
    for band in data["bands"]:
        lo, hi = float(band["min_tce"]), band["max_tce"]
        if energy_consumption_tce >= lo and (hi is None or energy_consumption_tce < float(hi)):
            label = (
                f"{lo:,.0f}-{float(hi):,.0f} tce/yr" if hi is not None else f">= {lo:,.0f} tce/yr"
            )
            return ZeroCarbonThreshold(
                float(band["threshold_tco2_per_tce"]), label, True, data["source"]
            )
    lowest = min(float(b["min_tce"]) for b in data["bands"])
    if energy_consumption_tce >= lowest:
        raise TariffDataError("carbon.yaml: zero-carbon bands leave a gap")
    return ZeroCarbonThreshold(
        float(data["below_bands_threshold_tco2_per_tce"]),
        f"< {lowest:,.0f} tce/yr (below the notice's bands; strictest threshold applied)",
        False,
        data["source"],
    )


def clean_energy_share_target() -> float:
    """Return the guiding minimum clean-energy share of consumption for zero-carbon parks."""
    return sourced(load("carbon.yaml")["zero_carbon_park"]["clean_energy_share_min"], "clean share")


def zero_carbon_thresholds() -> tuple[float, ...]:
    """Return the zero-carbon park limits of every energy-use band [tCO2/tce], ascending."""
    data = load("carbon.yaml")["zero_carbon_park"]
    return tuple(sorted({float(b["threshold_tco2_per_tce"]) for b in data["bands"]}))
