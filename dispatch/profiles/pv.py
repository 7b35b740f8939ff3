"""PV availability with pvlib: PVWatts-style DC and inverter models.

Chain: solar position (mid-hour) -> plane-of-array irradiance (Perez transposition; fixed rack or
single-axis tracker) -> angle-of-incidence loss (physical IAM) -> SAPM cell temperature ->
PVWatts DC power with temperature coefficient -> system losses -> PVWatts inverter with
clipping at the AC rating (DC/AC ratio). The result is AC power per kW of DC nameplate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pvlib

from dispatch.profiles._data import parameter
from dispatch.profiles.weather import solar_position


def default_tilt_deg(latitude: float) -> float:
    """Return the default fixed tilt: about latitude minus 5 degrees, never negative [deg].

    Parameters
    ----------
    latitude : float
        Latitude [degrees north].

    Returns
    -------
    float
        Tilt from horizontal [degrees].
    """
    return max(abs(latitude) - parameter("pv", "tilt_below_latitude_deg"), 0.0)


def plane_of_array(
    weather: pd.DataFrame,
    solar_pos: pd.DataFrame,
    surface_tilt: float | pd.Series,
    surface_azimuth: float | pd.Series,
    albedo: float | None = None,
) -> pd.DataFrame:
    """Return plane-of-array irradiance (Perez) and the angle of incidence.

    Parameters
    ----------
    weather : pandas.DataFrame
        Columns ``ghi``, ``dni``, ``dhi`` [W/m2].
    solar_pos : pandas.DataFrame
        Solar position on the same index (mid-hour), from
        :func:`dispatch.profiles.weather.solar_position`.
    surface_tilt, surface_azimuth : float or pandas.Series
        Module orientation [degrees; azimuth 180 = south].
    albedo : float, optional
        Ground reflectance [-]; default from ``parameters.yaml``.

    Returns
    -------
    pandas.DataFrame
        pvlib POA columns (``poa_global``, ``poa_direct``, ``poa_diffuse``, ...) [W/m2] and
        ``aoi`` [degrees].
    """
    albedo = parameter("pv", "albedo") if albedo is None else albedo
    doy = pd.DatetimeIndex(weather.index).dayofyear.to_numpy(dtype=float)
    dni_extra = pd.Series(pvlib.irradiance.get_extra_radiation(doy), index=weather.index)
    airmass = pvlib.atmosphere.get_relative_airmass(solar_pos["apparent_zenith"])
    poa = pvlib.irradiance.get_total_irradiance(
        surface_tilt,
        surface_azimuth,
        solar_pos["apparent_zenith"],
        solar_pos["azimuth"],
        weather["dni"],
        weather["ghi"],
        weather["dhi"],
        dni_extra=dni_extra,
        airmass=airmass,
        albedo=albedo,
        model="perez",
    )
    aoi = pvlib.irradiance.aoi(
        surface_tilt, surface_azimuth, solar_pos["apparent_zenith"], solar_pos["azimuth"]
    )
    return poa.fillna(0.0).assign(aoi=aoi)


def pv_dc_ac(
    effective_irradiance: pd.Series,
    temp_cell: pd.Series,
    dc_ac_ratio: float | None = None,
    losses_fraction: float | None = None,
    gamma_pdc: float | None = None,
) -> pd.Series:
    """Return AC power per kW of DC nameplate from effective irradiance and cell temperature.

    PVWatts DC model ``P_dc = G_eff / 1000 * (1 + gamma (T_cell - 25))`` per kWp, times
    ``1 - losses_fraction``, then the PVWatts inverter with AC rating ``1 / dc_ac_ratio`` per kWp
    (clipping above it).

    Parameters
    ----------
    effective_irradiance : pandas.Series
        Irradiance reaching the cells [W/m2].
    temp_cell : pandas.Series
        Cell temperature [C].
    dc_ac_ratio : float, optional
        DC nameplate over inverter AC rating [-].
    losses_fraction : float, optional
        DC system losses (soiling, wiring, mismatch, availability ...) [-].
    gamma_pdc : float, optional
        Temperature coefficient of power [1/K].

    Returns
    -------
    pandas.Series
        AC power [kW AC per kWp DC], within 0..1/dc_ac_ratio.
    """
    dc_ac_ratio = parameter("pv", "dc_ac_ratio") if dc_ac_ratio is None else dc_ac_ratio
    losses = parameter("pv", "losses_fraction") if losses_fraction is None else losses_fraction
    gamma = parameter("pv", "gamma_pdc_per_k") if gamma_pdc is None else gamma_pdc
    eta = parameter("pv", "inverter_efficiency")
    pdc = pvlib.pvsystem.pvwatts_dc(effective_irradiance, temp_cell, 1.0, gamma)
    pdc = pdc * (1.0 - losses)
    pac0 = 1.0 / dc_ac_ratio
    pac = pvlib.inverter.pvwatts(pdc, pac0 / eta, eta_inv_nom=eta)
    return pd.Series(np.clip(np.nan_to_num(pac), 0.0, pac0), index=effective_irradiance.index)


def pv_availability(
    weather: pd.DataFrame,
    latitude: float,
    longitude: float,
    altitude_m: float = 0.0,
    tilt_deg: float | None = None,
    azimuth_deg: float | None = None,
    tracking: bool = False,
    dc_ac_ratio: float | None = None,
    losses_fraction: float | None = None,
    solar_pos: pd.DataFrame | None = None,
) -> pd.Series:
    """Return hourly PV availability [kW AC per kWp DC].

    Parameters
    ----------
    weather : pandas.DataFrame
        Columns ``ghi``, ``dni``, ``dhi`` [W/m2], ``temp_air`` [C], ``wind_speed`` [m/s] on a
        time-zone aware hour-beginning index.
    latitude, longitude : float
        Location [degrees].
    altitude_m : float, default 0
        Altitude [m].
    tilt_deg : float, optional
        Fixed tilt [degrees]; default latitude minus 5. Ignored when tracking.
    azimuth_deg : float, optional
        Fixed azimuth [degrees, 180 = south]; default 180. Ignored when tracking.
    tracking : bool, default False
        Horizontal north-south single-axis tracker with backtracking.
    dc_ac_ratio : float, optional
        DC/AC ratio [-]; default 1.2.
    losses_fraction : float, optional
        System losses [-]; default 0.1408 (PVWatts).
    solar_pos : pandas.DataFrame, optional
        Precomputed :func:`dispatch.profiles.weather.solar_position`.

    Returns
    -------
    pandas.Series
        ``pv_kw_per_kw`` in 0..1, zero at night.
    """
    if solar_pos is None:
        solar_pos = solar_position(pd.DatetimeIndex(weather.index), latitude, longitude, altitude_m)
    if tracking:
        track = pvlib.tracking.singleaxis(
            solar_pos["apparent_zenith"],
            solar_pos["azimuth"],
            axis_tilt=0.0,
            axis_azimuth=180.0,
            max_angle=parameter("pv", "tracker_max_angle_deg"),
            backtrack=True,
            gcr=parameter("pv", "tracker_gcr"),
        )
        tilt = track["surface_tilt"].fillna(0.0)
        azimuth = track["surface_azimuth"].fillna(180.0)
    else:
        tilt = default_tilt_deg(latitude) if tilt_deg is None else tilt_deg
        azimuth = parameter("pv", "azimuth_deg") if azimuth_deg is None else azimuth_deg
    poa = plane_of_array(weather, solar_pos, tilt, azimuth)
    iam = pvlib.iam.physical(poa["aoi"])
    effective = poa["poa_direct"] * iam + poa["poa_diffuse"]
    temp_cell = pvlib.temperature.sapm_cell(
        poa["poa_global"],
        weather["temp_air"],
        weather["wind_speed"].fillna(1.0),
        parameter("pv", "sapm_a"),
        parameter("pv", "sapm_b"),
        parameter("pv", "sapm_delta_t"),
    )
    out = pv_dc_ac(effective, temp_cell, dc_ac_ratio, losses_fraction)
    out[weather["ghi"].to_numpy() <= 0.0] = 0.0
    return out.rename("pv_kw_per_kw")
