"""Values written for people: numbers, flags, empty values and solver statistics.

One formatter for the report, the Jupyter card and ``dispatch compare``, so that no
place prints raw Python (``None``, ``True``, ``3192.5609999999997``, ``[]``).
"""

from __future__ import annotations

import math
from typing import Any

NONE_TEXT = "—"
"""Shown for a value that is absent (``None``, NaN)."""

SIGNIFICANT_DIGITS = 4
"""Significant digits of a number below :data:`WHOLE_FROM`."""

WHOLE_FROM = 1e4
"""From this magnitude on, numbers are shown whole, with thousands separators."""

NOISE = 1e-9
"""Magnitudes below this are solver noise around zero and shown as 0."""


def number(value: float) -> str:
    """Return a number for people: ``14,000``, ``3,193``, ``0.005``, ``17,364,206``.

    Whole numbers keep every digit; others keep :data:`SIGNIFICANT_DIGITS` significant
    digits, and from :data:`WHOLE_FROM` on are rounded to whole units.
    """
    if math.isnan(value):
        return NONE_TEXT
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if abs(value) < NOISE:
        return "0"
    if float(value).is_integer() or abs(value) >= WHOLE_FROM:
        return f"{value:,.0f}"
    text = f"{value:,.{SIGNIFICANT_DIGITS}g}"
    if "e" in text:  # very small: keep the significant digits, not a bare exponent
        return f"{value:.{SIGNIFICANT_DIGITS - 1}e}"
    return text


def human(value: Any) -> str:
    """Return any case or summary value as text for people.

    ``None`` and NaN → ``—``, booleans → ``yes``/``no``, numbers via :func:`number`,
    lists joined by commas (empty → ``—``), mappings as ``key: value`` pairs.
    """
    if value is None:
        return NONE_TEXT
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return number(value)
    if isinstance(value, list | tuple):
        if not value:
            return NONE_TEXT
        inner = ", ".join(human(v) for v in value)
        return f"({inner})" if isinstance(value, tuple) else inner
    if isinstance(value, dict):
        return "; ".join(f"{k}: {human(v)}" for k, v in value.items()) or NONE_TEXT
    return str(value)


SOLVE_LABELS = {
    "status": "Status",
    "termination": "Solver termination",
    "objective": "Solver objective [per year]",
    "best_bound": "Best bound [per year]",
    "mip_gap": "MIP gap reached",
    "mip_gap_limit": "MIP gap asked for",
    "physics": "Physics",
    "binaries": "Strict-physics binaries",
    "lazy_rounds": "Strict-physics rounds",
    "solver": "Solver",
    "seconds": "Total time",
    "load_seconds": "Case loading",
    "build_seconds": "Model building",
    "handoff_seconds": "Hand-off to the solver",
    "solve_seconds": "Solving",
    "auto.typical_days": "Typical days",
    "auto.periods": "Typical periods",
    "auto.corrections": "Most full-year refinements",
    "auto.target_gap": "Refinement target",
    "auto.repairs": "Design repairs",
    "auto.best_iteration": "Design kept (refinement step)",
    "auto.lower_bound": "Lower bound [per year]",
    "auto.gap_to_lower_bound": "Proven within (of the optimum)",
    "auto.local_lower_bound": "Lower bound near the design [per year]",
    "auto.local_radius": "Neighbourhood of the design",
    "auto.local_gap": "Proven within (near the design)",
    "auto.stopped": "Refinement stopped",
    "auto.iterations": "Full-year dispatches",
    "auto.cuts.optimality": "Cutting planes (cost)",
    "auto.cuts.feasibility": "Cutting planes (feasibility)",
    "auto.seconds.typical_days": "Typical days chosen in",
    "auto.seconds.full_year_build": "Full-year model built in",
    "auto.seconds.typical_day_sizing": "Typical-day sizing",
    "auto.seconds.refinement": "Full-year refinement",
    "auto.seconds.final_dispatch": "Final dispatch",
    "auto.seconds.total": "Method auto in all",
}
"""Labels of the ``solve`` entries of ``summary.json`` (dotted for nested ones)."""


def solve_rows(solve: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Return the solver statistics of a run as ``(label, text)`` rows for people.

    Times read ``0.48 s``, gaps and fractions read as percentages, absent values and
    empty lists are left out, and a list of records (the refinement steps) is counted.

    Parameters
    ----------
    solve : dict
        The ``solve`` entry of ``summary.json``.
    prefix : str
        Dotted prefix of a nested entry (used in the recursion).
    """
    rows: list[tuple[str, str]] = []
    for key, value in solve.items():
        dotted = f"{prefix}{key}"
        label = SOLVE_LABELS.get(dotted, dotted.replace("_", " ").replace(".", ": "))
        if value is None or (isinstance(value, list | dict) and not value):
            continue
        if isinstance(value, dict):
            rows += solve_rows(value, f"{dotted}.")
        elif isinstance(value, list):
            if all(isinstance(v, dict) for v in value):
                rows.append((label, f"{len(value):,} (listed in summary.json)"))
            else:
                rows.append((label, human(value)))
        elif isinstance(value, bool) or not isinstance(value, int | float):
            rows.append((label, human(value)))
        elif key.endswith("seconds") or dotted.startswith("auto.seconds"):
            rows.append((label, f"{value:,.2f} s"))
        elif "gap" in key or key.endswith(("_radius", "_fraction")):
            rows.append((label, f"{value:.2%}"))
        else:
            rows.append((label, human(value)))
    return rows
