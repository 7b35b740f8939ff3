"""What-if overrides: ``--set KEY=VALUE``, named scenarios, and checking keys against the schema.

An override is a dotted case key and a value (``technologies.battery.capex_per_kwh: 400``).
Named override sets live in a scenarios file, in the style of Calliope's
``overrides``/``scenarios``::

    overrides:                       # named sets of overrides (dotted or nested keys)
      cheap_storage:
        technologies.battery.capex_per_kwh: 400
      strict_2030:
        year: 2030
        rules: {self_use_min_of_consumption: 0.35}
    scenarios:                       # named combinations of override sets and scenarios
      cheap_and_strict: [cheap_storage, strict_2030]
    runs:                            # explicit runs for ``dispatch sweep``
      - cheap_and_strict             # a scenario expression (names joined by commas)
      - {scenario: cheap_storage, year: 2027}   # a scenario plus overrides
      - {technologies.battery.capex_per_kwh: 300}

Later sets win where two set the same key. Every key is checked against
:class:`dispatch.case.schema.Case` before anything runs; an unknown key is a
:class:`~dispatch.errors.CaseError` (exit 2) with the close matches.
"""

from __future__ import annotations

import difflib
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel

from dispatch.case.loader import did_you_mean, model_of, read_yaml
from dispatch.case.schema import Case
from dispatch.errors import CaseError, Problem

SCENARIO_FILE_NAMES = ("{stem}.scenarios.yaml", "scenarios.yaml")
"""Where ``--scenario`` looks for its file when ``--scenarios`` is not given (case folder)."""

_FILE_SECTIONS = ("overrides", "scenarios", "runs")
RUN_SCENARIO_KEY = "scenario"
"""Key of an explicit run entry that names the scenario it starts from."""


def parse_value(text: str) -> Any:
    """Parse a command-line value as YAML (``400`` -> 400, ``null`` -> None, ``a.csv`` -> str).

    Parameters
    ----------
    text : str
        The text after ``=``.

    Returns
    -------
    Any
        The parsed value; text that is not valid YAML stays a string.
    """
    try:
        return yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        return text


def parse_set(items: list[str] | None, where: str = "--set") -> dict[str, Any]:
    """Parse ``KEY=VALUE`` items into an override mapping (later items win).

    Parameters
    ----------
    items : list of str
        ``["technologies.battery.capex_per_kwh=400", "year=2027"]``.
    where : str
        Option name, for messages.

    Returns
    -------
    dict
        Dotted key to parsed value.

    Raises
    ------
    CaseError
        An item without ``=`` or with an empty key.
    """
    out: dict[str, Any] = {}
    problems = []
    for item in items or []:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            problems.append(Problem(where, item, "expected KEY=VALUE, e.g. year=2027"))
            continue
        out[key] = parse_value(value)
    if problems:
        raise CaseError(problems)
    return out


def check_key(dotted: str) -> str | None:
    """Return why ``dotted`` is not a case key, or ``None`` when it is one.

    The key is walked through the nested pydantic models of
    :class:`~dispatch.case.schema.Case`; a wrong part gets the close matches
    of its section (``did you mean 'capex_per_kwh'?``).
    """
    parts = dotted.split(".")
    if any(not p for p in parts):
        return "empty part in dotted key"
    model: type[BaseModel] | None = Case
    for i, part in enumerate(parts):
        if model is None:
            return f"'{parts[i - 1]}' is a value, not a section; '{'.'.join(parts[i:])}' is extra"
        if part not in model.model_fields:
            return "unknown key" + did_you_mean(parts[: i + 1], {})
        model = model_of(model.model_fields[part].annotation)
    return None


def check_keys(overrides: dict[str, Any], file: str, origin: str) -> list[Problem]:
    """Return one problem per override key that is not a case key.

    Parameters
    ----------
    overrides : dict
        Dotted key to value.
    file : str
        File named in the messages (the case or scenarios file).
    origin : str
        Where the overrides came from (``--set``, ``overrides.cheap_storage`` ...).
    """
    problems = []
    for key in overrides:
        why = check_key(key)
        if why is not None:
            problems.append(Problem(file, key, f"{why} (in {origin})"))
    return problems


