"""The baseline dispatch: the same park with its existing equipment only, nothing new.

The baseline keeps every technology's **existing** capacity (PV, wind, battery, heat
pump), the case's boiler (a default one when the case has a heat load but no boiler,
since heat must come from somewhere), the case's grid connection, tariff, charge
scheme, demand charge and carbon price. Nothing is built and no local-consumption
rule applies. What it costs and emits is what a design saves against
(:func:`dispatch.results.bill.baseline`).

Two ways to dispatch it, with the same answer where both apply:

- **Closed form** when the park has nothing to dispatch but existing PV and wind, the
  grid and a boiler, and importing never pays (the import price plus fees and carbon is
  >= 0 every hour). Each hour the renewables serve the load first; imports cover the
  rest; the surplus is exported where allowed and paid (up to the connection), else
  curtailed; the boiler makes all heat. A connection the case leaves open is sized as
  the model would size it: at least the peak import, and larger only while the export
  revenue above it beats the connection charge (:func:`connection_kw`).
- **Dispatch**, otherwise (existing storage or heat pump): the model of
  :mod:`dispatch.model.build` with every size fixed at its existing value and no
  rules, solved with the case's physics (strict by default).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from dispatch.case.loader import CaseData
from dispatch.case.schema import Boiler
from dispatch.errors import InfeasibleError, UnboundedError
from dispatch.model.horizon import Horizon
from dispatch.model.technologies import REGISTRY, Technology, spec_of
from dispatch.model.technologies.grid import Grid, import_cost_per_kwh
from dispatch.model.technologies.renewables import Renewable

if TYPE_CHECKING:
    from dispatch.solve.exact import SolverOptions

CLOSED_FORM = frozenset({"pv", "wind", "boiler"})
"""Technologies the closed form dispatches exactly (with the grid)."""


@dataclass
class BaselineDispatch:
    """How the baseline park runs, hour by hour over the run's horizon.

    Attributes
    ----------
    import_kw, export_kw : numpy.ndarray
        Grid flows per step [kW].
    fuel_kwh : numpy.ndarray
        Boiler fuel per step [kWh].
    connection_kw : float
        The grid connection [kW]: the case's, or sized as the model would.
    capacities : dict of str to float
        The existing sizes the baseline keeps (``pv_kw``...).
    method : str
        ``closed form`` or ``dispatch``.
    timeseries : dict of str to numpy.ndarray
        Every hourly column of the baseline (``pv_curtailed_kw``, ``battery_charge_kw``...).
    note : str or None
        Set when the case's fixed connection cannot carry the baseline's imports (the
        design relies on new equipment behind it): the baseline gets the connection it needs.
    """

    import_kw: np.ndarray
    export_kw: np.ndarray
    fuel_kwh: np.ndarray
    connection_kw: float
    capacities: dict[str, float]
    method: str
    timeseries: dict[str, np.ndarray] = field(default_factory=dict)
    note: str | None = None


def baseline_data(data: CaseData) -> CaseData:
    """Return the case of the baseline park: existing capacity only, a boiler for heat.

    A technology with no existing capacity is left out; one with some keeps its case
    section (its sizes are held at the existing values by :func:`baseline_dispatch`).
    """
    case = data.case
    update: dict[str, Any] = {}
    for cls in REGISTRY:
        if cls is Grid:
            continue
        spec = spec_of(case, cls.name)
        sizes = cls.sizes(spec) if spec is not None else {}
        if spec is not None and sizes and not any(s.existing > 0 for s in sizes.values()):
            update[cls.name] = None
    if case.technologies.boiler is None and "heat_load_kw_th" in data.series:
        update["boiler"] = Boiler()
    techs = case.technologies.model_copy(update=update)
    return replace(data, case=case.model_copy(update={"technologies": techs}))


def baseline_dispatch(
    data: CaseData,
    horizon: Horizon | None = None,
    options: SolverOptions | None = None,
    method: str = "auto",
) -> BaselineDispatch:
    """Dispatch the baseline park over a horizon.

    Parameters
    ----------
    data : CaseData
        The case (the design's); :func:`baseline_data` derives the baseline park.
    horizon : Horizon, optional
        The run's steps; the full year by default.
    options : SolverOptions, optional
        Solver limits for the dispatch method.
    method : str
        ``auto`` (closed form where it is exact, else dispatch), ``closed form`` or
        ``dispatch``.
    """
    base = baseline_data(data)
    horizon = horizon or Horizon.full_year(data.case.year)
    present = {c.name for c in REGISTRY if c is not Grid and spec_of(base.case, c.name)}
    if method == "auto":
        closed = present <= CLOSED_FORM and bool(np.all(_import_cost(base, horizon) >= 0))
        method = "closed form" if closed else "dispatch"
    if method == "closed form":
        if not present <= CLOSED_FORM:
            raise ValueError(f"the closed form cannot dispatch {sorted(present - CLOSED_FORM)}")
        return _closed_form(base, horizon)
    return _dispatch(base, horizon, options)


def _import_cost(data: CaseData, h: Horizon) -> np.ndarray:
    """Cost of one more kWh imported at each step [currency/kWh] (energy, fees, carbon)."""
    carbon = data.case.finance.carbon_price_per_tco2
    return import_cost_per_kwh(data.case.grid, data.series, h, carbon)


def _closed_form(data: CaseData, h: Horizon) -> BaselineDispatch:
    """Serve the load from existing renewables first, then the grid; export or curtail the rest."""
    case, series = data.case, data.series
    load = h.take(series["load_kw"])
    cols: dict[str, np.ndarray] = {}
    caps: dict[str, float] = {}
    renewable = np.zeros(h.n_steps)
    available: dict[str, np.ndarray] = {}
    for cls in REGISTRY:
        spec = spec_of(case, cls.name)
        if spec is None or not issubclass(cls, Renewable):
            continue
        caps[f"{cls.name}_kw"] = float(spec.existing_kw)
        available[cls.name] = h.take(series[cls.availability_key]) * spec.existing_kw
        renewable = renewable + available[cls.name]
    used = np.minimum(renewable, load)
    import_kw = load - used
    surplus = renewable - used
    grid = case.grid
    sell = h.take(series["export_price_per_kwh"])
    paid = surplus * (sell > 0) if grid.export_allowed else np.zeros(h.n_steps)
    per_kw_year = Grid.unit_costs(grid, case.finance.discount_rate)["grid_connection_kw"]
    connection, note = grid.connection_kw, None
    peak = float(import_kw.max(initial=0.0))
    if connection is not None and peak > connection * (1 + 1e-9):
        connection, note = peak, _widened(connection, peak)
    if connection is None:
        connection = connection_kw(
            peak,
            paid,
            sell,
            sum(per_kw_year.values()),
            h.annual_scale,
            grid.max_connection_kw,
        )
    export_kw = np.minimum(paid, connection)
    curtailed = surplus - export_kw
    share = np.divide(curtailed, renewable, out=np.zeros(h.n_steps), where=renewable > 0)
    for name, avail in available.items():  # curtailment shared in proportion to output
        cols[f"{name}_available_kw"] = avail
        cols[f"{name}_curtailed_kw"] = avail * share
    fuel = np.zeros(h.n_steps)
    if "heat_load_kw_th" in series and case.technologies.boiler is not None:
        heat = h.take(series["heat_load_kw_th"])
        cols["boiler_kw_th"] = heat
        fuel = heat / case.technologies.boiler.efficiency
    cols |= {"import_kw": import_kw, "export_kw": export_kw}
    return BaselineDispatch(
        import_kw, export_kw, fuel, float(connection), caps, "closed form", cols, note
    )


def _widened(connection: float, peak: float) -> str:
    return (
        f"the case's grid.connection_kw of {connection:,.0f} kW cannot carry the existing "
        f"park's imports; the baseline has the {peak:,.0f} kW it needs"
    )


def connection_kw(
    peak_import_kw: float,
    surplus_kw: np.ndarray,
    export_price_per_kwh: np.ndarray,
    charge_per_kw_year: float,
    scale: float,
    max_kw: float | None = None,
) -> float:
    """Size a connection as the model would when only exports depend on it.

    Minimises ``charge * C - scale * sum_t price_t * min(surplus_t, C)`` over
    ``C >= peak import``: the connection grows past the peak import only while the
    export revenue of one more kW, ``scale * sum_{t: surplus_t > C} price_t``, exceeds
    its charge.

    Parameters
    ----------
    peak_import_kw : float
        The largest import [kW]; the connection carries at least this.
    surplus_kw : numpy.ndarray
        Energy that could be exported at a positive price, per step [kW].
    export_price_per_kwh : numpy.ndarray
        Export price per step.
    charge_per_kw_year : float
        Connection charge [currency/(kW year)].
    scale : float
        Steps to a year (8760 / steps).
    max_kw : float, optional
        The largest connection allowed.
    """
    order = np.argsort(-surplus_kw)
    s, p = surplus_kw[order], np.where(surplus_kw > 0, export_price_per_kwh, 0.0)[order]
    benefit = scale * np.cumsum(p)  # revenue of one more kW just below s[i]
    above = np.nonzero(benefit > charge_per_kw_year)[0]
    best = float(s[above[0]]) if above.size else 0.0
    best = max(best, peak_import_kw)
    return min(best, max_kw) if max_kw is not None and max_kw >= peak_import_kw else best


def _dispatch(data: CaseData, h: Horizon, options: SolverOptions | None) -> BaselineDispatch:
    """Solve the model with every size held at its existing value and no rules."""
    # the model and the solver only here: the closed form, and results read back from
    # a folder, need neither Pyomo nor HiGHS
    from pyomo.environ import value as pyo_value

    from dispatch.model.build import build_model
    from dispatch.solve.exact import solve

    built = build_model(data, h, rules=False)
    for name, tech in built.technologies.items():
        _hold_existing(tech, built.model.component(name))
    note = None
    try:
        solve(built, options)
    except UnboundedError:
        from dispatch.solve.diagnose import negative_prices

        raise UnboundedError(
            "the baseline park (existing equipment only, the grid connection as needed) has "
            f"no least cost: {negative_prices(data, h)}, so buying without limit pays; "
            "check the prices"
        ) from None
    except InfeasibleError:
        fixed = data.case.grid.connection_kw
        if fixed is None:
            raise
        grid = data.case.grid.model_copy(update={"connection_kw": None})
        built = build_model(replace(data, case=data.case.model_copy(update={"grid": grid})), h,
                            rules=False)  # fmt: skip
        for name, tech in built.technologies.items():
            _hold_existing(tech, built.model.component(name))
        solve(built, options)
        peak = float(pyo_value(built.model.component("grid").connection_kw))
        note = _widened(fixed, peak)
    cols: dict[str, np.ndarray] = {}
    caps: dict[str, float] = {}
    for name, tech in built.technologies.items():
        block = built.model.component(name)
        cols.update(tech.timeseries(block))
        caps.update(tech.capacities(block))
    zero = np.zeros(h.n_steps)
    boiler = data.case.technologies.boiler
    fuel = cols.get("boiler_kw_th", zero) / boiler.efficiency if boiler is not None else zero
    connection = caps.pop("grid_connection_kw", 0.0)
    return BaselineDispatch(
        cols.get("import_kw", zero),
        cols.get("export_kw", zero),
        fuel,
        connection,
        caps,
        "dispatch",
        cols,
        note,
    )


def _hold_existing(tech: Technology, block: Any) -> None:
    """Bound every size of a technology to its existing value."""
    sizes = tech.sizes(tech.spec)
    for key, var in tech.size_vars(block).items():
        if key in sizes:
            var.setlb(sizes[key].existing)
            var.setub(sizes[key].existing)
