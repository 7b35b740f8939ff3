"""Load a case file: safe YAML, schema validation, then every profile read.

All problems of a case are collected and raised together as one
:class:`~dispatch.errors.CaseError`; nothing is solved before a case is clean.
"""

from __future__ import annotations

import copy
import difflib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ValidationError

from dispatch.case.schema import Case, KeyedError, ProfileRef
from dispatch.case.series import Bounds, ProfileReader
from dispatch.errors import CaseError, Problem
from dispatch.files import MAX_MAGNITUDE, MAX_YAML_BYTES, FileRefused, read_limited
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
        return _validate_and_read(data, self.file)


class _CaseLoader(yaml.SafeLoader):
    """PyYAML's safe loader (plain data only, no object tags) that rejects duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node)
            except TypeError:  # an unhashable key: let PyYAML report it
                continue
            if first is not key_node:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key '{key}' (first given on line {first.start_mark.line + 1})",
                    key_node.start_mark,
                )
        return super().construct_mapping(node, deep=deep)


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    """Rephrase a PyYAML error in one line; object tags get a plain explanation."""
    problem = str(exc.problem or exc.context or "").strip()
    match = re.search(r"constructor for the tag '([^']*)'", problem)
    if match:
        tag = match.group(1).replace("tag:yaml.org,2002:", "!!")
        return (
            f"YAML tag '{tag}' is not allowed: a case holds plain data "
            "(numbers, text, true/false, lists and mappings)"
        )
    if problem.startswith("duplicate key"):
        return problem
    return f"YAML syntax error: {problem}"


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping safely (no object tags), with line and column on errors.

    Duplicate keys and tags such as ``!!python/object`` are errors. A UTF-8
    byte-order mark is accepted.

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
    try:
        raw = read_limited(path, MAX_YAML_BYTES)
    except FileRefused as exc:
        reason = {
            "does not exist": "file does not exist",
            "is a folder, expected a file": "is a folder, expected a YAML case file",
        }.get(exc.reason, exc.reason)
        raise CaseError([Problem(where, "", reason)]) from None
    if raw.startswith(b"PK\x03\x04"):
        raise CaseError([Problem(where, "", "is a zip or Excel file, expected YAML text")])
    if b"\x00" in raw[:4096]:
        raise CaseError([Problem(where, "", "binary file, expected YAML text")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CaseError(
            [Problem(where, f"line {line}", "not UTF-8 text; save the file as UTF-8")]
        ) from None
    try:
        data = yaml.load(text, Loader=_CaseLoader)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise CaseError([Problem(where, pos, _yaml_problem(exc))]) from None
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CaseError([Problem(where, "", f"YAML error: {first}")]) from None
    except RecursionError:
        raise CaseError([Problem(where, "", "YAML nested too deeply to be a case")]) from None
    except ValueError as exc:  # e.g. an integer of thousands of digits
        first = str(exc).split(";")[0].split(":")[0]
        raise CaseError([Problem(where, "", f"YAML value out of range: {first}")]) from None
    if data is None:
        raise CaseError([Problem(where, "", "file is empty (no keys)")])
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single value ({data!r:.40})"
        raise CaseError(
            [Problem(where, "", f"expected a mapping of keys at the top level, found {kind}")]
        )
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
    problems = _bool_problems(data, Case, "", str(file)) + _huge_numbers(data, "", str(file))
    try:
        case = Case.model_validate(data)
    except ValidationError as exc:
        flagged = {p.key for p in problems}
        problems += [p for p in _problems_from(exc, data, file) if p.key not in flagged]
        raise CaseError(problems) from None
    if problems:
        raise CaseError(problems)
    return case


_MESSAGES = {
    "greater_than_equal": "must be ≥ {ge:g}",
    "greater_than": "must be > {gt:g}",
    "less_than_equal": "must be ≤ {le:g}",
    "less_than": "must be < {lt:g}",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "string_type": "must be text (put it in quotes)",
    "string_too_short": "must not be empty",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "model_type": "must be a mapping of keys",
    "model_attributes_type": "must be a mapping of keys",
    "dict_type": "must be a mapping of keys",
    "invalid_key": "keys must be text",
}


def _shown(value: Any) -> str:
    """Return a short rendering of a wrong input for a message."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, bool):
        return str(value).lower()
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _message(err: Any) -> str:
    """One precise sentence for a pydantic error, with the wrong value."""
    kind, ctx, got = err["type"], err.get("ctx") or {}, err.get("input")
    template = _MESSAGES.get(kind)
    if template is None:
        text = str(err["msg"]).removeprefix("Value error, ")
        return f"{text[:1].lower()}{text[1:]} (got {_shown(got)})"
    msg = f"{template.format(**ctx)} (got {_shown(got)})"
    limit = ctx.get("le", ctx.get("lt"))
    number = isinstance(got, int | float) and not isinstance(got, bool)
    if limit == 1 and number and 1 < got <= 100:
        msg += f"; a fraction: for {got:g} % write {got / 100:g}"
    return msg


