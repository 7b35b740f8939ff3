"""Re-solve a case in place when only numbers change: no Pyomo rebuild, warm-started.

A :class:`Resolver` builds and compiles a case's models once and keeps them in
HiGHS. For a case key with a number (a price, a cost, an efficiency, a rule
level, a size bound) it learns how the model's numbers depend on that key by
compiling the model at two more values of it (once per key): when costs,
matrix coefficients, bounds and right-hand sides are affine in the key, any
later value of it is written into HiGHS in place (:meth:`HighsModel.update`)
and the model is solved again from the last basis. Anything else (a technology
added, a profile, a value that changes the model's pattern, a key that enters
non-linearly such as a lifetime) rebuilds, and the run says so in
``summary["solve"]["resolve"]``.

>>> resolver = Resolver(load_case("cases/example-park.yaml"))  # doctest: +SKIP
>>> base = resolver.solve()  # doctest: +SKIP
>>> cheap = resolver.solve({"technologies.battery.capex_per_kwh": 400})  # doctest: +SKIP

Frontier points (an epsilon constraint on a rule) are rule-level overrides:
``resolver.solve({"rules.self_use_min_of_consumption": 0.40})``.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from dispatch.case.loader import CaseData
from dispatch.errors import CaseError, TypicalDaysInfeasible
from dispatch.model.build import BuiltModel, build_model
from dispatch.model.horizon import Horizon
from dispatch.model.technologies import REGISTRY, spec_of
from dispatch.runner import TYPICAL_DAYS_FELL_BACK, collect, resolve_options, solve_case
from dispatch.solve.auto import Prepared, _Sizing, solve_auto
from dispatch.solve.exact import SolverOptions, highs_options, solve_loaded
from dispatch.solve.highs import INF, HighsModel, Numbers

PROBE_STEP = 0.05
"""Relative step of the two probe values of a key (absolute when the key is 0)."""
AFFINE_TOLERANCE = 1e-9
"""Relative tolerance of the check that the model's numbers are affine in a key."""
SIZING_SIMPLEX_STRATEGY = 4
"""HiGHS ``simplex_strategy`` of the typical-day re-solves: primal. From the last basis,
after a change of prices, costs and rule levels, it took about 30 % fewer seconds than
the dual simplex on the example park (the full-year dispatches, whose sizes change
between runs, stay dual)."""


