"""The steps the model optimises over: a full year, a part of it, or typical periods.

A :class:`Horizon` maps model steps to hours of the year. Each step has a
weight (how many hours of the year it stands for) and a predecessor for
storage continuity. The full year has weight 1 everywhere and a cyclic
predecessor (the step before hour 0 is hour 8759).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dispatch.timegrid import HOURS_PER_YEAR, hours


@dataclass(frozen=True)
class Horizon:
    """Model steps and how they stand for the year.

    Attributes
    ----------
    hour : numpy.ndarray of int
        Hour of the year (0..8759) whose profile values each step takes.
    weight : numpy.ndarray of float
        Hours of the year each step stands for; annual sums are ``sum(weight * x)``.
    prev : numpy.ndarray of int
        Step before each step, for the storage balance (cyclic within its period).
    month : numpy.ndarray of int
        Calendar month (1..12) of each step.
    """

    hour: np.ndarray
    weight: np.ndarray
    prev: np.ndarray
    month: np.ndarray
    period_hours: int = 0
    sequence: np.ndarray | None = None
    """For typical periods: the typical period (0..K-1) standing for each period of
    the year, in calendar order; storage links across them (docs/formulation.md, S5-S8).
    ``None`` for a chronological horizon."""

    @property
    def n_periods(self) -> int:
        """Number of typical periods (0 for a chronological horizon)."""
        return 0 if self.sequence is None else self.n_steps // self.period_hours

    @property
    def n_steps(self) -> int:
        """Number of model steps."""
        return int(self.hour.size)

    @property
    def annual_scale(self) -> float:
        """Hours of a year divided by the hours the steps stand for (1 for a full year)."""
        return HOURS_PER_YEAR / float(self.weight.sum())

    def take(self, values: np.ndarray) -> np.ndarray:
        """Return the values of an 8760-hour profile at the model steps."""
        return np.asarray(values, dtype=float)[self.hour]

    @classmethod
    def typical(
        cls,
        year: int,
        days: np.ndarray,
        counts: np.ndarray,
        sequence: np.ndarray,
        period_hours: int = 24,
    ) -> Horizon:
        """Return a horizon of typical periods, each a real period of the year.

        Parameters
        ----------
        year : int
            Case year.
        days : numpy.ndarray of int
            For each typical period, the period of the year that represents it.
        counts : numpy.ndarray
            How many periods of the year each typical period stands for.
        sequence : numpy.ndarray of int
            The typical period of each period of the year, in calendar order.
        period_hours : int
            Hours per period.
        """
        offsets = np.arange(period_hours)
        hour = (np.asarray(days)[:, None] * period_hours + offsets[None, :]).ravel()
        weight = np.repeat(np.asarray(counts, dtype=float), period_hours)
        base = np.arange(len(days))[:, None] * period_hours
        prev = (base + np.roll(offsets, 1)[None, :]).ravel()
        month = hours(year).month.to_numpy()[hour]
        return cls(hour=hour, weight=weight, prev=prev, month=month,
                   period_hours=period_hours, sequence=np.asarray(sequence, dtype=int))  # fmt: skip

    @classmethod
    def full_year(cls, year: int, n_hours: int = HOURS_PER_YEAR) -> Horizon:
        """Return the first ``n_hours`` hours of the year as one cyclic period.

        Parameters
        ----------
        year : int
            Case year (for month numbers).
        n_hours : int
            Length of the horizon, 1..8760; shorter horizons serve tests and scaling.
        """
        if not 1 <= n_hours <= HOURS_PER_YEAR:
            raise ValueError(f"n_hours must be in 1..{HOURS_PER_YEAR}, got {n_hours}")
        hour = np.arange(n_hours)
        prev = np.roll(hour, 1)
        month = hours(year).month.to_numpy()[:n_hours]
        return cls(hour=hour, weight=np.ones(n_hours), prev=prev, month=month)