def _section_model(annotation: Any) -> type[BaseModel] | None:
    """Return the model of a section field (a model, or a model or None), else ``None``.

    A field that also takes plain values (a profile: number, path or ``{csv, column}``)
    is a value: a mapping given for it replaces it whole.
    """
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return _section_model(members[0])
    return None


def flatten(mapping: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Turn nested override mappings into dotted keys, as deep as the schema has sections.

    ``{"rules": {"self_use_min_of_consumption": 0.35}}`` becomes
    ``{"rules.self_use_min_of_consumption": 0.35}``; a mapping given for a value
    (a profile's ``{csv, column}``) or for an unknown key stays whole.
    """
    out: dict[str, Any] = {}
    for key, value in mapping.items():
        dotted = f"{prefix}{key}"
        model: type[BaseModel] | None = Case
        for part in dotted.split("."):
            field_info = model.model_fields.get(part) if model is not None else None
            model = _section_model(field_info.annotation) if field_info is not None else None
        if isinstance(value, dict) and value and model is not None:
            out.update(flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out


@dataclass
class Scenarios:
    """Named override sets, their combinations and explicit runs, from a scenarios file.

    Attributes
    ----------
    file : pathlib.Path or None
        The file read (``None``: no file).
    overrides : dict of str to dict
        Override set name to flat dotted overrides.
    scenarios : dict of str to list of str
        Scenario name to the names it combines, in order.
    runs : list
        Raw explicit run entries (see :meth:`explicit_runs`).
    """

    file: Path | None = None
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    scenarios: dict[str, list[str]] = field(default_factory=dict)
    runs: list[Any] = field(default_factory=list)

    @property
    def where(self) -> str:
        """File name for messages."""
        return str(self.file) if self.file else "scenarios"

    def names(self) -> list[str]:
        """Every name ``--scenario`` accepts."""
        return list(self.overrides) + list(self.scenarios)

    def resolve(self, expression: str | list[str] | None) -> dict[str, Any]:
        """Merge the named sets of ``expression`` in order (later names win).

        Parameters
        ----------
        expression : str or list of str
            ``"cheap_storage,strict_2030"`` or ``["cheap_storage", "strict_2030"]``;
            each name is an override set or a scenario.

        Raises
        ------
        CaseError
            An unknown name (with close matches) or a scenario that includes itself.
        """
        out: dict[str, Any] = {}
        for name in split_names(expression):
            out.update(self._resolve_name(name, ()))
        return out

    def _resolve_name(self, name: str, stack: tuple[str, ...]) -> dict[str, Any]:
        if name in stack:
            cycle = " -> ".join((*stack, name))
            raise CaseError([Problem(self.where, f"scenarios.{stack[0]}", f"cycle: {cycle}")])
        if name in self.overrides:
            return dict(self.overrides[name])
        if name in self.scenarios:
            out: dict[str, Any] = {}
            for part in self.scenarios[name]:
                out.update(self._resolve_name(part, (*stack, name)))
            return out
        known = self.names()
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        hint = (
            f"did you mean {' or '.join(repr(c) for c in close)}?"
            if close
            else (f"known: {', '.join(known)}" if known else "the file defines none")
        )
        where = f"scenarios.{stack[-1]}" if stack else "--scenario"
        raise CaseError([Problem(self.where, where, f"unknown scenario '{name}'; {hint}")])

    def explicit_runs(self) -> list[tuple[str | None, dict[str, Any]]]:
        """Return the file's ``runs`` as ``(scenario label, overrides)`` pairs.

        An entry is a scenario expression (``"a,b"`` or ``[a, b]``) or a mapping of
        overrides, optionally with ``scenario:`` naming the scenario it starts from.
        """
        out: list[tuple[str | None, dict[str, Any]]] = []
        for i, entry in enumerate(self.runs):
            where = f"runs[{i}]"
            label: str | None
            if isinstance(entry, str | list):
                label = ",".join(split_names(entry))
                out.append((label, self.resolve(entry)))
            elif isinstance(entry, dict):
                entry = dict(entry)
                expr = entry.pop(RUN_SCENARIO_KEY, None)
                label = ",".join(split_names(expr)) if expr else None
                own = flatten(entry)
                problems = check_keys(own, self.where, where)
                if problems:
                    raise CaseError(problems)
                out.append((label, self.resolve(expr) | own))
            else:
                raise CaseError(
                    [Problem(self.where, where, "expected a scenario name or a mapping")]
                )
        return out


def split_names(expression: str | list[str] | None) -> list[str]:
    """Split ``"a, b"`` or ``["a", "b,c"]`` into names."""
    if expression is None:
        return []
    items = [expression] if isinstance(expression, str) else list(expression)
    return [n.strip() for item in items for n in str(item).split(",") if n.strip()]


def read_scenarios(path: Path) -> Scenarios:
    """Read and check a scenarios file.

    Parameters
    ----------
    path : pathlib.Path
        The YAML file with ``overrides``, ``scenarios`` and/or ``runs``.

    Returns
    -------
    Scenarios
        Every override set flattened to dotted keys and checked against the schema.

    Raises
    ------
    CaseError
        Every problem found: unknown sections or keys, wrong shapes, a name used twice.
    """
    raw = read_yaml(path)
    where = str(path)
    problems: list[Problem] = []
    for key in raw:
        if key not in _FILE_SECTIONS:
            close = difflib.get_close_matches(str(key), _FILE_SECTIONS, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"use {', '.join(_FILE_SECTIONS)}"
            problems.append(Problem(where, str(key), f"unknown section; {hint}"))
    sets: dict[str, dict[str, Any]] = {}
    for name, body in (raw.get("overrides") or {}).items():
        if not isinstance(body, dict):
            problems.append(Problem(where, f"overrides.{name}", "expected a mapping of keys"))
            continue
        sets[str(name)] = flat = flatten(body)
        problems += check_keys(flat, where, f"overrides.{name}")
    combos: dict[str, list[str]] = {}
    for name, body in (raw.get("scenarios") or {}).items():
        if not isinstance(body, str | list) or not split_names(body):
            problems.append(
                Problem(where, f"scenarios.{name}", "expected a list of override names")
            )
            continue
        if name in sets:
            problems.append(Problem(where, f"scenarios.{name}", "also names an override set"))
        combos[str(name)] = split_names(body)
    runs = raw.get("runs") or []
    if not isinstance(runs, list):
        problems.append(Problem(where, "runs", "expected a list of runs"))
        runs = []
    if problems:
        raise CaseError(problems)
    return Scenarios(file=path, overrides=sets, scenarios=combos, runs=runs)


def find_scenarios(case: Path, given: Path | None) -> Path | None:
    """Return the scenarios file: ``given``, else one next to the case, else ``None``.

    Next to ``park.yaml`` the names tried are ``park.scenarios.yaml`` then ``scenarios.yaml``.
    """
    if given is not None:
        return given
    for pattern in SCENARIO_FILE_NAMES:
        candidate = case.parent / pattern.format(stem=case.stem)
        if candidate.is_file():
            return candidate
    return None


def resolve_overrides(
    case: Path,
    set_items: list[str] | None = None,
    scenario: str | None = None,
    scenarios_file: Path | None = None,
) -> tuple[dict[str, Any], Scenarios]:
    """Collect a run's overrides from the command line: the scenario first, then ``--set``.

    Parameters
    ----------
    case : pathlib.Path
        The case file (the scenarios file is looked for next to it).
    set_items : list of str
        ``--set KEY=VALUE`` items.
    scenario : str, optional
        ``--scenario`` expression, names joined by commas.
    scenarios_file : pathlib.Path, optional
        ``--scenarios FILE``.

    Returns
    -------
    overrides : dict
        Dotted key to value, every key checked against the schema.
    scenarios : Scenarios
        The scenarios file read (empty when there is none).

    Raises
    ------
    CaseError
        Unknown keys (with close matches), unknown scenario names, a missing file.
    """
    path = find_scenarios(case, scenarios_file)
    scen = read_scenarios(path) if path is not None else Scenarios()
    if scenario and path is None:
        tried = ", ".join(p.format(stem=case.stem) for p in SCENARIO_FILE_NAMES)
        msg = f"no scenarios file: give --scenarios or add {tried}"
        raise CaseError([Problem(str(case), "--scenario", msg)])
    overrides = scen.resolve(scenario)
    cli = parse_set(set_items)
    problems = check_keys(cli, str(case), "--set")
    if problems:
        raise CaseError(problems)
    return overrides | cli, scen
