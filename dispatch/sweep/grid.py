"""Sweep points: ``--grid KEY=V1,V2`` options expanded into runs with stable ids.

Repeated ``--grid`` options build the full product, in the order given. Explicit
runs from a scenarios file multiply with the grid (each explicit run is swept over
the whole grid). A run's id is readable and stable: the same overrides, method and
horizon give the same id, which is what lets a sweep resume.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from dispatch.errors import CaseError, Problem
from dispatch.sweep.overrides import check_keys, parse_value

_ID_CHARS = re.compile(r"[^A-Za-z0-9._+=-]+")
SLUG_MAX_CHARS = 80


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep.

    Attributes
    ----------
    run_id : str
        Folder name under ``DIR/runs/``; stable across invocations.
    overrides : dict
        Every override of this run (base, scenario, explicit run and grid point), dotted keys.
    scenario : str or None
        Scenario label of an explicit run (names joined by commas).
    point : dict
        The grid values of this run (a subset of ``overrides``).
    """

    run_id: str
    overrides: dict[str, Any]
    scenario: str | None = None
    point: dict[str, Any] = field(default_factory=dict)


def parse_grid(items: list[str] | None) -> dict[str, list[Any]]:
    """Parse ``KEY=V1,V2,...`` items (or ``KEY=[V1, V2]``) into key to values.

    Values are YAML scalars. A key given twice is an error.

    Raises
    ------
    CaseError
        Malformed items, repeated keys, empty value lists, unknown case keys.
    """
    out: dict[str, list[Any]] = {}
    problems: list[Problem] = []
    for item in items or []:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            problems.append(Problem("--grid", item, "expected KEY=V1,V2,..."))
            continue
        text = text.strip()
        if text.startswith("["):
            parsed = parse_value(text)
            values = parsed if isinstance(parsed, list) else [parsed]
        else:
            values = [parse_value(v.strip()) for v in text.split(",") if v.strip()]
        if not values:
            problems.append(Problem("--grid", key, "no values given"))
        elif key in out:
            problems.append(Problem("--grid", key, "given twice; list all values in one --grid"))
        elif len(set(map(_canonical, values))) != len(values):
            problems.append(Problem("--grid", key, "a value is listed twice"))
        else:
            out[key] = values
    problems += check_keys(out, "--grid", "--grid")
    if problems:
        raise CaseError(problems)
    return out


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def run_id(
    overrides: dict[str, Any],
    label_items: dict[str, Any],
    scenario: str | None,
    method: str,
    hours: int | None,
) -> str:
    """Return a readable, stable id: a slug of the varying values and a content hash.

    Parameters
    ----------
    overrides : dict
        Every override of the run (hashed).
    label_items : dict
        The values that tell this run apart (shown in the slug, last key part only).
    scenario : str or None
        Scenario label, shown first in the slug.
    method : str
        Solution method (hashed).
    hours : int or None
        Horizon length (hashed).
    """
    digest = hashlib.sha256(
        _canonical(
            {"overrides": overrides, "scenario": scenario, "method": method, "hours": hours}
        ).encode()
    ).hexdigest()[:10]
    parts = [scenario] if scenario else []
    parts += [f"{k.rsplit('.', 1)[-1]}={_short(v)}" for k, v in label_items.items()]
    slug = _ID_CHARS.sub("~", "_".join(parts)).strip("~._")[:SLUG_MAX_CHARS]
    return f"{slug}-{digest}" if slug else f"run-{digest}"


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return value.rsplit("/", 1)[-1]
    return _canonical(value)


def expand(
    grid: dict[str, list[Any]] | None,
    base: dict[str, Any] | None = None,
    explicit: list[tuple[str | None, dict[str, Any]]] | None = None,
    method: str = "auto",
    hours: int | None = None,
) -> list[RunSpec]:
    """Return every run of a sweep: explicit runs (or the base alone) times the grid product.

    Parameters
    ----------
    grid : dict of str to list
        Key to the values swept; the product of all keys, first key outermost.
    base : dict, optional
        Overrides shared by every run (``--scenario``, ``--set``); lowest precedence.
    explicit : list of (label, overrides), optional
        Runs listed in a scenarios file; each is combined with every grid point.
    method : str
        Solution method, part of each run id.
    hours : int or None
        Horizon length, part of each run id.

    Returns
    -------
    list of RunSpec
        In a stable order: explicit runs outermost, then grid keys in the order given.

    Raises
    ------
    CaseError
        Two runs that are the same (same overrides).
    """
    grid = grid or {}
    base = base or {}
    starts = explicit or [(None, {})]
    keys = list(grid)
    # Keys set by explicit runs that differ between them label the run in its id.
    varying = {
        k for _, own in starts for k in own if len({_canonical(s[1].get(k)) for s in starts}) > 1
    }
    specs: list[RunSpec] = []
    seen: dict[str, int] = {}
    for label, own in starts:
        for values in itertools.product(*(grid[k] for k in keys)):
            point = dict(zip(keys, values, strict=True))
            overrides = base | own | point
            shown = {k: v for k, v in own.items() if k in varying and label is None} | point
            rid = run_id(overrides, shown, label, method, hours)
            if rid in seen:
                raise CaseError(
                    [Problem("sweep", rid, f"runs {seen[rid] + 1} and {len(specs) + 1} are equal")]
                )
            seen[rid] = len(specs)
            specs.append(RunSpec(rid, overrides, label, point))
    return specs
