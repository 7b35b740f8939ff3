"""State of charge of a store, shared by the battery and the heat tank.

A store holds ``soc[t]``; each step it keeps ``keep = 1 - loss`` of what it held and
takes in ``net[t]`` (charge less discharge, after efficiencies). Over a chronological
horizon this is (S2) with the window (S3); over typical periods the state of charge is
linked through the year (S5-S8). Equations: docs/formulation.md.
"""

from __future__ import annotations

from collections.abc import Callable

from dispatch.model.technologies.base import Context, Expr, pyo


def add_state_of_charge(
    b: pyo.Block,
    ctx: Context,
    net: Callable[[pyo.Block, int], Expr],
    capacity: pyo.Var,
    keep: float,
    window: tuple[float, float],
    unit: str = "kwh",
) -> None:
    """Declare the state of charge of a store on block ``b``.

    Chronological horizon (variable ``soc_<unit>[t]``):

    (S2) ``soc[t] = keep * soc[prev(t)] + net[t]``
    (S3) ``lo * capacity <= soc[t] <= hi * capacity``

    Typical periods (:meth:`_linked`): (S5-S8).

    Parameters
    ----------
    b : pyomo Block
        The store's block.
    ctx : Context
        The model's steps and horizon.
    net : callable
        ``(b, t) -> `` energy put into the store at step t (charge after losses minus
        discharge before losses) [kWh or kWh_th].
    capacity : pyomo Var
        The energy capacity.
    keep : float
        Share of the stored energy kept from one hour to the next (1 - loss).
    window : tuple of float
        ``(lo, hi)``: the state-of-charge window as shares of the capacity.
    unit : str
        Unit suffix of the variable names (``kwh``, ``kwh_th``).
    """
    if ctx.horizon.sequence is not None:
        _linked(b, ctx, net, capacity, keep, window, unit)
        return
    steps = ctx.steps
    prev = ctx.horizon.prev.tolist()
    lo, hi = window
    soc = pyo.Var(steps, domain=pyo.NonNegativeReals)
    b.add_component(f"soc_{unit}", soc)
    b.soc_balance = pyo.Constraint(  # (S2)
        steps, rule=lambda b, t: soc[t] == keep * soc[prev[t]] + net(b, t)
    )
    b.soc_max = pyo.Constraint(steps, rule=lambda b, t: soc[t] <= hi * capacity)  # (S3)
    if lo > 0:
        b.soc_min = pyo.Constraint(steps, rule=lambda b, t: soc[t] >= lo * capacity)


def _linked(
    b: pyo.Block,
    ctx: Context,
    net: Callable[[pyo.Block, int], Expr],
    capacity: pyo.Var,
    keep: float,
    window: tuple[float, float],
    unit: str,
) -> None:
    """State of charge over typical periods linked through the year.

    With typical period k(d) standing for period d of the year, L hours long:

    (S5) ``delta[t] = keep * delta[t-1] + net[t]``, with ``delta = 0`` before the first
    hour of each typical period (change of charge within the period)
    (S6) ``soc_start[d+1] = keep^L * soc_start[d] + delta[end of k(d)]``, cyclic over
    the year
    (S7) ``delta_min[k] <= delta[t] <= delta_max[k]`` for t in period k
    (S8) ``soc_start[d] + delta_max[k(d)] <= hi * capacity`` and
    ``keep^L * soc_start[d] + delta_min[k(d)] >= lo * capacity``

    With losses (keep < 1) S8 is conservative: it never admits a state of charge
    outside the window.
    """
    h = ctx.horizon
    steps = ctx.steps
    length = h.period_hours
    seq = h.sequence.tolist()  # type: ignore[union-attr]
    n_days, periods = len(seq), range(h.n_periods)
    delta = pyo.Var(steps)
    delta_max, delta_min = pyo.Var(periods), pyo.Var(periods)
    start = pyo.Var(range(n_days), domain=pyo.NonNegativeReals)
    b.add_component(f"delta_{unit}", delta)
    b.add_component(f"delta_max_{unit}", delta_max)
    b.add_component(f"delta_min_{unit}", delta_min)
    b.add_component(f"soc_start_{unit}", start)

    def intra(b: pyo.Block, t: int) -> Expr:  # (S5)
        before = keep * delta[t - 1] if t % length else 0.0
        return delta[t] == before + net(b, t)

    b.delta_balance = pyo.Constraint(steps, rule=intra)
    b.delta_upper = pyo.Constraint(  # (S7)
        steps, rule=lambda b, t: delta[t] <= delta_max[t // length]
    )
    b.delta_lower = pyo.Constraint(steps, rule=lambda b, t: delta[t] >= delta_min[t // length])
    decay = keep**length
    b.soc_link = pyo.Constraint(  # (S6)
        range(n_days),
        rule=lambda b, d: (
            start[(d + 1) % n_days] == decay * start[d] + delta[seq[d] * length + length - 1]
        ),
    )
    lo, hi = window
    b.soc_upper = pyo.Constraint(  # (S8)
        range(n_days), rule=lambda b, d: start[d] + delta_max[seq[d]] <= hi * capacity
    )
    b.soc_lower = pyo.Constraint(
        range(n_days),
        rule=lambda b, d: decay * start[d] + delta_min[seq[d]] >= lo * capacity,
    )
