"""Cost frontiers: the least cost of a park as a rule's limit tightens (epsilon constraint).

``dispatch frontier CASE --vs carbon_intensity --points 6`` answers "what would it cost to
reach 0.2 tCO2/tce?":

1. Point 0 is the plain run: the least-cost design, with the case's own rules.
2. The tightest level of the metric (:func:`dispatch.solve.frontier.tightest_level`):
   the lowest carbon intensity or emissions, the highest self-use, that any design
   reaches while every other rule and limit holds.
3. Points 1..N-1 put the metric's rule at limits evenly spaced from point 0's value to
   that level (the last one a share :data:`END_MARGIN` of the range short of it: the
   level search relaxes strict physics), and solve each like ``dispatch run``: a
   full-year, rule-compliant, strictly physical design. A point the fast method cannot
   solve (its typical-day design misses the rule over the year, or HiGHS stops in
   numerical trouble) is solved again with ``exact``; one that still fails is kept in
   the table with its status and message.

Every point is solved by :func:`solve_point` on one compiled case
(:class:`dispatch.resolve.Resolver`): the rule's new limit is written into the compiled
model and re-solved warm-started, with no Pyomo rebuild; each point's
``summary["solve"]["resolve"]`` says so. The exact retry of a failed point rebuilds.

Outputs (``--out DIR``): ``frontier.csv`` (one row per point, :data:`COLUMNS` and the
capacities), ``points/<k>/`` (each point's results folder, as ``dispatch run`` writes
it), ``frontier.html`` (cost against the metric, the regulatory thresholds, and the
marginal abatement cost between points) and ``summary.json`` (the sweep's settings and
level). The folder appears complete or not at all.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from dispatch import ledger
from dispatch.case.loader import CaseData, load_case
from dispatch.errors import CaseError, InfeasibleError, Problem, SolverError
from dispatch.model.horizon import Horizon
from dispatch.resolve import Resolver
from dispatch.runner import RunOutput, solve_case
from dispatch.solve.exact import SolverOptions
from dispatch.solve.frontier import Level, tightest_level

METRICS: dict[str, str] = {
    "carbon_intensity": "carbon_intensity",
    "emissions": "emissions",
    "self_use": "self_use_of_consumption",
}
"""``--vs`` choices and the rule (:data:`dispatch.ledger.RULES`) each one constrains."""
END_MARGIN = 0.01
"""The last point stops this share of the range short of the tightest level."""
AT_SNAP = 0.02
"""An evenly spaced limit this share of the range from a limit given with ``at`` is
left out: the given one stands for it."""
FRONTIER_CSV = "frontier.csv"
FRONTIER_HTML = "frontier.html"
POINTS_DIR = "points"
COLUMNS = (
    "point", "metric", "limit", "value", "status", "objective_per_year", "tco2_per_year",
    "self_use_of_consumption", "carbon_intensity_t_per_tce", "clean_share",
    "green_certificates_mwh_per_year", "marginal_abatement_cost_per_tco2", "npv",
)  # fmt: skip
"""The leading columns of ``frontier.csv``; the capacities follow, then ``message``."""


@dataclass
class Frontier:
    """A cost frontier against one metric.

    Attributes
    ----------
    metric : str
        ``carbon_intensity``, ``emissions`` or ``self_use``.
    rule : str
        The rule its limit sets.
    unit : str
        Unit of ``limit`` and ``value``: ``fraction``, ``tCO2/tce``, ``tCO2/yr``.
    table : pandas.DataFrame
        ``frontier.csv``: one row per point.
    level : Level
        The tightest level found.
    outputs : list of RunOutput or None
        Each point's run (``None`` where it could not be solved).
    folder : pathlib.Path or None
        Where it was written.
    """

    metric: str
    rule: str
    unit: str
    table: pd.DataFrame
    level: Level
    outputs: list[RunOutput | None] = field(default_factory=list)
    folder: Path | None = None

    def figure(self) -> Any:
        """Return the frontier figure (:func:`dispatch.report.frontier.frontier_figure`)."""
        from dispatch.report.frontier import frontier_figure

        return frontier_figure(self.table, self.metric, self.unit)


def solve_point(
    data: CaseData,
    rule: ledger.Rule,
    limit: float | None,
    method: str,
    options: SolverOptions | None,
    horizon: Horizon | None,
    resolver: Resolver | None = None,
) -> RunOutput:
    """Solve the case with the rule's limit set (``None``: the case as it is).

    With a ``resolver`` of the same case and method, the point is solved in place: the
    compiled model gets the rule's new bound and is re-solved warm-started
    (:mod:`dispatch.resolve`; the first point with a limit the case leaves out compiles
    the rule in once). Without one, the model is built afresh.
    """
    if resolver is not None and resolver.method == method:
        return resolver.solve(None if limit is None else {rule.key: float(limit)})
    case = data if limit is None else data.with_overrides({rule.key: float(limit)})
    return solve_case(case, method=method, options=options, horizon=horizon)


def frontier(
    case: str | Path | CaseData,
    vs: str = "carbon_intensity",
    points: int = 6,
    out: str | Path | None = None,
    *,
    method: str = "auto",
    options: SolverOptions | None = None,
    horizon: Horizon | None = None,
    progress: Callable[[str], None] | None = None,
    point_extras: Callable[[RunOutput], Callable[[Path], None]] | None = None,
    at: Sequence[float] = (),
) -> Frontier:
    """Sweep a rule's limit from the least-cost design to the tightest feasible level.

    Parameters
    ----------
    case : str, pathlib.Path or CaseData
        The case.
    vs : str
        ``carbon_intensity`` (tCO2/tce), ``emissions`` (tCO2/yr) or ``self_use`` (self-used
        renewables over consumption).
    points : int
        Points on the frontier, the least-cost design included (at least 2).
    out : str or pathlib.Path, optional
        Write ``frontier.csv``, ``frontier.html`` and ``points/<k>/`` here.
    method : str
        ``auto`` or ``exact``, for every point.
    options : SolverOptions, optional
        Solver limits of every solve.
    horizon : Horizon, optional
        Model steps; the full year by default.
    progress : callable, optional
        Called with a line of text as each step starts.
    point_extras : callable, optional
        ``output -> extra``: what else to write into a point's folder (``report.html``,
        ``case.yaml``, ``inputs.csv``: :meth:`dispatch.api.Result.write_extras`).
    at : sequence of float
        More limits to solve besides the evenly spaced ones, e.g. the regulatory
        thresholds ``(0.3, 0.2)``. A limit the least-cost design meets repeats point 0;
        one beyond the tightest level is listed as infeasible with that level.

    Returns
    -------
    Frontier
    """
    if vs not in METRICS:
        raise CaseError([Problem("--vs", "vs", f"choose one of {', '.join(METRICS)}")])
    if points < 2:
        raise CaseError([Problem("--points", "points", "needs at least 2 points")])
    if out is not None:
        from dispatch.results.write import check_target

        check_target(Path(out))
    say = progress or (lambda _text: None)
    data = case if isinstance(case, CaseData) else load_case(case)
    rule = ledger.RULE_BY_NAME[METRICS[vs]]
    say("point 0: the least-cost design")
    resolver = Resolver(data, method, options, horizon)
    first = solve_point(data, rule, None, method, options, horizon, resolver)
    start = _metric(first.summary, rule)
    say("searching the tightest level")
    level = tightest_level(data, rule.name, horizon, options)
    say(f"tightest level {rule.format(level.value)}, from {rule.format(start)} at least cost")
    end = level.value + END_MARGIN * (start - level.value)
    outputs: list[RunOutput | None] = [first]
    rows = [_row(0, vs, rule, rule.limit(data.case), first.summary)]
    for k, limit in enumerate(_limits(rule, start, end, points, at), start=1):
        say(f"point {k}: {rule.describe(limit)}")
        beyond = limit < level.value if rule.kind == "max" else limit > level.value
        if beyond:  # no design reaches it: say why rather than solve
            message = (f"beyond the tightest level any design reaches, "
                       f"{rule.format(level.value)} (relaxed physics)")  # fmt: skip
            say(f"point {k}: infeasible: {message}")
            rows.append(_row(k, vs, rule, limit, None, message, "infeasible"))
            outputs.append(None)
            continue
        met = limit >= start if rule.kind == "max" else limit <= start
        if met:  # the least-cost design meets it already
            message = "the least-cost design (point 0) meets this limit"
            rows.append(_row(k, vs, rule, limit, first.summary, message))
            outputs.append(first)
            continue
        output, status, message = _solve_or_explain(
            data, rule, limit, method, options, horizon, resolver
        )
        if output is None:
            say(f"point {k}: {status}: {message}")
        rows.append(_row(k, vs, rule, limit, output.summary if output else None, message, status))
        outputs.append(output)
    table = _table(rows)
    result = Frontier(vs, rule.name, _unit(rule), table, level, outputs)
    if out is not None:
        result.folder = write_frontier(result, Path(out), point_extras)
    return result


def _limits(
    rule: ledger.Rule, start: float, end: float, points: int, at: Sequence[float]
) -> list[float]:
    """Return the limits of points 1.., tightening: ``points - 1`` evenly spaced, and ``at``.

    Even steps run from ``start`` (point 0's value) to ``end``; the limits of ``at`` are
    merged in (an even step within :data:`AT_SNAP` of the range from one of them is
    left out), and a limit within 1e-9 (relative) of another is solved once.
    """
    even = [start + (end - start) * k / (points - 1) for k in range(1, points)]
    given = [float(x) for x in at]
    near = AT_SNAP * abs(end - start)  # an even step this close to a given limit yields to it
    even = [x for x in even if all(abs(x - g) > near for g in given)]
    ordered = sorted({*even, *given}, reverse=rule.kind == "max")
    out: list[float] = []
    for limit in ordered:
        if not out or abs(limit - out[-1]) > 1e-9 * max(abs(limit), 1.0):
            out.append(limit)
    return out


def _solve_or_explain(
    data: CaseData,
    rule: ledger.Rule,
    limit: float,
    method: str,
    options: SolverOptions | None,
    horizon: Horizon | None,
    resolver: Resolver | None = None,
) -> tuple[RunOutput | None, str, str]:
    """Solve one point; ``(output, status, message)``, output ``None`` when it failed.

    The fast method sizes on typical days: near the tightest level its design may not
    meet the rule over the full year, or HiGHS may stop in numerical trouble. Such a
    point is solved again with ``exact`` before it is reported as failed.
    """
    notes: list[str] = []
    status = "infeasible"
    for attempt in dict.fromkeys((method, "exact")):
        try:
            output = solve_point(data, rule, limit, attempt, options, horizon, resolver)
        except (InfeasibleError, SolverError) as exc:
            status = "infeasible" if isinstance(exc, InfeasibleError) else "solver_error"
            notes.append(f"{attempt}: {str(exc).splitlines()[0]}")
            continue
        return output, output.summary["status"], "; ".join(notes)
    return None, status, "; ".join(notes)


def _metric(summary: dict[str, Any], rule: ledger.Rule) -> float:
    """Return the rule's ratio in a run's summary."""
    value = summary["ratios"].get(rule.ratio)
    return 0.0 if value is None else float(value)


def _unit(rule: ledger.Rule) -> str:
    return "fraction" if rule.unit == "%" else rule.unit


def _row(
    k: int,
    vs: str,
    rule: ledger.Rule,
    limit: float | None,
    summary: dict[str, Any] | None,
    message: str = "",
    status: str = "infeasible",
) -> dict[str, Any]:
    """One row of ``frontier.csv`` from a point's summary (``None``: no solution)."""
    row: dict[str, Any] = {"point": k, "metric": vs, "limit": limit}
    if summary is None:
        return row | {"status": status, "message": message}
    ratios = summary["ratios"]
    em = summary["emissions"]
    financials = summary.get("financials") or {}
    row |= {
        "value": _metric(summary, rule),
        "status": summary["status"],
        "objective_per_year": summary["objective_per_year"],
        "tco2_per_year": em["tco2_per_year"],
        "self_use_of_consumption": ratios.get("self_use_of_consumption"),
        "carbon_intensity_t_per_tce": ratios.get("carbon_intensity_t_per_tce"),
        "clean_share": ratios.get("clean_share"),
        "green_certificates_mwh_per_year": em.get("green_certificates_mwh_per_year", 0.0),
        "npv": financials.get("npv"),
        "message": "; ".join([message, *summary["solve"].get("warnings", [])]).strip("; "),
    }
    return row | dict(summary["capacities"])


def _table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows in column order, with the marginal abatement cost between solved points."""
    table = pd.DataFrame(rows)
    mac: list[float | None] = [None] * len(table)
    solved = [i for i, r in enumerate(rows) if r.get("objective_per_year") is not None]
    for a, b in zip(solved, solved[1:], strict=False):
        mac[b] = abatement_cost(
            rows[a]["objective_per_year"], rows[b]["objective_per_year"],
            rows[a]["tco2_per_year"], rows[b]["tco2_per_year"],
        )  # fmt: skip
    table["marginal_abatement_cost_per_tco2"] = mac
    for column in COLUMNS:
        if column not in table:
            table[column] = None
    caps = [c for c in table.columns if c not in COLUMNS and c != "message"]
    return table[[*COLUMNS, *caps, "message"]]


def abatement_cost(
    cost_before: float, cost_after: float, tco2_before: float, tco2_after: float
) -> float | None:
    """Marginal abatement cost [CNY/tCO2]: extra cost per tonne avoided between two points.

    ``(cost_after - cost_before) / (tco2_before - tco2_after)``; ``None`` when the step
    avoids no CO2 (less than 1 kg a year).
    """
    avoided = tco2_before - tco2_after
    if not math.isfinite(avoided) or avoided < 1e-3:
        return None
    return (cost_after - cost_before) / avoided


def write_frontier(
    result: Frontier,
    out: Path,
    point_extras: Callable[[RunOutput], Callable[[Path], None]] | None = None,
) -> Path:
    """Write ``frontier.csv``, ``frontier.html``, ``summary.json`` and ``points/<k>/``.

    Everything is written into a temporary folder and moved into place when complete
    (:mod:`dispatch.results.write`); an earlier frontier in ``out`` is replaced only then.
    ``point_extras(output)`` writes the rest of a point's folder (its report).
    """
    from dispatch.report.frontier import frontier_html
    from dispatch.results.write import write_folder, write_results, write_summary

    def fill(tmp: Path) -> None:
        for k, output in enumerate(result.outputs):
            if output is None:
                continue
            write_results(
                tmp / POINTS_DIR / str(k),
                output.summary,
                output.timeseries,
                extra=point_extras(output) if point_extras is not None else None,
                bill_monthly=output.bill_monthly,
                check=False,
            )
        result.table.to_csv(tmp / FRONTIER_CSV, index=False, float_format="%.10g")
        (tmp / FRONTIER_HTML).write_text(
            frontier_html(result.table, result.metric, result.unit), "utf-8"
        )
        write_summary(tmp / "summary.json", _summary(result))

    write_folder(out, fill)
    return out


def _summary(result: Frontier) -> dict[str, Any]:
    """Return the frontier's ``summary.json``: what was swept and how far it could go."""
    level = result.level
    solved = result.table[result.table["objective_per_year"].notna()]
    return {
        "kind": "frontier",
        "status": "optimal" if len(solved) == len(result.table) else "partial",
        "metric": result.metric,
        "rule": result.rule,
        "unit": result.unit,
        "points": len(result.table),
        "tightest_level": level.value,
        "tightest_level_relaxed_physics": True,
        "least_cost_value": level.least_cost_value,
        "end_margin": END_MARGIN,
        "level_iterations": level.iterations,
    }


__all__ = ["COLUMNS", "METRICS", "Frontier", "abatement_cost", "frontier", "solve_point"]
