"""Heat storage (a hot-water tank) and the electric boiler, its usual partner.

Equations (docs/formulation.md): (H1) tank size limits, (H2) tank state of charge
(S2-S3, or S5-S8 over typical periods), (H3) charge and discharge C-rate limits,
(H4) electric boiler size limits, (H5) electric boiler heat limit; the bus terms
enter (B1) and (B2).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dispatch.ledger import Term
from dispatch.model.technologies.base import Expr, SizeSpec, Technology, pyo
from dispatch.model.technologies.battery import TIE_BREAK_PER_KWH
from dispatch.model.technologies.storage import add_state_of_charge


class ThermalStorage(Technology):
    """Heat tank: ``energy_kwh_th``, hourly ``charge_kw_th``, ``discharge_kw_th`` and heat stored.

    The tank sits on the heat bus between the heat sources and the heat load; its
    losses are heat, so they leave the electricity ledger untouched.
    """

    name = "thermal_storage"
    buses = ("heat",)

    def build(self, b: pyo.Block) -> None:
        """Declare the capacity and hourly flows with their constraints.

        (H1) ``max(min_kwh_th, existing_kwh_th) <= energy_kwh_th <= max_kwh_th``
        (H2) ``soc[t] = (1 - loss) * soc[prev(t)] + charge[t] - discharge[t]``,
        ``0 <= soc[t] <= energy_kwh_th``
        (H3) ``charge[t] <= c * energy_kwh_th``, ``discharge[t] <= c * energy_kwh_th``
        """
        s = self.spec
        steps = self.ctx.steps
        nn = pyo.NonNegativeReals
        self.size_var(b, "energy_kwh_th", self.sizes(s)["thermal_storage_kwh_th"])  # (H1)
        b.charge_kw_th = pyo.Var(steps, domain=nn)
        b.discharge_kw_th = pyo.Var(steps, domain=nn)
        add_state_of_charge(  # (H2)
            b,
            self.ctx,
            lambda b, t: b.charge_kw_th[t] - b.discharge_kw_th[t],
            b.energy_kwh_th,
            1.0 - s.loss_fraction_per_hour,
            (0.0, 1.0),
            unit="kwh_th",
        )
        rate = s.c_rate_kw_th_per_kwh_th
        b.charge_max = pyo.Constraint(  # (H3)
            steps, rule=lambda b, t: b.charge_kw_th[t] <= rate * b.energy_kwh_th
        )
        b.discharge_max = pyo.Constraint(
            steps, rule=lambda b, t: b.discharge_kw_th[t] <= rate * b.energy_kwh_th
        )

    def heat(self, b: pyo.Block, t: int) -> Expr:
        """``discharge_kw_th[t] - charge_kw_th[t]`` (in B2)."""
        return b.discharge_kw_th[t] - b.charge_kw_th[t]

    def operating_cost(self, b: pyo.Block) -> Expr:
        """(O2) tie-break ``epsilon * s * sum_t w_t * (charge[t] + discharge[t])``."""
        annual = self.ctx.annual
        return TIE_BREAK_PER_KWH * (annual(b.charge_kw_th) + annual(b.discharge_kw_th))

    @classmethod
    def sizes(cls, spec: Any) -> dict[str, SizeSpec]:
        """Heat capacity [kWh_th]."""
        return {
            "thermal_storage_kwh_th": SizeSpec(
                "thermal_storage_kwh_th", spec.min_kwh_th, spec.max_kwh_th, spec.existing_kwh_th
            )
        }

    @classmethod
    def capex_per_unit(cls, spec: Any) -> dict[str, float]:
        """``capex_per_kwh_th`` per kWh_th."""
        return {"thermal_storage_kwh_th": spec.capex_per_kwh_th}

    @classmethod
    def fixed_om_per_unit(cls, spec: Any) -> dict[str, float]:
        """``fixed_om_per_kwh_th_year`` per kWh_th."""
        return {"thermal_storage_kwh_th": spec.fixed_om_per_kwh_th_year}

    def size_vars(self, b: pyo.Block) -> dict[str, pyo.Var]:
        """Return the capacity variable."""
        return {"thermal_storage_kwh_th": b.energy_kwh_th}

    def hourly_vars(self, b: pyo.Block) -> dict[str, pyo.Var]:
        """Charge, discharge and (over the full sequence of hours) heat stored."""
        out = {
            "thermal_storage_charge_kw_th": b.charge_kw_th,
            "thermal_storage_discharge_kw_th": b.discharge_kw_th,
        }
        if b.component("soc_kwh_th") is not None:  # typical periods: no hourly state
            out["thermal_storage_soc_kwh_th"] = b.soc_kwh_th
        return out


class ElectricBoiler(Technology):
    """Electric boiler: heat ``heat_kw_th[t]`` from electricity ``heat_kw_th[t] / efficiency``."""

    name = "electric_boiler"
    buses = ("electricity", "heat")

    def build(self, b: pyo.Block) -> None:
        """Declare ``size_kw_th`` and ``heat_kw_th[t]``.

        (H4) ``max(min_kw_th, existing_kw_th) <= size_kw_th <= max_kw_th``
        (H5) ``heat_kw_th[t] <= size_kw_th``
        """
        self.size_var(b, "size_kw_th", self.sizes(self.spec)["electric_boiler_kw_th"])  # (H4)
        b.heat_kw_th = pyo.Var(self.ctx.steps, domain=pyo.NonNegativeReals)
        b.heat_limit = pyo.Constraint(  # (H5)
            self.ctx.steps, rule=lambda b, t: b.heat_kw_th[t] <= b.size_kw_th
        )

    def electricity(self, b: pyo.Block, t: int) -> Expr:
        """``-heat_kw_th[t] / efficiency`` (in B1)."""
        return -b.heat_kw_th[t] / self.spec.efficiency

    def heat(self, b: pyo.Block, t: int) -> Expr:
        """``heat_kw_th[t]`` (in B2)."""
        return b.heat_kw_th[t]

    @classmethod
    def ledger_terms(cls, spec: Any) -> tuple[Term, ...]:
        """Electric boiler electricity is converted by park equipment (consumption in R5)."""
        return (Term("conversion", "electric_boiler_kw"),)

    def hourly_vars(self, b: pyo.Block) -> dict[str, pyo.Var]:
        """Heat output per step (its electricity is :meth:`column_kwh` and :meth:`timeseries`)."""
        return {"electric_boiler_kw_th": b.heat_kw_th}

    def column_kwh(self, b: pyo.Block, column: str, coeff: np.ndarray | float = 1.0) -> Expr:
        """Annual sum of a column; ``electric_boiler_kw`` is the heat over the efficiency."""
        if column == "electric_boiler_kw":
            return self.ctx.annual(b.heat_kw_th, coeff / self.spec.efficiency)
        return super().column_kwh(b, column, coeff)

    @classmethod
    def sizes(cls, spec: Any) -> dict[str, SizeSpec]:
        """Heat output rating [kW_th]."""
        return {
            "electric_boiler_kw_th": SizeSpec(
                "electric_boiler_kw_th", spec.min_kw_th, spec.max_kw_th, spec.existing_kw_th
            )
        }

    @classmethod
    def capex_per_unit(cls, spec: Any) -> dict[str, float]:
        """``capex_per_kw_th`` per kW_th."""
        return {"electric_boiler_kw_th": spec.capex_per_kw_th}

    @classmethod
    def fixed_om_per_unit(cls, spec: Any) -> dict[str, float]:
        """``fixed_om_per_kw_th_year`` per kW_th."""
        return {"electric_boiler_kw_th": spec.fixed_om_per_kw_th_year}

    def size_vars(self, b: pyo.Block) -> dict[str, pyo.Var]:
        """Return the heat output rating variable."""
        return {"electric_boiler_kw_th": b.size_kw_th}

    def timeseries(self, b: pyo.Block) -> dict[str, np.ndarray]:
        """Electric input and heat output per step."""
        out = super().timeseries(b)
        heat = out.pop("electric_boiler_kw_th")
        return {"electric_boiler_kw": heat / self.spec.efficiency, "electric_boiler_kw_th": heat}
