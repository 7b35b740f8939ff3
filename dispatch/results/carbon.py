"""The park's carbon account: emissions, energy use in tce, baseline and avoided emissions.

Rules (docs/sources.md §3-§4):

- Grid electricity emits at the grid factor (a number or an hourly profile).
- Self-used on-site renewable electricity emits nothing; exports earn no credit.
- Fuel emits at its fuel factor (natural gas by default).
- Imports covered by green certificates emit nothing and count as clean energy, as the case's
  accounting chooses (docs/sources.md §10).
- Energy consumption [tce] = electricity consumed (grid import + self-used renewable) × the
  electricity-to-tce conversion + fuel × its standard-coal equivalent.
- Baseline: the same park with no new equipment; all electricity from the grid, all heat from the
  boiler. Avoided emissions = baseline − actual.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from dispatch.ledger import GREEN_COUNTS
from dispatch.tariffs.emissions import (
    KG_PER_T,
    TceConversion,
    clean_energy_share_target,
    electricity_tce,
    fuel_factor_kg_per_kwh,
    fuel_kgce_per_kwh,
    zero_carbon_threshold,
)

ArrayLike = float | Sequence[float] | np.ndarray
STANDARD_TCE = ("coal-equivalent", "calorific")
"""The electricity-to-tce conversions reported side by side (docs/sources.md §3)."""
KWH_PER_MWH = 1000.0  # unit conversion, not data


def _total(values: ArrayLike) -> float:
    return float(np.sum(np.asarray(values, dtype=float)))


def grid_emissions_t(grid_import_kwh: ArrayLike, factor_kg_per_kwh: ArrayLike) -> float:
    """Return the CO2 of grid imports [t]: Σ import × factor (factor scalar or hourly)."""
    imp = np.asarray(grid_import_kwh, dtype=float)
    factor = np.asarray(factor_kg_per_kwh, dtype=float)
    return float(np.sum(imp * factor)) / KG_PER_T


def energy_consumption_tce(
    electricity_kwh: ArrayLike,
    fuel_kwh: ArrayLike,
    tce: TceConversion,
    fuel: str = "natural_gas",
) -> float:
    """Return energy consumption in tonnes of standard coal [tce].

    Parameters
    ----------
    electricity_kwh : array_like
        Electricity consumed from any source [kWh].
    fuel_kwh : array_like
        Fuel energy burnt [kWh].
    tce : TceConversion
        Electricity-to-tce conversion (see :func:`~dispatch.tariffs.emissions.electricity_tce`).
    fuel : str, default "natural_gas"
        Fuel name.
    """
    kgce = _total(electricity_kwh) * tce.kgce_per_kwh + _total(fuel_kwh) * fuel_kgce_per_kwh(fuel)
    return kgce / KG_PER_T


def fuel_factor_kg_per_kwh_default(fuel: str, given: float | None) -> float:
    """Return ``given``, or the packaged emission factor of ``fuel`` [kgCO2/kWh]."""
    return fuel_factor_kg_per_kwh(fuel) if given is None else float(given)


@dataclass(frozen=True)
class CarbonAccount:
    """The ``emissions`` block of ``summary.json``. Quantities are per year.

    Attributes
    ----------
    tco2_per_year, grid_tco2_per_year, fuel_tco2_per_year : float
        Total, grid-import and fuel emissions [tCO2/yr].
    baseline_tco2_per_year, avoided_tco2_per_year : float
        Baseline emissions and baseline minus actual [tCO2/yr].
    energy_consumption_tce : float
        Energy consumption [tce/yr].
    tco2_per_tce : float
        Emissions per unit of energy consumption [tCO2/tce].
    zero_carbon_threshold_tco2_per_tce : float
        Zero-carbon park limit for the park's energy-use band [tCO2/tce].
    zero_carbon_band : str
        The band that sets the limit.
    zero_carbon_ok : bool
        ``tco2_per_tce`` within the limit.
    clean_energy_share : float
        Clean energy in energy consumption, both in tce [fraction].
    clean_energy_share_target : float
        Guiding minimum of the zero-carbon park notice [fraction].
    electricity_tce_method : str
        Conversion used: ``coal-equivalent``, ``calorific`` or ``custom``.
    electricity_kgce_per_kwh : float
        Its value [kgce/kWh].
    grid_factor_kg_per_kwh : float
        Import-weighted mean grid emission factor [kgCO2/kWh].
    by_electricity_tce : dict
        The indicator under each standard conversion side by side, keyed by method
        (``coal-equivalent``, ``calorific``, and ``custom`` when the case gives a number):
        ``kgce_per_kwh``, ``energy_consumption_tce``, ``tco2_per_tce``,
        ``zero_carbon_threshold_tco2_per_tce``, ``zero_carbon_ok``, ``clean_energy_share``
        and ``verdict`` (true for the conversion the flat keys above use).
    green_certificates_mwh_per_year : float
        Green certificates bought [MWh/yr = certificates/yr].
    green_certificate_tco2_per_year : float
        Emissions of the imports they cover, deducted from ``tco2_per_year`` when certificates
        count toward emissions (``accounting.green_certificates_count_toward``) [tCO2/yr].
    green_certificates_count_toward : str
        ``clean_share``, ``emissions``, ``both`` or ``none``.
    """

    tco2_per_year: float
    grid_tco2_per_year: float
    fuel_tco2_per_year: float
    baseline_tco2_per_year: float
    avoided_tco2_per_year: float
    energy_consumption_tce: float
    tco2_per_tce: float
    zero_carbon_threshold_tco2_per_tce: float
    zero_carbon_band: str
    zero_carbon_ok: bool
    clean_energy_share: float
    clean_energy_share_target: float
    electricity_tce_method: str
    electricity_kgce_per_kwh: float
    grid_factor_kg_per_kwh: float
    by_electricity_tce: dict[str, dict[str, Any]]
    green_certificates_mwh_per_year: float = 0.0
    green_certificate_tco2_per_year: float = 0.0
    green_certificates_count_toward: str = "none"

    def to_dict(self) -> dict[str, Any]:
        """Return the account as a JSON-ready mapping."""
        return asdict(self)


def carbon_account(
    *,
    grid_import_kwh: ArrayLike,
    grid_factor_kg_per_kwh: ArrayLike,
    renewable_self_used_kwh: ArrayLike,
    fuel_kwh: ArrayLike,
    baseline_grid_import_kwh: ArrayLike,
    baseline_fuel_kwh: ArrayLike,
    tce: TceConversion | None = None,
    fuel: str = "natural_gas",
    fuel_factor_kg_per_kwh: float | None = None,
    grid_clean_fraction: float = 0.0,
    scale_to_year: float = 1.0,
    green_certified_kwh: ArrayLike = 0.0,
    green_counts_toward: str = "none",
) -> CarbonAccount:
    """Compute the park's carbon account over a horizon, scaled to a year.

    Parameters
    ----------
    grid_import_kwh : array_like
        Hourly grid import [kWh].
    grid_factor_kg_per_kwh : array_like
        Grid emission factor [kgCO2/kWh], a number or hourly.
    renewable_self_used_kwh : array_like
        On-site renewable electricity used in the park (generation − export − curtailment) [kWh].
    fuel_kwh : array_like
        Fuel burnt [kWh].
    baseline_grid_import_kwh : array_like
        Baseline grid import: the park's electric load without new equipment [kWh].
    baseline_fuel_kwh : array_like
        Baseline fuel: the heat load met by the boiler, divided by its efficiency [kWh].
    tce : TceConversion, optional
        Electricity-to-tce conversion; default coal-equivalent.
    fuel : str, default "natural_gas"
        Fuel of the boiler (for its standard-coal equivalent and default emission factor).
    fuel_factor_kg_per_kwh : float, optional
        Fuel emission factor [kgCO2/kWh of fuel]; default: the packaged factor of ``fuel``.
    grid_clean_fraction : float, default 0
        Share of grid electricity counted as clean (for example contracted green power).
    scale_to_year : float, default 1
        Factor from the horizon to a year (8760 / horizon hours for a short horizon).
    green_certified_kwh : array_like, default 0
        Hourly imports covered by green certificates bought [kWh].
    green_counts_toward : str, default "none"
        What they count toward: ``clean_share`` (clean energy), ``emissions`` (their imports
        emit nothing), ``both`` or ``none`` (docs/sources.md §10).

    Returns
    -------
    CarbonAccount
    """
    tce = electricity_tce() if tce is None else tce
    grid_t = grid_emissions_t(grid_import_kwh, grid_factor_kg_per_kwh) * scale_to_year
    fuel_factor = fuel_factor_kg_per_kwh_default(fuel, fuel_factor_kg_per_kwh)
    fuel_t = _total(fuel_kwh) * fuel_factor / KG_PER_T * scale_to_year
    base_t = (
        grid_emissions_t(baseline_grid_import_kwh, grid_factor_kg_per_kwh)
        + _total(baseline_fuel_kwh) * fuel_factor / KG_PER_T
    ) * scale_to_year
    grid_kwh = _total(grid_import_kwh)
    renewable_kwh = _total(renewable_self_used_kwh)
    green_kwh = _total(green_certified_kwh)
    green_t = grid_emissions_t(green_certified_kwh, grid_factor_kg_per_kwh) * scale_to_year
    counts = GREEN_COUNTS[green_counts_toward]
    credit_t = green_t if "emissions" in counts else 0.0
    green_clean_kwh = green_kwh if "clean_share" in counts else 0.0
    total_t = grid_t + fuel_t - credit_t
    methods = {m: electricity_tce(m) for m in STANDARD_TCE} | {tce.method: tce}
    side = {
        method: _indicator(
            total_t, grid_kwh, renewable_kwh, fuel_kwh, conv, fuel, grid_clean_fraction,
            scale_to_year, green_clean_kwh,
        ) | {"verdict": method == tce.method}
        for method, conv in methods.items()
    }  # fmt: skip
    verdict = side[tce.method]
    mean_factor = (
        grid_t / scale_to_year * KG_PER_T / grid_kwh
        if grid_kwh > 0
        else float(np.mean(np.asarray(grid_factor_kg_per_kwh, dtype=float)))
    )
    return CarbonAccount(
        tco2_per_year=total_t,
        grid_tco2_per_year=grid_t,
        fuel_tco2_per_year=fuel_t,
        baseline_tco2_per_year=base_t,
        avoided_tco2_per_year=base_t - total_t,
        energy_consumption_tce=verdict["energy_consumption_tce"],
        tco2_per_tce=verdict["tco2_per_tce"],
        zero_carbon_threshold_tco2_per_tce=verdict["zero_carbon_threshold_tco2_per_tce"],
        zero_carbon_band=verdict["zero_carbon_band"],
        zero_carbon_ok=verdict["zero_carbon_ok"],
        clean_energy_share=verdict["clean_energy_share"],
        clean_energy_share_target=clean_energy_share_target(),
        electricity_tce_method=tce.method,
        electricity_kgce_per_kwh=tce.kgce_per_kwh,
        grid_factor_kg_per_kwh=mean_factor,
        by_electricity_tce=side,
        green_certificates_mwh_per_year=green_kwh * scale_to_year / KWH_PER_MWH,
        green_certificate_tco2_per_year=credit_t,
        green_certificates_count_toward=green_counts_toward,
    )


def _indicator(
    total_t: float,
    grid_kwh: float,
    renewable_kwh: float,
    fuel_kwh: ArrayLike,
    tce: TceConversion,
    fuel: str,
    grid_clean_fraction: float,
    scale_to_year: float,
    green_clean_kwh: float = 0.0,
) -> dict[str, Any]:
    """Return the zero-carbon indicator under one electricity-to-tce conversion.

    Energy use [tce] = (grid + self-used renewable electricity) x conversion + fuel x its
    kgce/kWh; intensity = tCO2 / tce against the threshold of the energy-use band; clean
    share = clean electricity (self-used renewables, the clean fraction of grid imports and
    the green-certified imports that count toward it) in tce over energy use.
    """
    energy = energy_consumption_tce(grid_kwh + renewable_kwh, fuel_kwh, tce, fuel) * scale_to_year
    clean_kwh = renewable_kwh + grid_clean_fraction * grid_kwh + green_clean_kwh
    clean_tce = clean_kwh * tce.kgce_per_kwh / KG_PER_T
    intensity = total_t / energy if energy > 0 else 0.0
    threshold = zero_carbon_threshold(energy)
    return {
        "kgce_per_kwh": tce.kgce_per_kwh,
        "energy_consumption_tce": energy,
        "tco2_per_tce": intensity,
        "zero_carbon_threshold_tco2_per_tce": threshold.tco2_per_tce,
        "zero_carbon_band": threshold.band,
        "zero_carbon_ok": bool(intensity <= threshold.tco2_per_tce),
        "clean_energy_share": clean_tce * scale_to_year / energy if energy > 0 else 0.0,
    }


def intensity_by_conversion(emissions: dict[str, Any]) -> str:
    """Return the tCO2/tce indicator under each conversion side by side, naming the verdict's.

    ``0.415 coal-equivalent (verdict), 1.013 calorific``; only the verdict's value for an
    ``emissions`` block written without ``by_electricity_tce``.
    """
    side = emissions.get("by_electricity_tce") or {
        emissions.get("electricity_tce_method", "?"): {
            "tco2_per_tce": emissions.get("tco2_per_tce", 0.0),
            "verdict": True,
        }
    }
    items = sorted(side.items(), key=lambda kv: not kv[1].get("verdict"))
    return ", ".join(
        f"{v['tco2_per_tce']:.3f} {k}{' (verdict)' if v.get('verdict') else ''}" for k, v in items
    )
