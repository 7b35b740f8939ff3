"""Checks on a loaded case before any solve: refuse what no solve can answer.

A case whose park consumes nothing over the solved hours has nothing to size
for: every ratio of the results divides by its consumption. It is refused as
invalid input (exit 2) in one line, before the model is built.
"""

from __future__ import annotations

import numpy as np

from dispatch.case.loader import CaseData
from dispatch.errors import CaseError, Problem
from dispatch.model.horizon import Horizon


def screen_case(data: CaseData, horizon: Horizon | None = None) -> None:
    """Raise :class:`CaseError` when the case cannot be solved meaningfully.

    Parameters
    ----------
    data : CaseData
        The loaded case.
    horizon : Horizon, optional
        The steps to solve (the full year by default).

    Raises
    ------
    CaseError
        The park has neither an electricity nor a heat load in the solved hours.
    """
    loads = [data.series["load_kw"]]
    if "heat_load_kw_th" in data.series:
        loads.append(data.series["heat_load_kw_th"])
    taken = [horizon.take(x) if horizon is not None else x for x in loads]
    if not any(np.any(x > 0) for x in taken):
        what = "electricity and heat loads are" if len(loads) > 1 else "electricity load is"
        raise CaseError([
            Problem(
                str(data.file),
                "load.electricity_kw",
                f"the {what} zero in every solved hour: there is nothing to serve",
            )
        ])  # fmt: skip
