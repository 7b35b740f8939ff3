"""Heat supply: an electric heat pump (sized) and an existing fuel boiler.

Equations (docs/formulation.md): (P1) heat pump size limits, (P2) heat
output limit; the bus terms enter (B1) and (B2).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dispatch.ledger import Term
from dispatch.model.technologies.base import Expr, SizeSpec, Technology, pyo
from dispatch.tariffs.emissions import KG_PER_T


class HeatPump(Technology):
    """Heat pump: electric input ``electricity_kw[t]``, heat ``cop[t] * electricity_kw[t]``."""

    name = "heat_pump"
    buses = ("electricity", "heat")

    def build(self, b: pyo.Block) -> None:
        """Declare ``size_kw_th`` and ``electricity_kw[t]``.

        (P1) ``min_kw_th <= size_kw_th <= max_kw_th``
        (P2) ``cop[t] * electricity_kw[t] <= size_kw_th``
        """
        s = self.spec
        steps = self.ctx.steps
        self.cop = cop = self.profile("cop")
        self.size_var(b, "size_kw_th", self.sizes(s)["heat_pump_kw_th"])  # (P1, U1-U3)
        b.electricity_kw = pyo.Var(steps, domain=pyo.NonNegativeReals)
        b.heat_limit = pyo.Constraint(
            steps, rule=lambda b, t: cop[t] * b.electricity_kw[t] <= b.size_kw_th
        )

    def electricity(self, b: pyo.Block, t: int) -> Expr:
        """``-electricity_kw[t]`` (in B1)."""
        return -b.electricity_kw[t]

    def heat(self, b: pyo.Block, t: int) -> Expr:
        """``cop[t] * electricity_kw[t]`` (in B2)."""
        return self.cop[t] * b.electricity_kw[t]

    @classmethod
    def ledger_terms(cls, spec: Any) -> tuple[Term, ...]:
        """Heat pump electricity is converted by park equipment (consumption in R5)."""
        return (Term("conversion", "heat_pump_kw"),)

    def hourly_vars(self, b: pyo.Block) -> dict[str, pyo.Var]:
        """Electric input per step."""
        return {"heat_pump_kw": b.electricity_kw}

    @classmethod
    def sizes(cls, spec: Any) -> dict[str, SizeSpec]:
        """Heat output rating [kW_th]."""
        return {
            "heat_pump_kw_th": SizeSpec("heat_pump_kw_th", spec.min_kw_th, spec.max_kw_th,
                                        spec.existing_kw_th, spec.unit_kw_th,
                                        spec.min_kw_if_built),
        }  # fmt: skip

    @classmethod
    def capex_per_unit(cls, spec: Any) -> dict[str, float]:
        """``capex_per_kw_th`` per kW_th."""
        return {"heat_pump_kw_th": spec.capex_per_kw_th}

    @classmethod
    def fixed_om_per_unit(cls, spec: Any) -> dict[str, float]:
        """``fixed_om_per_kw_th_year`` per kW_th."""
        return {"heat_pump_kw_th": spec.fixed_om_per_kw_th_year}

    def size_vars(self, b: pyo.Block) -> dict[str, pyo.Var]:
        """Return the heat output rating variable."""
        return {"heat_pump_kw_th": b.size_kw_th}

    def timeseries(self, b: pyo.Block) -> dict[str, np.ndarray]:
        """Electric input and heat output per step."""
        out = super().timeseries(b)
        out["heat_pump_kw_th"] = out["heat_pump_kw"] * np.asarray(self.cop)
        return out


class Boiler(Technology):
    """Existing boiler: unlimited heat ``heat_kw_th[t]`` from fuel ``heat / efficiency``."""

    name = "boiler"
    buses = ("heat",)

    def build(self, b: pyo.Block) -> None:
        """Declare ``heat_kw_th[t] >= 0``; no size, no investment."""
        b.heat_kw_th = pyo.Var(self.ctx.steps, domain=pyo.NonNegativeReals)

    def heat(self, b: pyo.Block, t: int) -> Expr:
        """``heat_kw_th[t]`` (in B2)."""
        return b.heat_kw_th[t]

    def operating_cost(self, b: pyo.Block) -> Expr:
        """Fuel and its carbon cost.

        (O1 fuel) ``fuel_price_per_kwh / efficiency * s * sum_t w_t * heat_kw_th[t]``
        (O4) ``carbon_price / 1000 * emission_factor_kg_per_kwh_fuel / efficiency * s *
        sum_t w_t * heat_kw_th[t]``
        """
        s = self.spec
        w = self.ctx.weight  # (O5) escalation under objective npv
        per_kwh_fuel = s.fuel_price_per_kwh * w("fuel")
        per_kwh_fuel += (
            self.ctx.carbon_price_per_tco2
            * w("carbon")
            * s.emission_factor_kg_per_kwh_fuel
            / KG_PER_T
        )
        return per_kwh_fuel / s.efficiency * self.ctx.annual(b.heat_kw_th)

    @classmethod
    def ledger_terms(cls, spec: Any) -> tuple[Term, ...]:
        """Fuel burnt, ``heat_kw_th / efficiency`` (in the carbon quantities, R7-R9)."""
        return (Term("fuel", "boiler_kw_th", 1.0 / spec.efficiency),)

    def hourly_vars(self, b: pyo.Block) -> dict[str, pyo.Var]:
        """Heat output per step."""
        return {"boiler_kw_th": b.heat_kw_th}
