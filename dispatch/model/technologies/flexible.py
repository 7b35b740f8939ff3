"""The park's flexible electric load: shiftable and curtailable.

Shiftable load is the case section ``load.flexible``, curtailable ``load.curtailable``.
Shifting follows the delay-based formulation of Zerrahn & Schill (2015), "On the
representation of demand-side management in power system models", Energy 84,
840-845: every kWh moved is one variable ``move[s, t]`` (due at hour s, served at
hour t), so the energy taken from some hours equals the energy added to others
exactly. Moves stay within one window (a day or a shift) and at most
``max_shift_hours`` away. Equations (docs/formulation.md): (F1)-(F5) shifting,
(F6)-(F7) curtailment; the bus terms enter (B1), the costs (O1, O2).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dispatch.ledger import Term
from dispatch.model.technologies.base import Expr, Technology, pyo, values
from dispatch.model.technologies.battery import TIE_BREAK_PER_KWH


def shift_pairs(
    n_steps: int, window_hours: int, max_shift_hours: int, can_give: np.ndarray,
    can_take: np.ndarray,
) -> list[tuple[int, int]]:  # fmt: skip
    """Return the allowed moves ``(s, t)``: load due at step s served at step t.

    A move stays within one window (steps ``k * window_hours`` to
    ``(k + 1) * window_hours - 1``) and spans at most ``max_shift_hours``; hours that
    cannot give (``can_give`` false) or take (``can_take`` false) load get no moves.

    Parameters
    ----------
    n_steps : int
        Model steps; a window never crosses a period of typical days, since a window
        divides 24 hours.
    window_hours : int
        Length of an energy-conservation window [h].
    max_shift_hours : int
        Longest move [h].
    can_give, can_take : numpy.ndarray of bool
        Whether each step may lose or gain load.
    """
    pairs = []
    for s in np.flatnonzero(can_give).tolist():
        first = s - s % window_hours
        last = min(first + window_hours, n_steps) - 1
        for t in range(max(first, s - max_shift_hours), min(last, s + max_shift_hours) + 1):
            if t != s and can_take[t]:
                pairs.append((s, t))
    return pairs


class FlexibleLoad(Technology):
    """Shiftable load: moves ``move_kw[s, t]`` within windows add to and take from hours."""

    name = "flexible_load"
    section = "load.flexible"

    def build(self, b: pyo.Block) -> None:
        """Declare the moves, the load added to and taken from each hour, and their limits.

        With ``L_t`` the original load, ``f`` the shiftable fraction, ``u`` the increase
        cap and P the allowed moves (same window, at most ``max_shift_hours`` apart):

        (F1) ``increase[t] = sum_{s:(s,t) in P} move[s,t]``,
        ``decrease[t] = sum_{r:(t,r) in P} move[t,r]``; the shift is
        ``increase[t] - decrease[t]``
        (F2) ``decrease[t] <= f * L_t`` (a bound)
        (F3) ``increase[t] <= u * L_t`` (a bound)
        (F4) ``increase[t] + decrease[t] <= max(f, u) * L_t``
        (F5) ``sum_{t in window} (increase[t] - decrease[t]) = 0`` follows from F1
        """
        s = self.spec
        steps = self.ctx.steps
        h = self.ctx.horizon
        window = s.window_hours()
        if h.period_hours and h.period_hours % window:
            raise ValueError(
                f"a window of {window} h does not divide the {h.period_hours}-hour periods"
            )
        load = np.asarray(self.profile("load_kw"))
        f, up = s.shiftable_fraction, s.increase_fraction()
        pairs = shift_pairs(h.n_steps, window, s.max_shift_hours, f * load > 0, up * load > 0)
        given: list[list[tuple[int, int]]] = [[] for _ in range(h.n_steps)]
        taken: list[list[tuple[int, int]]] = [[] for _ in range(h.n_steps)]
        for pair in pairs:
            given[pair[0]].append(pair)
            taken[pair[1]].append(pair)
        b.pairs = pyo.Set(initialize=pairs, dimen=2, ordered=True)
        b.move_kw = pyo.Var(b.pairs, domain=pyo.NonNegativeReals)
        down_max, up_max = (f * load).tolist(), (up * load).tolist()
        b.decrease_kw = pyo.Var(  # (F2)
            steps, domain=pyo.NonNegativeReals, bounds=lambda b, t: (0.0, down_max[t])
        )
        b.increase_kw = pyo.Var(  # (F3)
            steps, domain=pyo.NonNegativeReals, bounds=lambda b, t: (0.0, up_max[t])
        )
        b.decrease_sum = pyo.Constraint(  # (F1)
            steps,
            rule=lambda b, t: b.decrease_kw[t] == pyo.quicksum(b.move_kw[p] for p in given[t]),
        )
        b.increase_sum = pyo.Constraint(
            steps,
            rule=lambda b, t: b.increase_kw[t] == pyo.quicksum(b.move_kw[p] for p in taken[t]),
        )
        both = (max(f, up) * load).tolist()
        b.exchange_max = pyo.Constraint(  # (F4)
            steps,
            rule=lambda b, t: (
                b.increase_kw[t] + b.decrease_kw[t] <= both[t]
                if given[t] and taken[t]
                else pyo.Constraint.Skip
            ),
        )

    def electricity(self, b: pyo.Block, t: int) -> Expr:
        """``decrease_kw[t] - increase_kw[t]``: load added to an hour draws on the bus (B1)."""
        return b.decrease_kw[t] - b.increase_kw[t]

    def operating_cost(self, b: pyo.Block) -> Expr:
        """(O2) tie-break ``epsilon * s * sum_(s,t) w_t * move[s,t]``: no move without a gain."""
        h = self.ctx.horizon
        w = h.weight * h.annual_scale * TIE_BREAK_PER_KWH
        return pyo.quicksum(float(w[t]) * b.move_kw[s, t] for s, t in b.pairs)

    @classmethod
    def ledger_terms(cls, spec: Any) -> tuple[Term, ...]:
        """Shifted load is load in the hour it is served (zero over every window)."""
        return (Term("load", "load_shifted_kw"),)

    def column_kwh(self, b: pyo.Block, column: str, coeff: np.ndarray | float = 1.0) -> Expr:
        """Annual sum of ``load_shifted_kw``: added less taken (zero by F5 when unweighted)."""
        return self.ctx.annual(b.increase_kw, coeff) - self.ctx.annual(b.decrease_kw, coeff)

    def timeseries(self, b: pyo.Block) -> dict[str, np.ndarray]:
        """Return the signed shift per step, ``load_shifted_kw`` (served less original)."""
        return {"load_shifted_kw": values(b.increase_kw) - values(b.decrease_kw)}


class CurtailableLoad(Technology):
    """Curtailable load: ``shed_kw[t]`` at a price, capped per hour and per year."""

    name = "curtailable_load"
    section = "load.curtailable"

    def build(self, b: pyo.Block) -> None:
        """Declare the load shed.

        (F6) ``0 <= shed[t] <= g * L_t``
        (F7) ``s * sum_t w_t * shed[t] <= H * g * max_t L_t``: at most H hours' worth of
        the largest possible shedding a year (a linear energy cap, no binaries)
        """
        s = self.spec
        load = self.profile("load_kw")
        g = s.max_fraction
        b.shed_kw = pyo.Var(
            self.ctx.steps, domain=pyo.NonNegativeReals, bounds=lambda b, t: (0.0, g * load[t])
        )
        if s.max_hours_per_year is not None:
            peak = float(np.max(self.series["load_kw"]))
            b.energy_cap = pyo.Constraint(  # (F7)
                expr=self.ctx.annual(b.shed_kw) <= s.max_hours_per_year * g * peak
            )

    def electricity(self, b: pyo.Block, t: int) -> Expr:
        """``shed_kw[t]``: load not served relieves the bus (in B1)."""
        return b.shed_kw[t]

    def operating_cost(self, b: pyo.Block) -> Expr:
        """(O1) ``cost_per_kwh * s * sum_t w_t * shed[t]``."""
        return self.spec.cost_per_kwh * self.ctx.annual(b.shed_kw)

    @classmethod
    def table_costs(cls, spec: Any, table: pd.DataFrame) -> dict[str, float]:
        """``load_shed``: ``cost_per_kwh * sum_t load_shed_kw[t]`` over the table's rows."""
        shed = table["load_shed_kw"].to_numpy(dtype=float) if "load_shed_kw" in table else 0.0
        return {"load_shed": spec.cost_per_kwh * float(np.sum(shed))}

    @classmethod
    def ledger_terms(cls, spec: Any) -> tuple[Term, ...]:
        """Shed load is not consumption (C subtracts it)."""
        return (Term("load_shed", "load_shed_kw"),)

    def hourly_vars(self, b: pyo.Block) -> dict[str, pyo.Var]:
        """Load shed per step."""
        return {"load_shed_kw": b.shed_kw}