@dataclass
class Parametric:
    """A model's numbers as an affine function of scalar case keys (learnt by probing).

    Parameters
    ----------
    compile : callable
        ``CaseData -> Numbers``: builds and compiles the model of a case.
    data : CaseData
        The base case.
    base : Numbers
        Its numbers, as compiled.
    """

    compile: Callable[[CaseData], Numbers]
    data: CaseData
    base: Numbers
    slopes: dict[str, tuple[float, list[np.ndarray]] | None] = field(default_factory=dict)
    """Per key: its base value and the change of every number per unit; ``None``: not affine."""

    def numbers(self, values: dict[str, Any]) -> Numbers | None:
        """Return the numbers at these key values, or ``None`` if they need a rebuild."""
        self.learn(list(values))
        arrays = [a.copy() for a in self.base.arrays()]
        touched: list[np.ndarray] = []
        for key, value in values.items():
            slope = self._slope(key)
            if slope is None or not _is_number(value):
                return None
            v0, per_unit = slope
            support = np.concatenate([d != 0 for d in per_unit])
            if any((support & t).any() for t in touched):
                return None  # two keys move the same number: their effects may not add up
            touched.append(support)
            for a, d in zip(arrays, per_unit, strict=True):
                a += (float(value) - v0) * d
        return self.base.with_arrays(arrays)

    def learn(self, keys: list[str]) -> None:
        """Learn several keys at once: one compile a key, one joint check for them all.

        Each key is moved alone by its step ``h`` (its slope), then all together by
        ``2 h``: the model's numbers there must be the base numbers plus twice every
        key's change, each number moved by one key at most. As every number then
        depends on one key only, this is the check :meth:`_probe` makes for each key
        apart (affine at a third value), with ``k + 1`` compiles instead of ``2 k``.
        Keys the joint check does not settle are left to :meth:`_probe`, one by one.
        """
        firsts: dict[str, tuple[float, float, Numbers]] = {}
        for key in dict.fromkeys(k for k in keys if k not in self.slopes):
            v0 = case_value(self.data, key)
            if not _is_number(v0):
                continue
            for h in _steps(float(v0)):
                try:
                    firsts[key] = (float(v0), h, self.compile(self._at({key: v0 + h})))
                    break
                except CaseError:  # a probe value outside the key's range: the other side
                    continue
        if len(firsts) < 2:
            return
        try:
            two = self.compile(self._at({k: v0 + 2 * h for k, (v0, h, _) in firsts.items()}))
        except CaseError:
            return
        slopes = {k: self._per_unit(one, h) for k, (_, h, one) in firsts.items()}
        if not self.base.same_structure(two):
            return
        predicted = [np.where(np.isfinite(a), a, 0.0) for a in self.base.arrays()]
        touched = [np.zeros(a.shape, dtype=bool) for a in predicted]
        for key, per_unit in slopes.items():
            if per_unit is None:
                return
            for p, t, d in zip(predicted, touched, per_unit, strict=True):
                if (t & (d != 0)).any():
                    return  # two keys move the same number: check them one by one
                t |= d != 0
                p += 2 * firsts[key][1] * d
        if all(_agree(p, a) for p, a in zip(predicted, two.arrays(), strict=True)):
            for key, per_unit in slopes.items():
                assert per_unit is not None
                self.slopes[key] = (firsts[key][0], per_unit)

    def _at(self, values: dict[str, Any]) -> CaseData:
        return self.data.with_overrides(values)

    def _slope(self, key: str) -> tuple[float, list[np.ndarray]] | None:
        if key not in self.slopes:
            self.slopes[key] = self._probe(key)
        return self.slopes[key]

    def _per_unit(self, one: Numbers, h: float) -> list[np.ndarray] | None:
        """Return the change of every number per unit of a key moved by ``h`` to ``one``.

        ``None`` when ``one`` has another structure or other infinite bounds.
        """
        if not self.base.same_structure(one):
            return None
        per_unit = []
        for a0, a1 in zip(self.base.arrays(), one.arrays(), strict=True):
            finite = np.isfinite(a0)
            if not np.array_equal(finite, np.isfinite(a1)) or not np.array_equal(
                a0[~finite], a1[~finite]
            ):
                return None
            per_unit.append(
                np.where(finite, (np.where(finite, a1, 0) - np.where(finite, a0, 0)) / h, 0.0)
            )
        return per_unit

    def _probe(self, key: str) -> tuple[float, list[np.ndarray]] | None:
        v0 = case_value(self.data, key)
        if not _is_number(v0):
            return None
        v0 = float(v0)
        for h in _steps(v0):
            try:
                one = self.compile(self._at({key: v0 + h}))
                two = self.compile(self._at({key: v0 + 2 * h}))
            except CaseError:  # a probe value outside the key's range: try the other side
                continue
            per_unit = self._per_unit(one, h)
            if per_unit is None or not self.base.same_structure(two):
                return None
            for a0, d, a2 in zip(self.base.arrays(), per_unit, two.arrays(), strict=True):
                if not _agree(np.where(np.isfinite(a0), a0, 0) + 2 * h * d, a2):
                    return None
            return v0, per_unit
        return None


def _steps(v0: float) -> tuple[float, float]:
    """Return the probe steps of a key at ``v0``: up, then down (:data:`PROBE_STEP`)."""
    step = PROBE_STEP * abs(v0) if v0 else PROBE_STEP
    return step, -step


def _agree(predicted: np.ndarray, actual: np.ndarray) -> bool:
    """Whether compiled numbers match their affine prediction (:data:`AFFINE_TOLERANCE`)."""
    actual = np.where(np.isfinite(actual), actual, 0)
    return bool(np.all(np.abs(predicted - actual) <= AFFINE_TOLERANCE * (1.0 + np.abs(actual))))


def case_value(data: CaseData, key: str) -> Any:
    """Return the validated value of a dotted case key (``None`` if absent)."""
    obj: Any = data.case
    for part in key.split("."):
        obj = obj.get(part) if isinstance(obj, dict) else getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _with_data(built: BuiltModel, data: CaseData) -> BuiltModel:
    """Return the compiled model read with another case's numbers (for results)."""
    techs = {}
    for name, tech in built.technologies.items():
        techs[name] = copy.copy(tech)  # keeps what build() derived from the hourly inputs
        techs[name].spec = spec_of(data.case, name)
        techs[name].series = data.series
    return replace(built, data=data, technologies=techs)


