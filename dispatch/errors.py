"""Exceptions that the command line turns into one-line messages and exit codes.

Exit codes: 2 for invalid input (:class:`CaseError`), 3 for an infeasible case
(:class:`InfeasibleError`), 4 for solver trouble (:class:`SolverError`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a case: where it is and what is wrong.

    Attributes
    ----------
    file : str
        The file the problem sits in (case YAML or a profile CSV).
    key : str
        Dotted case key, or ``row N`` for a CSV row.
    message : str
        What is wrong, in one sentence.
    """

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return printable(f"{where}: {self.message}")


def printable(text: str) -> str:
    """Escape line breaks and other control characters (they may come from a case).

    A case name holding a line break and ``error: ...`` cannot then fake a line of output.
    """
    return "".join(c if c.isprintable() or c == "\t" else repr(c)[1:-1] for c in text)


class DispatchError(Exception):
    """Base class of every error park-dispatch reports to its user."""

    exit_code = 1


class CaseError(DispatchError):
    """The case (YAML or its profiles) is invalid; holds every problem found."""

    exit_code = 2

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class InfeasibleError(DispatchError):
    """No design meets the rules and limits; ``diagnosis`` says which must give."""

    exit_code = 3

    def __init__(self, message: str, diagnosis: list[dict[str, Any]] | None = None) -> None:
        self.diagnosis = diagnosis or []
        super().__init__(message)


class TypicalDaysInfeasible(InfeasibleError):
    """The typical-day sizing model of ``auto`` meets no design, which the full year may.

    Typical days average away some of the year's hours, so a rule near the edge of what
    any design reaches can fail on them alone; the run then solves the full year exactly
    (:func:`dispatch.runner.solve_case`).
    """


class SolverError(DispatchError):
    """The solver stopped without a usable solution (time limit, numerics, unbounded)."""

    exit_code = 4


class UnboundedError(SolverError):
    """The cost runs to minus infinity; ``diagnosis`` names the sizes that run away.

    ``proven`` is false when the solver could only say "infeasible or unbounded".
    """

    def __init__(
        self, message: str, diagnosis: list[dict[str, Any]] | None = None, proven: bool = True
    ) -> None:
        self.diagnosis = diagnosis or []
        self.proven = proven
        super().__init__(message)
