"""Grid connection: imports, exports, the connection size, grid charges and carbon.

Equations (docs/formulation.md): (G1) connection size, (G2) import limit,
(G3) export limit, (G4) no reverse flow, (G5) monthly maximum import; costs enter
(O1), demand charges (O3) and carbon (O4).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dispatch.ledger import Term
from dispatch.model.horizon import Horizon
from dispatch.model.technologies.base import ExclusivePair, Expr, SizeSpec, Technology, pyo
from dispatch.tariffs.charges import step_month_fractions
from dispatch.tariffs.emissions import KG_PER_T

MONTHS_PER_YEAR = 12
KWH_PER_MWH = 1000.0  # unit conversion, not data
GREEN_COLUMN = "green_certificate_kw"
"""Hourly output column: imports covered by green certificates bought [kW]."""


def import_cost_per_kwh(
    grid: Any, series: dict[str, np.ndarray], horizon: Horizon, carbon_price_per_tco2: float
) -> np.ndarray:
    """Cost of one more kWh imported at each step: energy price, system operation fee, carbon.

    ``price[t] - td + fee + carbon_price / 1000 * factor[t]`` (O1, O4), ``td`` the T&D
    price that a ``capacity_td`` fee replaces when ``grid.import_price_includes_td``.

    Parameters
    ----------
    grid : dispatch.case.schema.Grid
        The case's grid section.
    series : dict of str to numpy.ndarray
        The case's hourly inputs (8760 values each).
    horizon : Horizon
        The steps.
    carbon_price_per_tco2 : float
        Carbon price [currency/tCO2].
    """
    energy = grid.import_energy_price_per_kwh(horizon.take(series["import_price_per_kwh"]))
    factor = horizon.take(series["grid_emission_factor_kg_per_kwh"])
    carbon = carbon_price_per_tco2 * factor / KG_PER_T
    return np.asarray(energy + grid.system_operation_fee_per_kwh + carbon, dtype=float)


class Grid(Technology):
    """The point of connection: ``import_kw[t]``, ``export_kw[t]`` and ``connection_kw``."""

    name = "grid"
    section = "grid"

    def build(self, b: pyo.Block) -> None:
        """Declare the connection and hourly flows.

        (G1) ``connection_kw = connection`` when fixed by the case, else ``<= max_connection_kw``
        (G2) ``import_kw[t] <= connection_kw``
        (G3) ``export_kw[t] <= connection_kw`` and ``export_kw[t] <= export_limit_kw``
        (G4) ``export_kw[t] = 0`` when ``export_allowed`` is false
        (G5) ``import_kw[t] <= peak_import_kw[m(t)]`` under the demand-charge scheme
        (G6) ``green_certificate_kw[t] <= import_kw[t]`` when certificates are for sale: the
        imports covered by green certificates bought
        """
        s = self.spec
        steps = self.ctx.steps
        nn = pyo.NonNegativeReals
        if s.connection_kw is not None:
            limits, keys = (s.connection_kw, s.connection_kw), ("connection_kw", "connection_kw")
        else:
            limits, keys = (0.0, s.max_connection_kw), ("max_connection_kw", "max_connection_kw")
        self.size_var(b, "connection_kw", SizeSpec("grid_connection_kw", *limits), keys=keys)
        b.import_kw = pyo.Var(steps, domain=nn)
        export_max = s.export_limit_kw if s.export_allowed else 0.0
        b.export_kw = pyo.Var(steps, domain=nn, bounds=(0.0, export_max))  # (G3, G4)
        b.import_limit = pyo.Constraint(steps, rule=lambda b, t: b.import_kw[t] <= b.connection_kw)
        if s.export_allowed:
            b.export_limit = pyo.Constraint(
                steps, rule=lambda b, t: b.export_kw[t] <= b.connection_kw
            )
        if s.green_certificate_price_per_mwh is not None:  # (G6)
            b.green_certificate_kw = pyo.Var(steps, domain=nn)
            b.green_certificate_limit = pyo.Constraint(
                steps, rule=lambda b, t: b.green_certificate_kw[t] <= b.import_kw[t]
            )
        if s.demand_rate_per_kw_month() > 0:
            month = self.ctx.horizon.month.tolist()
            b.months = pyo.Set(initialize=sorted(set(month)))
            b.peak_import_kw = pyo.Var(b.months, domain=nn)
            b.peak_limit = pyo.Constraint(  # (G5)
                steps, rule=lambda b, t: b.import_kw[t] <= b.peak_import_kw[month[t]]
            )

    def exclusive_pairs(self, b: pyo.Block) -> list[ExclusivePair]:
        """(X2) no import and export in the same hour; bounded by the connection."""
        if not self.spec.export_allowed:
            return []
        bound = self.spec.connection_kw
        if bound is None:
            bound = self.spec.max_connection_kw
        buy = self.import_cost_per_kwh()
        sell = self.ctx.horizon.take(self.series["export_price_per_kwh"])
        return [
            ExclusivePair(
                "import_export", b.import_kw, b.export_kw, bound, b.connection_kw,
                incentive=sell > buy,  # exporting imported energy pays in these hours
            )
        ]  # fmt: skip

    def electricity(self, b: pyo.Block, t: int) -> Expr:
        """``import_kw[t] - export_kw[t]`` (in B1)."""
        return b.import_kw[t] - b.export_kw[t]

    @classmethod
    def ledger_terms(cls, spec: Any) -> tuple[Term, ...]:
        """Return the import and export terms (exports enter R4-R6).

        With green certificates for sale, also the imports they cover (R7-R9).
        """
        terms: tuple[Term, ...] = (Term("imported", "import_kw"), Term("exported", "export_kw"))
        if spec.green_certificate_price_per_mwh is not None:
            terms += (Term("green_certified", GREEN_COLUMN),)
        return terms

    def hourly_vars(self, b: pyo.Block) -> dict[str, pyo.Var]:
        """Import and export per step, and imports covered by green certificates."""
        out = {"import_kw": b.import_kw, "export_kw": b.export_kw}
        if self.spec.green_certificate_price_per_mwh is not None:
            out[GREEN_COLUMN] = b.green_certificate_kw
        return out

    @classmethod
    def unit_costs(cls, spec: Any, discount_rate: float) -> dict[str, dict[str, float]]:
        """``12 * monthly capacity rate`` per kW of connection (in O1).

        The rate is ``capacity_charge_per_kw_month`` (basic_capacity), the notice-1192 T&D fee
        ``td_price_per_kwh * average_load_rate * 730`` (capacity_td), or 0 (demand, none).
        """
        charge = MONTHS_PER_YEAR * spec.capacity_rate_per_kw_month()
        return {"grid_connection_kw": {"grid_capacity": charge}}

    def size_vars(self, b: pyo.Block) -> dict[str, pyo.Var]:
        """Return the connection capacity variable."""
        return {"grid_connection_kw": b.connection_kw}

    def energy_price_per_kwh(self) -> np.ndarray:
        """Energy price each imported kWh pays per step (:func:`import_cost_per_kwh`)."""
        h = self.ctx.horizon
        return self.spec.import_energy_price_per_kwh(h.take(self.series["import_price_per_kwh"]))

    def import_cost_per_kwh(self) -> np.ndarray:
        """Cost of one more kWh imported per step (:func:`import_cost_per_kwh`)."""
        return import_cost_per_kwh(
            self.spec, self.series, self.ctx.horizon, self.ctx.carbon_price_per_tco2
        )

    def operating_cost(self, b: pyo.Block) -> Expr:
        """Energy, fees, demand charges and carbon, minus export revenue.

        (O1) ``s * sum_t w_t * ((price[t] - td + fee) * import[t] - export_price[t] * export[t])``,
        ``td`` the T&D price a ``capacity_td`` fee replaces (0 unless
        ``grid.import_price_includes_td``)
        (O3) ``s * sum_m demand_rate * f_m * peak_import_kw[m]``, with ``f_m`` the share of
        month m's hours that the steps stand for
        (O4) ``carbon_price / 1000 * s * sum_t w_t * factor[t] * import[t]``
        (O1 green) ``price_per_mwh / 1000 * s * sum_t w_t * green_certificate_kw[t]``

        The carbon price applies to the physical emissions of imports: certificates lower
        the accounted emissions (R7, R9), not the carbon cost.
        """
        s = self.spec
        h = self.ctx.horizon
        electricity = self.ctx.weight("grid_energy")  # (O5) escalation under objective npv
        buy = import_cost_per_kwh(s, self.series, h, 0.0)  # energy (less T&D) and fee
        cost = self.ctx.annual(b.import_kw, buy)
        if s.export_allowed:
            sell = h.take(self.series["export_price_per_kwh"])
            cost = cost - self.ctx.annual(b.export_kw, sell)
        rate = s.demand_rate_per_kw_month()
        if rate > 0:
            frac = step_month_fractions(h.month, h.weight)
            cost = cost + h.annual_scale * pyo.quicksum(
                rate * frac[m] * b.peak_import_kw[m] for m in b.months
            )
        green = s.green_certificate_price_per_mwh
        if green is not None:  # (O1 green certificates) price per MWh covered
            cost = cost + self.ctx.annual(b.green_certificate_kw, green / KWH_PER_MWH)
        cost = electricity * cost
        carbon = self.ctx.carbon_price_per_tco2 * self.ctx.weight("carbon")
        if carbon > 0:
            factor = h.take(self.series["grid_emission_factor_kg_per_kwh"])
            cost = cost + self.ctx.annual(b.import_kw, factor * carbon / KG_PER_T)
        return cost

    def timeseries(self, b: pyo.Block) -> dict[str, np.ndarray]:
        """Import and export per step, with the prices and emission factor they met."""
        h = self.ctx.horizon
        out = super().timeseries(b) | {
            "import_price_per_kwh": self.energy_price_per_kwh(),
            "export_price_per_kwh": h.take(self.series["export_price_per_kwh"]),
            "grid_emission_factor_kg_per_kwh": h.take(
                self.series["grid_emission_factor_kg_per_kwh"]
            ),
        }
        return out