class Resolver:
    """A case's models compiled once; re-solved in place when only numbers change.

    Parameters
    ----------
    data : CaseData
        The base case.
    method : str
        ``auto`` or ``exact``.
    options : SolverOptions, optional
        Solver limits (the case's ``solver:`` section when omitted).
    horizon : Horizon, optional
        Model steps; the full year by default. A different horizon needs another
        resolver.
    """

    def __init__(
        self,
        data: CaseData,
        method: str = "auto",
        options: SolverOptions | None = None,
        horizon: Horizon | None = None,
    ) -> None:
        self.data = data
        self.method = method
        self.horizon = horizon or Horizon.full_year(data.case.year)
        self.options = resolve_options(data, options, method)
        self.last: dict[str, Any] = {}
        self.rebased: set[str] = set()
        """Keys the base case left without a number that the compiled model now has."""
        """How the last :meth:`solve` went: ``in_place`` and, if rebuilt, ``reason``."""
        self._rebased_for: set[frozenset[str]] = set()
        """Key sets the compiled model was rebuilt at once, because their numbers at the
        base case's values did not carry over (a zero coefficient drops a term)."""
        self._build()

    def _build(self) -> None:
        data, horizon, opts = self.data, self.horizon, highs_options(self.options)
        if self.method == "auto":
            s = data.case.solver
            sizing = _Sizing(data, s.typical_days, self.options, horizon.n_steps)
            sizing_horizon = sizing.horizon
            self.sizing = Parametric(
                lambda d: Numbers.compile(
                    build_model(d.with_overrides({"physics": "relaxed"}), sizing_horizon).model
                ),
                data,
                sizing.hm.numbers,
            )
            self.sizing_model = sizing
        full = build_model(data, horizon)
        self.full_model = full
        self.hm = HighsModel(full.model, opts)
        self.bases = Bases()
        self.full = Parametric(
            lambda d: Numbers.compile(build_model(d, horizon).model), data, self.hm.numbers
        )

    def _numbers(self, overrides: dict[str, Any]) -> tuple[Numbers | None, Numbers | None]:
        """Return the full-year and sizing models' numbers at ``overrides`` (``None``: rebuild)."""
        numbers = self.full.numbers(overrides)
        sizing_numbers = None
        if self.method == "auto" and numbers is not None:
            sizing_numbers = self.sizing.numbers(overrides)
            numbers = numbers if sizing_numbers is not None else None
        return numbers, sizing_numbers

    def solve(self, overrides: dict[str, Any] | None = None, data: CaseData | None = None) -> Any:
        """Solve the base case with ``overrides``, in place when only numbers change.

        Parameters
        ----------
        overrides : dict, optional
            Dotted case keys to values, applied to the base case.
        data : CaseData, optional
            The case with ``overrides`` already applied (saves applying them again).

        Returns
        -------
        dispatch.runner.RunOutput
            As :func:`dispatch.runner.solve_case` returns; ``summary["solve"]["resolve"]``
            says whether it was solved in place.
        """
        start = time.perf_counter()
        overrides = dict(overrides or {})
        new = data or (self.data.with_overrides(overrides) if overrides else self.data)
        reason = _structural(self.data, new, overrides)
        rebuilt: str | None = None
        missing = sorted(k for k in self.rebased if k not in overrides)
        if reason is None and missing:
            reason = f"{missing[0]} is not given, and the compiled model has it"
        unset = {k: v for k, v in overrides.items()
                 if case_value(self.data, k) is None and _is_number(v)}  # fmt: skip
        if reason is None and unset:  # e.g. a rule the base case leaves out: compile it in
            self.data = self.data.with_overrides(unset)
            self.rebased |= set(unset)
            self._build()
            rebuilt = f"{', '.join(unset)} had no number in the base case: compiled in once"
        numbers = sizing_numbers = None
        if reason is None:
            numbers, sizing_numbers = self._numbers(overrides)
            keys = frozenset(overrides)
            if (
                numbers is None
                and keys not in self._rebased_for
                and all(_is_number(v) for v in overrides.values())
            ):  # e.g. a rule level of 0 in the base case, which drops the rule's terms
                self._rebased_for.add(keys)
                self.data = self.data.with_overrides(overrides)
                self.rebased |= set(overrides)
                self._build()
                rebuilt = f"{', '.join(sorted(keys))}: compiled at the new values once"
                numbers, sizing_numbers = self._numbers(overrides)
            if numbers is None:
                reason = "a key changes the model other than by its numbers"
        if reason is not None:
            self.last = {"in_place": False, "reason": reason}
            out = solve_case(new, self.method, self.options, self.horizon)
            out.summary["solve"]["resolve"] = self.last
            return out
        assert numbers is not None
        _reset(self.hm, numbers)
        built = _with_data(self.full_model, new)
        timings = {"load_seconds": 0.0, "build_seconds": 0.0, "handoff_seconds": 0.0}
        extra: dict[str, Any] = {}
        if self.method == "auto":
            assert sizing_numbers is not None
            _reset(self.sizing_model.hm, sizing_numbers)
            self.sizing_model.hm.set_option("simplex_strategy", SIZING_SIMPLEX_STRATEGY)
            s = new.case.solver
            point = self.bases.point(new, overrides)
            prepared = Prepared(self.sizing_model, built, self.hm, self.bases.nearest(point))
            try:
                built, info, report = solve_auto(
                    new, self.options, s.typical_days, s.corrections, self.horizon, s.auto_gap,
                    prepared=prepared,
                )  # fmt: skip
            except TypicalDaysInfeasible:  # the full year may meet the rules: as a run does
                self.last = {"in_place": False, "reason": TYPICAL_DAYS_FELL_BACK}
                out = solve_case(new, "exact", self.options, self.horizon)
                out.summary["solve"]["warnings"].append(TYPICAL_DAYS_FELL_BACK)
                out.summary["solve"]["resolve"] = self.last
                return out
            extra["auto"] = report.as_dict()
            self.bases.add(point, prepared.basis)
        else:
            info = solve_loaded(self.hm, built, self.options)
            self.hm.load_into_pyomo()
        timings["solve_seconds"] = info.solve_seconds
        self.last = {"in_place": rebuilt is None, "reason": rebuilt}
        extra["resolve"] = self.last
        return collect(built, info, self.method, self.options, timings, start, extra)


