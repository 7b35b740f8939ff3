"""Battery storage with separately sized energy and power.

Equations (docs/formulation.md): (S1) size limits, (S2) state-of-charge
balance, (S3) state-of-charge window, (S4) charge and discharge power limits,
(S9) wear cost per kWh discharged, (S10) cap on full cycles a year.
"""

from __future__ import annotations

from typing import Any

from dispatch.ledger import Term
from dispatch.model.technologies.base import (
    ExclusivePair,
    Expr,
    SizeSpec,
    Technology,
    pyo,
)
from dispatch.model.technologies.storage import add_state_of_charge

TIE_BREAK_PER_KWH = 1e-5
"""Cost per kWh charged or discharged that breaks ties between curtailing surplus and
burning it in charge-discharge losses (docs/formulation.md, O2). It changes the
objective by about 1e-5 per kWh of throughput (under 1e-5 relative in practice) and
is left out of every reported cost."""


class Battery(Technology):
    """Battery: ``energy_kwh``, ``power_kw``, and hourly charge, discharge and state of charge."""

    name = "battery"

    def build(self, b: pyo.Block) -> None:
        """Declare sizes and hourly variables with their constraints.

        (S1) ``min_kwh <= energy_kwh <= max_kwh``, ``min_kw <= power_kw <= max_kw``
        (S2) ``soc[t] = soc[prev(t)] * (1 - sd) + eta_c * charge[t] - discharge[t] / eta_d``
        (S3) ``soc_min * energy_kwh <= soc[t] <= soc_max * energy_kwh``
        (S4) ``charge[t] <= power_kw``, ``discharge[t] <= power_kw``

        Over typical periods the state of charge links through the year (S5-S8,
        :func:`~dispatch.model.technologies.storage.add_state_of_charge`).
        """
        s = self.spec
        steps = self.ctx.steps
        eta_c, inv_eta_d = s.charge_efficiency, 1.0 / s.discharge_efficiency
        nn = pyo.NonNegativeReals
        sizes = self.sizes(s)
        containers = None
        if s.unit_kwh is not None:  # one count of identical containers sets both ratings
            b.containers = containers = pyo.Var(domain=pyo.NonNegativeIntegers)
        self.size_var(b, "energy_kwh", sizes["battery_kwh"], containers)  # (S1, U1-U3)
        self.size_var(b, "power_kw", sizes["battery_kw"], containers)
        b.charge_kw = pyo.Var(steps, domain=nn)
        b.discharge_kw = pyo.Var(steps, domain=nn)
        self._cap_cycles(b)
        add_state_of_charge(  # (S2-S3, or S5-S8 over typical periods)
            b,
            self.ctx,
            lambda b, t: eta_c * b.charge_kw[t] - inv_eta_d * b.discharge_kw[t],
            b.energy_kwh,
            1.0 - s.self_discharge_per_hour,
            (s.soc_min_fraction, s.soc_max_fraction),
        )
        b.charge_max = pyo.Constraint(steps, rule=lambda b, t: b.charge_kw[t] <= b.power_kw)
        b.discharge_max = pyo.Constraint(steps, rule=lambda b, t: b.discharge_kw[t] <= b.power_kw)

    def _cap_cycles(self, b: pyo.Block) -> None:
        """(S10) ``s * sum_t w_t * discharge[t] <= max_cycles_per_year * energy_kwh``.

        The annual discharge (scaled to a year like every annual sum, so a short
        horizon gets its share of the cap) is at most the allowed full cycles times
        the whole energy capacity, existing included. Not built without a cap.
        """
        cycles = self.spec.max_cycles_per_year
        if cycles is not None:
            b.cycle_cap = pyo.Constraint(
                expr=self.ctx.annual(b.discharge_kw) <= cycles * b.energy_kwh
            )

    def operating_cost(self, b: pyo.Block) -> Expr:
        """(S9) wear and (O2) tie-break, per year.

        ``s * sum_t w_t * (c * discharge[t] + epsilon * (charge[t] + discharge[t]))``,
        with ``c`` the wear cost per kWh discharged
        (:meth:`dispatch.case.schema.Battery.wear_cost_per_kwh`).
        """
        wear = self.spec.wear_cost_per_kwh()
        return (wear + TIE_BREAK_PER_KWH) * self.ctx.annual(
            b.discharge_kw
        ) + TIE_BREAK_PER_KWH * self.ctx.annual(b.charge_kw)

    def electricity(self, b: pyo.Block, t: int) -> Expr:
        """``discharge[t] - charge[t]`` (in B1)."""
        return b.discharge_kw[t] - b.charge_kw[t]

    @classmethod
    def sizes(cls, spec: Any) -> dict[str, SizeSpec]:
        """Energy [kWh] and power [kW] ratings."""
        return {
            "battery_kwh": SizeSpec("battery_kwh", spec.min_kwh, spec.max_kwh, spec.existing_kwh,
                                    spec.unit_kwh, spec.min_kwh_if_built),
            "battery_kw": SizeSpec("battery_kw", spec.min_kw, spec.max_kw, spec.existing_kw,
                                   spec.unit_kw, spec.min_kw_if_built),
        }  # fmt: skip

    def exclusive_pairs(self, b: pyo.Block) -> list[ExclusivePair]:
        """(X1) no charging and discharging in the same hour; bounded by the power rating."""
        return [
            ExclusivePair(
                "charge_discharge", b.charge_kw, b.discharge_kw, self.spec.max_kw, b.power_kw
            )
        ]

    def unit_counts(self, b: pyo.Block) -> dict[str, int]:
        """Containers added, when the battery comes in containers."""
        containers = b.component("containers")
        return {} if containers is None else {"battery_units": round(pyo.value(containers))}

    @classmethod
    def capex_per_unit(cls, spec: Any) -> dict[str, float]:
        """``capex_per_kwh`` per kWh and ``capex_per_kw`` per kW."""
        return {"battery_kwh": spec.capex_per_kwh, "battery_kw": spec.capex_per_kw}

    @classmethod
    def fixed_om_per_unit(cls, spec: Any) -> dict[str, float]:
        """``fixed_om_per_kwh_year`` per kWh and ``fixed_om_per_kw_year`` per kW."""
        return {"battery_kwh": spec.fixed_om_per_kwh_year, "battery_kw": spec.fixed_om_per_kw_year}

    def size_vars(self, b: pyo.Block) -> dict[str, pyo.Var]:
        """Return the energy and power rating variables."""
        return {"battery_kwh": b.energy_kwh, "battery_kw": b.power_kw}

    @classmethod
    def ledger_terms(cls, spec: Any) -> tuple[Term, ...]:
        """Storage losses ``sum charge - sum discharge`` (consumption in R5)."""
        return (
            Term("storage_losses", "battery_charge_kw"),
            Term("storage_losses", "battery_discharge_kw", -1.0),
        )

    def hourly_vars(self, b: pyo.Block) -> dict[str, pyo.Var]:
        """Charge, discharge and (over the full sequence of hours) state of charge."""
        out = {"battery_charge_kw": b.charge_kw, "battery_discharge_kw": b.discharge_kw}
        if b.component("soc_kwh") is not None:  # typical periods: no hourly state of charge
            out["battery_soc_kwh"] = b.soc_kwh
        return out
