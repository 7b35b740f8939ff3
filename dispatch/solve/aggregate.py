"""Typical periods of the year (tsam), for fast sizing.

Each typical period is a real day of the year (medoid representation), so
every profile is read at real hours and no value is invented. Extreme days
(peak electric and heat load, least renewable output) are kept as periods of
their own. The battery links its state of charge across the periods in
calendar order (:mod:`dispatch.model.technologies.storage`), and so does the
heat tank, so storage that carries energy from day to day is not lost. Shiftable
load keeps its windows: a day window is a typical day, and a shift window divides
one (the schema requires shifts that divide 24 hours).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from dispatch.case.loader import CaseData
from dispatch.model.horizon import Horizon
from dispatch.timegrid import HOURS_PER_YEAR, hours

PERIOD_HOURS = 24


def typical_days(data: CaseData, n_days: int, n_hours: int = HOURS_PER_YEAR) -> Horizon:
    """Cluster the case's hourly inputs into ``n_days`` typical days plus extreme days.

    Parameters
    ----------
    data : CaseData
        The case; every varying hourly input takes part in the clustering.
    n_days : int
        Number of typical days (extreme days come on top).
    n_hours : int
        Cluster only the first ``n_hours`` (whole days) of the year, for a
        shortened horizon.

    Returns
    -------
    Horizon
        Typical days with weights (days represented) and the calendar sequence.
    """
    n_hours -= n_hours % PERIOD_HOURS
    idx = hours(data.case.year)[:n_hours]
    frame = pd.DataFrame(
        {k: v[:n_hours] for k, v in data.series.items() if np.ptp(v[:n_hours]) > 0}, index=idx
    )
    n_year_days = len(idx) // PERIOD_HOURS
    if frame.empty or n_days >= n_year_days:
        every = np.arange(n_year_days)
        return Horizon.typical(data.case.year, every, np.ones(n_year_days), every, PERIOD_HOURS)
    import tsam  # with scikit-learn, a second of imports that ``exact`` does not need

    extremes = tsam.ExtremeConfig(
        method="append",
        max_value=[c for c in ("load_kw", "heat_load_kw_th") if c in frame],
        min_period=[c for c in ("pv_availability_kw_per_kw", "wind_availability_kw_per_kw")
                    if c in frame],
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = tsam.aggregate(
            frame, n_days, period_duration=PERIOD_HOURS,
            cluster=tsam.ClusterConfig(method="hierarchical", representation="medoid"),
            extremes=extremes, preserve_column_means=False,
        )  # fmt: skip
    sequence = np.asarray(result.cluster_assignments, dtype=int)
    reps = result.cluster_representatives
    days_of_year = frame.to_numpy().reshape(n_year_days, PERIOD_HOURS, -1)
    clusters = sorted(set(sequence.tolist()))
    remap = {c: i for i, c in enumerate(clusters)}
    days, counts = [], []
    for c in clusters:
        members = np.flatnonzero(sequence == c)
        rep = reps.loc[c].to_numpy()
        dist = np.abs(days_of_year[members] - rep[None]).sum(axis=(1, 2))
        days.append(int(members[np.argmin(dist)]))
        counts.append(len(members))
    seq = np.array([remap[c] for c in sequence])
    return Horizon.typical(data.case.year, np.array(days), np.array(counts), seq, PERIOD_HOURS)