BASES_KEPT = 32
"""Full-year bases a resolver keeps, each from the run with its own key values."""


class Bases:
    """The optimal full-year bases of recent runs, by the values of their keys.

    A run starts its full-year dispatch from the basis of the run whose key values
    were nearest to its own (relative distance summed over the keys): in a sweep
    over an export price, a run at 0.30 starts from the last run at 0.30, not from
    a run at 0.20 whose dispatch is far from its own.
    """

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.kept: list[tuple[dict[str, float], Any]] = []

    def track(self, keys: Iterable[str]) -> None:
        """Tell the runs apart by these keys too (the keys of a sweep, say)."""
        self.keys += [k for k in keys if k not in self.keys]

    def point(self, data: CaseData, overrides: dict[str, Any]) -> dict[str, float]:
        """Return a run's values of every key tracked or changed (``overrides`` included)."""
        self.track(overrides)
        values = {k: case_value(data, k) for k in self.keys}
        return {k: float(v) for k, v in values.items() if _is_number(v)}

    def nearest(self, point: dict[str, float]) -> Any:
        """Return the basis of the nearest run kept (``None`` if none)."""
        if not self.kept:
            return None
        return min(reversed(self.kept), key=lambda kept: _distance(point, kept[0]))[1]

    def add(self, point: dict[str, float], basis: Any) -> None:
        """Keep a run's basis (replacing one kept at the same point; the oldest goes)."""
        if basis is None:
            return
        self.kept = [k for k in self.kept if k[0] != point][-(BASES_KEPT - 1) :]
        self.kept.append((point, basis))


def _distance(a: dict[str, float], b: dict[str, float]) -> float:
    """Sum of the relative differences of two runs' key values (a missing key counts 1)."""
    out = 0.0
    for key in a.keys() | b.keys():
        if key not in a or key not in b:
            out += 1.0
            continue
        scale = max(abs(a[key]), abs(b[key]))
        out += abs(a[key] - b[key]) / scale if scale else 0.0
    return out


def _reset(hm: HighsModel, numbers: Numbers) -> None:
    """Remove what a solve added to ``hm`` and write the new numbers in."""
    n_row, n_col = hm.numbers.matrix.shape
    hm.rollback((n_col, n_row, int(hm.integer.sum())))
    hm.set_option("time_limit", INF)
    hm.update(numbers)


STRUCTURAL_SECTIONS = ("year", "location", "weather", "load", "physics", "solver")
"""Top-level keys whose change always rebuilds."""


def _structural(base: CaseData, new: CaseData, overrides: dict[str, Any]) -> str | None:
    """Return why ``new`` needs a rebuild rather than new numbers, or ``None``."""
    for key in overrides:
        if key.split(".")[0] in STRUCTURAL_SECTIONS:
            return f"{key} changes the model's structure"
    present = [c.name for c in REGISTRY if spec_of(base.case, c.name) is not None]
    if present != [c.name for c in REGISTRY if spec_of(new.case, c.name) is not None]:
        return "the technologies differ"
    return None
