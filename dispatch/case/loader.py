"""Load a case file: safe YAML, schema validation, then every profile read.

All problems of a case are collected and raised together as one
:class:`~dispatch.errors.CaseError`; nothing is solved before a case is clean.
"""

from __future__ import annotations

import copy
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ValidationError

from dispatch.case.schema import Case
from dispatch.case.series import Bounds, ProfileReader
from dispatch.errors import CaseError, Problem
from dispatch.tariffs.series import grid_series

_UNION_TAGS = {"float", "str", "int", "bool", "ProfileRef", "none"}


@dataclass
class CaseData:
    """A validated case with its hourly inputs as numpy arrays.

    Attributes
    ----------
    case : Case
        The validated case.
    file : pathlib.Path
        Where the case was read from (relative paths resolve against its folder).
    series : dict of str to numpy.ndarray
        Hourly inputs, 8760 values each, keyed by name with unit
        (``load_kw``, ``pv_availability_kw_per_kw``, ``import_price_per_kwh`` ...).
    notes : list of str
        Notes for the results (heat beyond heat-pump reach, far climate site ...).
    site_profiles : pandas.DataFrame or None
        Profiles generated from the location, with weather columns; ``None`` when the case
        gives every profile.
    """

    case: Case
    file: Path
    series: dict[str, np.ndarray] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    site_profiles: pd.DataFrame | None = None

    def with_overrides(self, overrides: dict[str, Any]) -> CaseData:
        """Return a new case with dotted-key overrides applied and everything re-validated.

        Parameters
        ----------
        overrides : dict
            ``{"technologies.battery.capex_per_kwh": 400, "year": 2027}``.
        """
        data = apply_overrides(self.raw, overrides, self.file)
        return read_profiles(validate(data, self.file), self.file, raw=data)


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping safely (no object tags), with line and column on errors.

    Parameters
    ----------
    path : pathlib.Path
        The YAML file.

    Returns
    -------
    dict
        The top-level mapping.
    """
    where = str(path)
    if not path.exists():
        raise CaseError([Problem(where, "", "file does not exist")])
    if path.is_dir():
        raise CaseError([Problem(where, "", "is a folder, expected a YAML case file")])
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CaseError([Problem(where, "", f"cannot read: {exc.strerror}")]) from None
    if b"\x00" in raw[:4096]:
        raise CaseError([Problem(where, "", "binary file, expected YAML text")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CaseError([Problem(where, "", "not UTF-8 text")]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        pos = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise CaseError([Problem(where, pos, f"YAML syntax error: {exc.problem}")]) from None
    except yaml.YAMLError as exc:
        raise CaseError([Problem(where, "", f"YAML error: {exc}")]) from None
    if data is None:
        raise CaseError([Problem(where, "", "file is empty")])
    if not isinstance(data, dict):
        raise CaseError([Problem(where, "", "expected a mapping of keys at the top level")])
    return data


def validate(data: dict[str, Any], file: Path) -> Case:
    """Validate a case mapping against the schema.

    Parameters
    ----------
    data : dict
        The parsed YAML.
    file : pathlib.Path
        Case file, for messages.

    Returns
    -------
    Case
        The validated case.

    Raises
    ------
    CaseError
        With one problem per wrong key.
    """
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        raise CaseError(_problems_from(exc, data, file)) from None


def _problems_from(exc: ValidationError, data: dict[str, Any], file: Path) -> list[Problem]:
    problems: dict[str, Problem] = {}
    for err in exc.errors():
        raw_loc = list(err["loc"])
        tagged = [i for i, p in enumerate(raw_loc) if isinstance(p, str) and p in _UNION_TAGS]
        if tagged and "ProfileRef" in raw_loc:
            # a profile value matched none of number / path / {csv, column}
            key = ".".join(str(p) for p in raw_loc[: tagged[0]])
            problems[key] = Problem(
                str(file), key, "expected a number, a CSV path, or {csv: path, column: name}"
            )
            continue
        loc = [str(p) for i, p in enumerate(raw_loc) if i not in tagged]
        key = ".".join(loc)
        kind = err["type"]
        if kind == "extra_forbidden":
            msg = "unknown key" + _did_you_mean(loc, data)
        elif kind == "missing":
            msg = "required key is missing"
        elif kind.startswith("value_error"):
            msg = str(err["msg"]).removeprefix("Value error, ")
        else:
            got = err.get("input")
            shown = repr(got) if not isinstance(got, dict | list) else type(got).__name__
            msg = f"{err['msg'][0].lower()}{err['msg'][1:]} (got {shown})"
        problems.setdefault(key, Problem(str(file), key, msg))
    return list(problems.values())


def _did_you_mean(loc: list[str], data: dict[str, Any]) -> str:
    model: type[BaseModel] | None = Case
    for part in loc[:-1]:
        if model is None or part not in model.model_fields:
            return ""
        model = _model_of(model.model_fields[part].annotation)
    if model is None:
        return ""
    close = difflib.get_close_matches(loc[-1], list(model.model_fields), n=3, cutoff=0.6)
    return (
        f"; did you mean {' or '.join(repr(c) for c in close)}?"
        if close
        else (f"; known keys: {', '.join(model.model_fields)}")
    )


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


_AVAILABILITY = Bounds(
    0.0, 1.0, "availability is kW per kW installed (0 to 1); this looks like kW, not kW/kW"
)
_PROFILES: tuple[tuple[str, str, Bounds], ...] = (
    # (series name, dotted case key, allowed range)
    ("load_kw", "load.electricity_kw", Bounds(0.0, None, "loads cannot be negative")),
    ("heat_load_kw_th", "load.heat_kw_th", Bounds(0.0, None, "loads cannot be negative")),
    ("pv_availability_kw_per_kw", "technologies.pv.availability", _AVAILABILITY),
    ("wind_availability_kw_per_kw", "technologies.wind.availability", _AVAILABILITY),
    ("cop", "technologies.heat_pump.cop", Bounds(1e-3, 20.0, "a COP is heat out per kW electric")),
    ("import_price_per_kwh", "grid.import_price_per_kwh", Bounds()),
    ("export_price_per_kwh", "grid.export_price_per_kwh", Bounds()),
    ("grid_emission_factor_kg_per_kwh", "grid.emission_factor_kg_per_kwh", Bounds(0.0, 5.0)),
)


def _lookup(case: Case, dotted: str) -> Any:
    obj: Any = case
    for part in dotted.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def read_profiles(case: Case, file: Path, raw: dict[str, Any] | None = None) -> CaseData:
    """Read every profile of a validated case into numpy arrays.

    Profiles the case leaves out are generated from its location
    (:func:`dispatch.case.generated.generate_profiles`); a heat pump whose heat is beyond
    heat-pump reach is dropped, with a note.

    Raises
    ------
    CaseError
        With every profile problem found.
    """
    from dispatch.case.generated import generate_profiles

    generated = generate_profiles(case, file)
    case = generated.case
    reader = ProfileReader(file, case.year)
    problems: list[Problem] = []
    series: dict[str, np.ndarray] = {}
    for name, key, bounds in _PROFILES:
        value = _lookup(case, key)
        if value is None:
            if name in generated.series:
                series[name] = generated.series[name]
            continue
        arr = reader.read(value, key, bounds, problems)
        if arr is not None:
            series[name] = arr
    series.update(grid_series(case.grid, case.year))  # tariff, published factor, export price
    if problems:
        raise CaseError(problems)
    return CaseData(
        case=case,
        file=file,
        series=series,
        raw=raw or case.model_dump(),
        notes=generated.notes,
        site_profiles=generated.table,
    )


def load_case(path: str | Path, overrides: dict[str, Any] | None = None) -> CaseData:
    """Load, validate and read a case file with all its profiles.

    Parameters
    ----------
    path : str or pathlib.Path
        The case YAML.
    overrides : dict, optional
        Dotted keys and values applied on top of the file
        (``{"technologies.battery.capex_per_kwh": 400}``).

    Returns
    -------
    CaseData
        The case and its hourly inputs.

    Raises
    ------
    CaseError
        Every problem found, each one line.
    """
    file = Path(path)
    data = read_yaml(file)
    if overrides:
        data = apply_overrides(data, overrides, file)
    case = validate(data, file)
    return read_profiles(case, file, raw=data)


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any], file: Path) -> dict[str, Any]:
    """Return a copy of ``data`` with dotted-key overrides applied.

    Parameters
    ----------
    data : dict
        Parsed case mapping.
    overrides : dict
        ``{"a.b.c": value}``; intermediate mappings are created as needed.
    file : pathlib.Path
        Case file, for messages.
    """
    out = copy.deepcopy(data)
    for dotted, value in overrides.items():
        node = out
        parts = dotted.split(".")
        for part in parts[:-1]:
            nxt = node.get(part)
            if nxt is None:
                nxt = node[part] = {}
            if not isinstance(nxt, dict):
                raise CaseError([Problem(str(file), dotted, f"'{part}' is not a mapping")])
            node = nxt
        node[parts[-1]] = value
    return out
