"""Hourly grid inputs derived from a case's tariff, emission-factor and export settings.

The case loader (:func:`dispatch.case.loader.read_profiles`) adds these to the profiles it reads,
so the model and the results see the same arrays whatever form the case used.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dispatch.tariffs._data import UnknownKeyError
from dispatch.tariffs.charges import coal_benchmark_price
from dispatch.timegrid import HOURS_PER_YEAR


def grid_series(grid: Any, year: int) -> dict[str, np.ndarray]:
    """Return the hourly grid series implied by ``grid.tariff`` and ``grid.emission_factor``.

    Parameters
    ----------
    grid : dispatch.case.schema.Grid
        The validated ``grid`` section.
    year : int
        Case year.

    Returns
    -------
    dict of str to numpy.ndarray
        Any of ``import_price_per_kwh`` (from the tariff),
        ``export_price_per_kwh`` (the coal benchmark price of the tariff calendar's province,
        when the case sets no export price) and ``grid_emission_factor_kg_per_kwh`` (a published
        factor), 8760 values each.
    """
    out: dict[str, np.ndarray] = {}
    if grid.tariff is not None:
        tariff = grid.tariff.build()
        out["import_price_per_kwh"] = tariff.prices(year).to_numpy(dtype=float)
        province = tariff.calendar.province
        if "export_price_per_kwh" not in grid.model_fields_set and province is not None:
            try:
                price = coal_benchmark_price(province)
            except UnknownKeyError:
                price = None  # keep the default export price
            if price is not None:
                out["export_price_per_kwh"] = np.full(HOURS_PER_YEAR, price)
    if grid.emission_factor is not None:
        factor = grid.emission_factor.factor().kg_per_kwh
        out["grid_emission_factor_kg_per_kwh"] = np.full(HOURS_PER_YEAR, factor)
    return out