def _problems_from(exc: ValidationError, data: dict[str, Any], file: Path) -> list[Problem]:
    problems: dict[str, Problem] = {}
    for err in exc.errors():
        raw_loc = list(err["loc"])
        tagged = [i for i, p in enumerate(raw_loc) if isinstance(p, str) and p in _UNION_TAGS]
        prefix = [str(p) for p in raw_loc[: tagged[0]]] if tagged else []
        if ".".join(prefix) in _PROFILE_KEYS:
            # a profile value matched none of number / path / {csv, column}
            key = ".".join(prefix)
            problems.setdefault(key, Problem(str(file), key, _profile_message(_raw(data, prefix))))
            continue
        loc = [str(p) for i, p in enumerate(raw_loc) if i not in tagged]
        kind = err["type"]
        error = (err.get("ctx") or {}).get("error")
        if kind == "value_error" and isinstance(error, KeyedError):
            loc = [*loc, error.key]
            msg = str(error)
        elif kind == "extra_forbidden":
            msg = "unknown key" + did_you_mean(loc, data)
        elif kind == "missing":
            msg = "required key is missing"
        else:
            msg = _message(err)
        key = ".".join(loc)
        problems.setdefault(key, Problem(str(file), key, msg))
    return list(problems.values())


def _raw(data: Any, loc: list[str]) -> Any:
    """Return the raw value at a key path of the parsed YAML, or ``None``."""
    for part in loc:
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def _profile_message(value: Any) -> str:
    """Why a profile value is none of: a number, a CSV path, {csv: path, column: name}."""
    expected = "a number, a CSV path, or {csv: path, column: name}"
    if not isinstance(value, dict):
        return f"must be {expected} (got {_shown(value)})"
    unknown = [str(k) for k in value if k not in ("csv", "column")]
    if unknown:
        close = difflib.get_close_matches(unknown[0], ["csv", "column"], n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"unknown key '{unknown[0]}' in a profile reference {{csv, column}}{hint}"
    missing = [k for k in ("csv", "column") if k not in value]
    if missing:
        return f"a profile reference needs both csv and column; '{missing[0]}' is missing"
    return "csv and column of a profile reference must be text"


def _number_types(annotation: Any) -> set[type]:
    """Return the plain types a field annotation admits (Annotated, unions unpacked)."""
    if isinstance(annotation, type):
        return {annotation}
    out: set[type] = set()
    for arg in get_args(annotation):
        out |= _number_types(arg)
    return out


def _bool_problems(data: Any, model: type[BaseModel], prefix: str, file: str) -> list[Problem]:
    """Flag true/false where a number belongs (pydantic would read them as 1 and 0).

    YAML 1.1 reads ``yes``, ``no``, ``on`` and ``off`` as booleans, so ``max_kw: no``
    would otherwise silently become a limit of 0 kW.
    """
    out: list[Problem] = []
    if not isinstance(data, dict):
        return out
    for key, value in data.items():
        info = model.model_fields.get(key) if isinstance(key, str) else None
        if info is None:
            continue
        types = _number_types(info.annotation)
        if isinstance(value, bool) and bool not in types and types & {int, float}:
            out.append(
                Problem(
                    file,
                    f"{prefix}{key}",
                    f"must be a number, not {str(value).lower()} "
                    "(YAML reads yes/no/on/off as true/false)",
                )
            )
        sub = model_of(info.annotation)
        if sub is not None and sub is not ProfileRef:
            out += _bool_problems(value, sub, f"{prefix}{key}.", file)
    return out


def _huge_numbers(data: Any, prefix: str, file: str) -> list[Problem]:
    """Flag numbers beyond :data:`dispatch.files.MAX_MAGNITUDE` (seeds excepted).

    Such values are typos or tests of the tool; annual sums of them overflow.
    """
    out: list[Problem] = []
    items = data.items() if isinstance(data, dict) else enumerate(data or [])
    if not isinstance(data, dict | list):
        return out
    for key, value in items:
        dotted = f"{prefix}{key}"
        if isinstance(value, dict | list):
            out += _huge_numbers(value, f"{dotted}.", file)
        elif (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and not str(key).endswith("seed")
            and MAX_MAGNITUDE < abs(value) < math.inf  # infinities: the schema's message
        ):
            out.append(
                Problem(file, dotted, f"{value:g} is too large: at most {MAX_MAGNITUDE:g} in size")
            )
    return out


def did_you_mean(loc: list[str], data: dict[str, Any]) -> str:
    """Return a hint for an unknown case key: the close known keys, or all keys at that level.

    Parameters
    ----------
    loc : list of str
        The key's path (``["technologies", "battrey"]``).
    data : dict
        The case as read (unused by the lookup; kept for callers' symmetry).
    """
    model: type[BaseModel] | None = Case
    for part in loc[:-1]:
        if model is None or part not in model.model_fields:
            return ""
        model = model_of(model.model_fields[part].annotation)
    if model is None:
        return ""
    known = list(model.model_fields)
    typed = loc[-1].lower()
    close = [k for k in known if k == typed] or [k for k in known if k.startswith(typed)]
    close = close[:1] or difflib.get_close_matches(typed, known, n=3, cutoff=0.6)
    if close:
        return f"; did you mean {' or '.join(repr(c) for c in close)}?"
    return f"; known keys: {', '.join(known)}"


def model_of(annotation: Any) -> type[BaseModel] | None:
    """Return the pydantic model inside a field annotation (``Battery | None`` -> ``Battery``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = model_of(arg)
        if found is not None:
            return found
    return None


_AVAILABILITY = Bounds(
    0.0,
    1.0,
    "availability is output per kW installed [kW/kW], from 0 to 1",
    "availability is output per kW installed [kW/kW], from 0 to 1: this looks like kW "
    "instead of kW/kW; divide by the installed capacity",
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


_PROFILE_KEYS = {key for _, key, _ in _PROFILES}


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


def input_files(data: CaseData) -> list[Path]:
    """Return the files a case reads: the case file and every file its keys name.

    Every text value of the case (profiles, ``weather.file``, power curves ...) that names
    an existing file, relative to the case's folder, counts. A writer checks its target
    against these so that it never overwrites a case's own input.
    """
    found = [data.file]

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and value and "\n" not in value:
            path = data.file.parent / value
            try:
                if path.is_file():
                    found.append(path)
            except OSError:
                pass

    walk(data.raw)
    return found


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
    return _validate_and_read(data, file)


def _validate_and_read(data: dict[str, Any], file: Path) -> CaseData:
    """Validate, then read profiles; schema and profile problems are reported together."""
    try:
        case = validate(data, file)
    except CaseError as exc:
        more = _raw_profile_problems(data, file, exc.problems)
        raise CaseError(exc.problems + more) from None
    return read_profiles(case, file, raw=data)


def _raw_profile_problems(data: dict[str, Any], file: Path, known: list[Problem]) -> list[Problem]:
    """Check the profiles of a case that failed schema validation, straight from the YAML.

    Profiles under a key that already has a problem are skipped; so are values
    that are not a number, a path or a ``{csv, column}`` mapping.
    """
    year = data.get("year")
    ok_year = isinstance(year, int) and not isinstance(year, bool) and 2000 <= year <= 2100
    reader = ProfileReader(file, year if ok_year else None)
    bad = {p.key for p in known}
    problems: list[Problem] = []
    for _, key, bounds in _PROFILES:
        if any(k == key or k.startswith(key + ".") or key.startswith(k + ".") for k in bad):
            continue
        value = _as_profile(_raw(data, key.split(".")))
        if value is not None:
            reader.read(value, key, bounds, problems)
    return problems


def _as_profile(value: Any) -> float | str | ProfileRef | None:
    """Return a raw YAML value as a profile value, or ``None`` when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return value
    if (
        isinstance(value, dict)
        and set(value) == {"csv", "column"}
        and all(isinstance(v, str) for v in value.values())
    ):
        return ProfileRef(csv=value["csv"], column=value["column"])
    return None


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
