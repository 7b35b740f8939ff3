"""Inputs that are valid but implausible for a park: one note each.

A load file in MW instead of kW passes every bound (a load is any non-negative number)
and solves; its results are a thousand times too small. These checks compare the loads'
magnitudes with what a park can be, using the limits of the ``plausibility`` section of
``dispatch/data/defaults.yaml``, and return notes for the results rather than errors:
an unusual park is allowed, an unnoticed unit mistake is not.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dispatch.case.defaults import default

LOADS = (
    # (series name, dotted case key, unit)
    ("load_kw", "load.electricity_kw", "kW"),
    ("heat_load_kw_th", "load.heat_kw_th", "kW_th"),
)


def plausibility_notes(series: dict[str, np.ndarray], file: Path) -> list[str]:
    """Return one note per load whose magnitude is implausible for a park.

    A load is noted when its mean is below ``min_mean_load_kw`` (likely MW instead of
    kW) or above ``max_mean_load_kw`` (likely W), and an electric load also when its
    peak exceeds ``max_peak_to_mean_electricity`` times its mean. A heat load of zero in
    every hour is no heat load, and is not noted.

    Parameters
    ----------
    series : dict of str to numpy.ndarray
        The case's hourly inputs (``load_kw``, ``heat_load_kw_th`` ...).
    file : pathlib.Path
        The case file, named in each note.

    Returns
    -------
    list of str
        One line each: file, key, what looks wrong and the likely fix.
    """
    low = float(default("plausibility", "min_mean_load_kw"))
    high = float(default("plausibility", "max_mean_load_kw"))
    ratio = float(default("plausibility", "max_peak_to_mean_electricity"))
    notes: list[str] = []
    for name, key, unit in LOADS:
        if name not in series:
            continue
        values = np.asarray(series[name], dtype=float)
        mean, peak = float(values.mean()), float(values.max())
        where = f"{file}: {key}"
        if peak == 0:
            if name == "load_kw":
                notes.append(f"{where}: the electric load is 0 in every hour")
            continue
        if mean < low:
            notes.append(
                f"{where}: mean load {mean:,.3g} {unit} is implausibly small for a park "
                f"(below {low:,.0f} {unit}); if the file is in M{unit[1:]}, multiply by 1000"
            )
        elif mean > high:
            notes.append(
                f"{where}: mean load {mean:,.3g} {unit} is implausibly large for a park "
                f"(above {high / 1e6:,.0f} G{unit[1:]}); if the file is in W, divide by 1000"
            )
        if name == "load_kw" and peak > ratio * mean:
            notes.append(
                f"{where}: the peak ({peak:,.0f} {unit}) is {peak / mean:,.0f} times the mean "
                f"({mean:,.0f} {unit}), above {ratio:g} for any park; check the profile for "
                "rows in other units or misplaced decimals"
            )
    return notes
