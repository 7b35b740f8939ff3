"""Battery storage with separately sized energy and power.

Equations (docs/formulation.md): (S1) size limits, (S2) state-of-charge
balance, (S3) state-of-charge window, (S4) charge and discharge power limits.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyomo.environ as pyo

from dispatch.finance import crf
from dispatch.model.technologies.base import Expr, Technology, values


class Battery(Technology):
    """Battery: ``energy_kwh``, ``power_kw``, and hourly charge, discharge and state of charge."""

    name = "battery"

    def build(self, b: pyo.Block) -> None:
        """Declare sizes and hourly variables with their constraints.

        (S1) ``min_kwh <= energy_kwh <= max_kwh``, ``min_kw <= power_kw <= max_kw``
        (S2) ``soc[t] = soc[prev(t)] * (1 - sd) + eta_c * charge[t] - discharge[t] / eta_d``
        (S3) ``soc_min * energy_kwh <= soc[t] <= soc_max * energy_kwh``
        (S4) ``charge[t] <= power_kw``, ``discharge[t] <= power_kw``
        """
        s = self.spec
        steps = self.ctx.steps
        prev = self.ctx.horizon.prev.tolist()
        keep = 1.0 - s.self_discharge_per_hour
        eta_c, inv_eta_d = s.charge_efficiency, 1.0 / s.discharge_efficiency
        nn = pyo.NonNegativeReals
        self.size_var(b, "energy_kwh", (s.min_kwh, s.max_kwh), ("min_kwh", "max_kwh"), "kWh")
        self.size_var(b, "power_kw", (s.min_kw, s.max_kw), ("min_kw", "max_kw"), "kW")
        b.charge_kw = pyo.Var(steps, domain=nn)
        b.discharge_kw = pyo.Var(steps, domain=nn)
        b.soc_kwh = pyo.Var(steps, domain=nn)
        b.soc_balance = pyo.Constraint(  # (S2)
            steps,
            rule=lambda b, t: (
                b.soc_kwh[t]
                == keep * b.soc_kwh[prev[t]]
                + eta_c * b.charge_kw[t]
                - inv_eta_d * b.discharge_kw[t]
            ),
        )
        lo, hi = s.soc_min_fraction, s.soc_max_fraction
        b.soc_max = pyo.Constraint(steps, rule=lambda b, t: b.soc_kwh[t] <= hi * b.energy_kwh)
        if lo > 0:
            b.soc_min = pyo.Constraint(steps, rule=lambda b, t: b.soc_kwh[t] >= lo * b.energy_kwh)
        b.charge_max = pyo.Constraint(steps, rule=lambda b, t: b.charge_kw[t] <= b.power_kw)
        b.discharge_max = pyo.Constraint(steps, rule=lambda b, t: b.discharge_kw[t] <= b.power_kw)

    def electricity(self, b: pyo.Block, t: int) -> Expr:
        """``discharge[t] - charge[t]`` (in B1)."""
        return b.discharge_kw[t] - b.charge_kw[t]

    @classmethod
    def unit_costs(cls, spec: Any, discount_rate: float) -> dict[str, dict[str, float]]:
        """Per kWh and per kW: ``capex * CRF`` and fixed O&M (in O1)."""
        f = crf(discount_rate, spec.lifetime_years)
        return {
            "battery_kwh": {
                "capex_annualized": spec.capex_per_kwh * f,
                "fixed_om": spec.fixed_om_per_kwh_year,
            },
            "battery_kw": {
                "capex_annualized": spec.capex_per_kw * f,
                "fixed_om": spec.fixed_om_per_kw_year,
            },
        }

    def size_vars(self, b: pyo.Block) -> dict[str, pyo.Var]:
        """Return the energy and power rating variables."""
        return {"battery_kwh": b.energy_kwh, "battery_kw": b.power_kw}

    def timeseries(self, b: pyo.Block) -> dict[str, np.ndarray]:
        """Charge, discharge and state of charge per step."""
        return {
            "battery_charge_kw": values(b.charge_kw),
            "battery_discharge_kw": values(b.discharge_kw),
            "battery_soc_kwh": values(b.soc_kwh),
        }
