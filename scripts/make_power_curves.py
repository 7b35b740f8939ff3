"""Generate the generic, normalised wind-turbine power curves shipped in dispatch/profiles/data.

Model (source PROJECT_POWER_CURVE in sources.csv): P(v) = 1/2 rho_0 A Cp v^3, clipped at rated
power, zero below cut-in and above cut-out, then smoothed with a Gaussian of standard deviation
``turbulence_intensity * v`` to round the knee as a 10-minute-average curve would. Turbine data
are read from wind_turbines.csv, so this script contains no turbine numbers itself.

Run: python scripts/make_power_curves.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parents[1] / "dispatch" / "profiles" / "data"


def ideal_curve(speed: np.ndarray, row: pd.Series) -> np.ndarray:
    """Unsmoothed power [kW/kW rated] at wind speeds ``speed`` [m/s]."""
    area = np.pi * (row.rotor_diameter_m / 2.0) ** 2
    power_w = 0.5 * row.air_density_kg_m3 * area * row.cp * speed**3
    p = np.minimum(power_w / (row.rated_kw * 1000.0), 1.0)
    p[(speed < row.cut_in_m_s) | (speed > row.cut_out_m_s)] = 0.0
    return p


def smoothed_curve(speed: np.ndarray, row: pd.Series) -> np.ndarray:
    """Turbulence-smoothed power [kW/kW rated]; the cut-out stays a sharp step."""
    fine = np.arange(0.0, row.cut_out_m_s + 5.0, 0.01)
    p_fine = ideal_curve(fine, row)
    out = np.zeros_like(speed)
    for i, v in enumerate(speed):
        if v < row.cut_in_m_s or v > row.cut_out_m_s:
            continue
        sigma = max(row.turbulence_intensity * v, 1e-6)
        w = np.exp(-0.5 * ((fine - v) / sigma) ** 2)
        # below-rated region only: beyond cut-out the curve is not smoothed
        p_clip = np.where(fine > row.cut_out_m_s, 1.0, p_fine)
        out[i] = float(np.sum(w * p_clip) / np.sum(w))
    out[(speed < row.cut_in_m_s) | (speed > row.cut_out_m_s)] = 0.0
    return np.round(out, 4)


def main() -> None:
    """Write wind_power_curves.csv from wind_turbines.csv."""
    turbines = pd.read_csv(DATA / "wind_turbines.csv")
    speed = np.round(np.concatenate([np.arange(0.0, 25.01, 0.5), [25.01, 30.0]]), 2)
    table = pd.DataFrame({"wind_speed_m_s": speed})
    for _, row in turbines.iterrows():
        table[row.turbine_class] = smoothed_curve(speed, row)
    table.to_csv(DATA / "wind_power_curves.csv", index=False)
    print(table.to_string())


if __name__ == "__main__":
    main()
