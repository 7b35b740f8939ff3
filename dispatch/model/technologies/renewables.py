"""PV and wind: sized generators whose output follows an availability profile.

Equations (docs/formulation.md): (R1) size limits, (R2) curtailment limit,
(R3) available energy; the bus term enters (B1).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from dispatch.ledger import Term
from dispatch.model.technologies.base import Expr, SizeSpec, Technology, pyo


class Renewable(Technology):
    """A generator of size ``size_kw`` whose output is ``availability[t] * size_kw``."""

    availability_key: ClassVar[str]

    def build(self, b: pyo.Block) -> None:
        """Declare ``size_kw`` and ``curtailed_kw[t]``.

        (R1) ``min_kw <= size_kw <= max_kw``
        (R2) ``curtailed_kw[t] <= availability[t] * size_kw``
        """
        spec = self.spec
        steps = self.ctx.steps
        self.avail = self.profile(self.availability_key)
        self.size_var(b, "size_kw", self.sizes(spec)[f"{self.name}_kw"])  # (R1, U1-U3)
        b.curtailed_kw = pyo.Var(steps, domain=pyo.NonNegativeReals)
        avail = self.avail
        b.curtail_limit = pyo.Constraint(  # (R2)
            steps, rule=lambda b, t: b.curtailed_kw[t] <= avail[t] * b.size_kw
        )

    def electricity(self, b: pyo.Block, t: int) -> Expr:
        """``availability[t] * size_kw - curtailed_kw[t]`` (in B1)."""
        return self.avail[t] * b.size_kw - b.curtailed_kw[t]

    @classmethod
    def ledger_terms(cls, spec: Any) -> tuple[Term, ...]:
        """Available (R3) and curtailed energy."""
        return (
            Term("available", f"{cls.name}_available_kw"),
            Term("curtailed", f"{cls.name}_curtailed_kw"),
        )

    def hourly_vars(self, b: pyo.Block) -> dict[str, pyo.Var]:
        """Curtailment per step."""
        return {f"{self.name}_curtailed_kw": b.curtailed_kw}

    def column_kwh(self, b: pyo.Block, column: str, coeff: np.ndarray | float = 1.0) -> Expr:
        """(R3) ``A_k = s * sum_t w_t * availability[t] * size_kw`` for the available column."""
        if column != f"{self.name}_available_kw":
            return super().column_kwh(b, column, coeff)
        h = self.ctx.horizon
        hours = float(np.dot(h.weight * coeff, h.take(self.series[self.availability_key])))
        return hours * h.annual_scale * b.size_kw

    @classmethod
    def sizes(cls, spec: Any) -> dict[str, SizeSpec]:
        """Total size in kW: bounds, existing capacity, unit size and minimum addition."""
        return {
            f"{cls.name}_kw": SizeSpec(
                f"{cls.name}_kw",
                spec.min_kw,
                spec.max_kw,
                spec.existing_kw,
                spec.unit_kw,
                spec.min_kw_if_built,
            )
        }

    @classmethod
    def capex_per_unit(cls, spec: Any) -> dict[str, float]:
        """``capex_per_kw`` per kW."""
        return {f"{cls.name}_kw": spec.capex_per_kw}

    @classmethod
    def fixed_om_per_unit(cls, spec: Any) -> dict[str, float]:
        """``fixed_om_per_kw_year`` per kW."""
        return {f"{cls.name}_kw": spec.fixed_om_per_kw_year}

    def size_vars(self, b: pyo.Block) -> dict[str, pyo.Var]:
        """Return ``{<name>_kw: size_kw}``."""
        return {f"{self.name}_kw": b.size_kw}

    def timeseries(self, b: pyo.Block) -> dict[str, np.ndarray]:
        """Available output and curtailment per step [kW]."""
        size = float(pyo.value(b.size_kw))
        return {f"{self.name}_available_kw": np.asarray(self.avail) * size} | super().timeseries(b)


class PV(Renewable):
    """Photovoltaic plant."""

    name = "pv"
    availability_key = "pv_availability_kw_per_kw"


class Wind(Renewable):
    """Wind farm."""

    name = "wind"
    availability_key = "wind_availability_kw_per_kw"
