"""Regenerate the hourly CSVs of the embedded example park (Ningbo, Zhejiang).

Run ``python profiles/make_example_profiles.py``. The shapes are documented in
profiles/README.md; the random seed makes the output reproducible.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pvlib

YEAR = 2030
LAT, LON, ALT = 29.8, 121.9, 10.0  # Ningbo Meishan (docs/sources.md §7)
OUT = Path(__file__).parent
rng = np.random.default_rng(20250530)

idx = pd.date_range(f"{YEAR}-01-01", periods=8760, freq="h", tz="Asia/Shanghai")
doy = idx.dayofyear.to_numpy()
hod = idx.hour.to_numpy()

# Air temperature: annual mean 16.4 C, January 4.7 C, July 28.0 C, daily swing 7 K.
seasonal = 16.4 - 11.7 * np.cos(2 * np.pi * (doy - 15) / 365)
daily = 3.5 * np.cos(2 * np.pi * (hod - 14) / 24)
weather_noise = np.convolve(rng.normal(0, 1.2, 8760 + 71), np.ones(72) / np.sqrt(72), "valid")
temp_air = seasonal + daily + weather_noise[:8760]

# Irradiance: clear sky times a persistent daily cloud factor (clearness ~0.45 annual).
loc = pvlib.location.Location(LAT, LON, "Asia/Shanghai", ALT)
clear = loc.get_clearsky(idx, model="ineichen")
day_state = np.empty(365)
state = 0.6
for d in range(365):
    state = 0.55 * state + 0.45 * rng.beta(2.2, 1.6)
    day_state[d] = state
cloud = np.clip(np.repeat(day_state, 24) + rng.normal(0, 0.06, 8760), 0.05, 1.0)
ghi = clear["ghi"].to_numpy() * cloud
solpos = loc.get_solarposition(idx)
erbs = pvlib.irradiance.erbs(ghi, solpos["zenith"], idx)
poa = pvlib.irradiance.get_total_irradiance(
    20, 180, solpos["apparent_zenith"], solpos["azimuth"], erbs["dni"], ghi, erbs["dhi"]
)
cell = pvlib.temperature.faiman(poa["poa_global"], temp_air, 3.0)
dc = pvlib.pvsystem.pvwatts_dc(poa["poa_global"].fillna(0), cell, 1.0, -0.0037)
ac = pvlib.inverter.pvwatts(dc * 0.86, 1.0 / 1.2)
pv = np.clip(np.nan_to_num(ac.to_numpy() / (1.0 / 1.2) / 1.2), 0, 1)

# Wind: coastal site, Weibull k = 2.0, hub mean 6.4 m/s, AR(1) hourly persistence.
z = np.empty(8760)
z[0] = 0.0
eps = rng.normal(0, np.sqrt(1 - 0.95**2), 8760)
for t in range(1, 8760):
    z[t] = 0.95 * z[t - 1] + eps[t]
u = np.clip(0.5 * (1 + np.vectorize(__import__("math").erf)(z / np.sqrt(2))), 1e-6, 1 - 1e-6)
speed = 6.4 / 0.886 * (-np.log(1 - u)) ** (1 / 2.0)
speed *= 1 + 0.12 * np.cos(2 * np.pi * (doy - 20) / 365)  # windier in winter monsoon
curve_v = np.array([0, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 25, 25.01])
curve_p = np.array([0, 0, 0.03, 0.08, 0.16, 0.27, 0.42, 0.60, 0.78, 0.92, 1.0, 1.0, 0])
wind = np.interp(speed, curve_v, curve_p) * 0.95  # 5 % availability and wake losses

# Heat pump COP: 45 % of Carnot, sink 80 C process hot water, air source.
t_sink = 80 + 273.15
lift = np.maximum(t_sink - (temp_air + 273.15), 15.0)
cop = np.clip(0.45 * t_sink / lift, 1.0, 6.0)

# Electric load: two-shift manufacturing plus logistics, ~25 GWh/year.
weekday = idx.dayofweek.to_numpy() < 5
shift = np.where((hod >= 8) & (hod < 20), 1.0, np.where((hod >= 20) | (hod < 1), 0.8, 0.62))
week = np.where(weekday, 1.0, 0.72)
cooling = 1 + 0.18 * np.clip((temp_air - 24) / 8, 0, 1)
spring_festival = (doy >= 41) & (doy <= 54)  # 10-23 Feb; Spring Festival 2030 is 3 Feb
holiday = np.where(spring_festival, 0.35, 1.0)
elec = 3650 * shift * week * cooling * holiday * (1 + rng.normal(0, 0.03, 8760))

# Heat load: process heat at 80 C (two shifts) plus space heat below 15 C.
process = 1050 * np.where((hod >= 7) & (hod < 21), 1.0, 0.35) * week * holiday
space = 160 * np.clip(15 - temp_air, 0, None)
heat = (process + space) * (1 + rng.normal(0, 0.03, 8760))

# Import price: Zhejiang large industry TOU (zhejiang-2024 bands, docs/sources.md §5).
month = idx.month.to_numpy()
summer_winter = np.isin(month, [1, 7, 8, 12])
levels = {"sharp": 1.34, "peak": 1.12, "flat": 0.68, "valley": 0.27}
band = np.full(8760, "flat", dtype=object)
valley = (hod < 8) | ((hod >= 11) & (hod < 13))
band[valley] = "valley"
sa_peak = ((hod >= 8) & (hod < 11)) | ((hod >= 13) & (hod < 17))
sw_sharp = ((hod >= 9) & (hod < 11)) | ((hod >= 15) & (hod < 17))
sw_peak = ((hod >= 8) & (hod < 9)) | ((hod >= 17) & (hod < 23))
band[~summer_winter & sa_peak] = "peak"
band[summer_winter & sw_peak] = "peak"
band[summer_winter & sw_sharp] = "sharp"
price = np.array([levels[b] for b in band])

stamp = idx.tz_localize(None).strftime("%Y-%m-%d %H:%M")
for name, col, values, digits in (
    ("elec.csv", "load_kw", elec, 1),
    ("heat.csv", "heat_kw_th", heat, 1),
    ("pv.csv", "pv_kw_per_kw", pv, 4),
    ("wind.csv", "wind_kw_per_kw", wind, 4),
    ("cop.csv", "cop", cop, 3),
    ("price.csv", "import_price_per_kwh", price, 4),
):
    pd.DataFrame({"timestamp": stamp, col: np.round(values, digits)}).to_csv(
        OUT / name, index=False
    )
print(
    f"elec {elec.sum() / 1e6:.1f} GWh, peak {elec.max():.0f} kW; "
    f"heat {heat.sum() / 1e6:.1f} GWh_th; "
    f"PV {pv.sum():.0f} kWh/kWp; wind CF {wind.mean():.3f}; COP mean {cop.mean():.2f}; "
    f"T mean {temp_air.mean():.1f} Jan {temp_air[month == 1].mean():.1f} "
    f"Jul {temp_air[month == 7].mean():.1f}"
)
