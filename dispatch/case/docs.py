"""Generate the case-file key reference, ``docs/case.md``, from the schema.

Every key of :class:`dispatch.case.schema.Case` is listed with its dotted path,
type, unit (read from the key's name), default, the default's source (from
``dispatch/data/defaults.yaml``) and description. Regenerate the file with::

    python -m dispatch.case.docs > docs/case.md

A test compares the committed file with this module's output, so the reference
cannot drift from the schema.
"""

from __future__ import annotations

import sys
import types
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from dispatch.case.defaults import default as default_value
from dispatch.case.defaults import source
from dispatch.case.loader import _PROFILES
from dispatch.case.schema import Case, Finance, ProfileRef
from dispatch.case.series import Bounds

CURRENCY = str(Finance.model_fields["currency"].default)
"""Currency written in money units; a case may set another one in ``finance.currency``."""

_PROFILE_BOUNDS: dict[str, Bounds] = {key: bounds for _, key, bounds in _PROFILES}
"""Allowed values of each profile key, as the loader checks them."""

UNIT_SUFFIXES: tuple[tuple[str, str], ...] = (
    # (end of the key name, unit); the first match wins, so longer endings come first
    ("_kg_per_kwh_fuel", "kgCO2/kWh_fuel"),
    ("_kg_per_kwh", "kgCO2/kWh"),
    ("_kw_th_per_kwh_th", "kW_th/kWh_th"),
    ("_per_kwh_th_year", f"{CURRENCY}/(kWh_th·year)"),
    ("_per_kwh_year", f"{CURRENCY}/(kWh·year)"),
    ("_per_kw_th_year", f"{CURRENCY}/(kW_th·year)"),
    ("_per_kw_year", f"{CURRENCY}/(kW·year)"),
    ("_per_kw_month", f"{CURRENCY}/(kW·month)"),
    ("_per_tco2", f"{CURRENCY}/tCO2"),
    ("_t_per_tce", "tCO2/tce"),
    ("_tco2_per_year", "tCO2/year"),
    ("_per_mwh", f"{CURRENCY}/MWh"),
    ("_per_kw_th", f"{CURRENCY}/kW_th"),
    ("_per_kwh_th", f"{CURRENCY}/kWh_th"),
    ("_per_kwh", f"{CURRENCY}/kWh"),
    ("_per_kw", f"{CURRENCY}/kW"),
    ("_per_hour", "1/h"),
    ("_per_year", "1/year"),
    ("_cycles", "cycles"),
    ("_fraction", "fraction"),
    ("_efficiency", "fraction"),
    ("_of_generation", "fraction"),
    ("_of_consumption", "fraction"),
    ("_years", "years"),
    ("_hours_per_year", "h/year"),
    ("_hours", "h"),
    ("_seconds", "s"),
    ("_hours", "h"),
    ("_mwh", "MWh"),
    ("_mpa", "MPa"),
    ("_deg", "°"),
    ("_c", "°C"),
    ("_m", "m"),
    ("_kwh_th", "kWh_th"),
    ("_kw_th", "kW_th"),
    ("_kwh", "kWh"),
    ("_kw", "kW"),
)
"""Units of keys that carry them in their name."""

UNIT_NAMES: dict[str, str] = {
    "discount_rate": "1/year",
    "availability": "kW/kW",
    "cop": "kW_th/kW_el",
    "name": "—",
    "year": "—",
    "currency": "—",
    "export_allowed": "—",
    "import_price_includes_td": "—",
    "physics": "—",
    "mip_gap": "fraction",
    "threads": "—",
    "latitude": "° north",
    "longitude": "° east",
    "dc_ac_ratio": "kW/kW",
    "power_curve": "m/s and kW (or kW/kW)",
    "site": "—",
    "source": "—",
    "seed": "—",
    "file": "—",
    "park_type": "—",
    "tracking": "—",
    "turbine_class": "—",
    "shear_exponent": "—",
    "typical_days": "days",
    "corrections": "—",
    "auto_gap": "—",
    # pathway.load_growth_per_year.* and pathway.capex_change_per_year.*: rates per year
    "electricity": "1/year",
    "heat": "1/year",
    "pv": "1/year",
    "wind": "1/year",
    "battery": "1/year",
    "heat_pump": "1/year",
    "csv": "—",
    "column": "—",
    "calendar": "—",
    "charge_scheme": "—",
    "window": "—",
    "ratios": "ratio to the flat price",
    "average_load_rate": "fraction",
    "region": "—",
    "province": "—",
    "electricity_tce": "kgce/kWh (or a method name)",
    "income_tax_rate": "fraction",
    "residual_value": "—",
    "objective": "—",
    "replacement_year": "years",
    "inverter_replacement_year": "years",
    "clean_share_min": "fraction",
    "green_certificates_count_toward": "—",
}
"""Units of keys whose name does not end in a unit, and of keys without a unit."""

QUALIFIERS = ("_if_built",)
"""Endings that qualify a key after its unit (``min_kw_if_built`` is in kW)."""

UNIT_EXCEPTIONS: dict[str, str] = {
    # the name says kW, the key is a heat rating like the section's other sizes
    "technologies.heat_pump.min_kw_if_built": "kW_th",
    # the name says MWh, the description heat energy
    "load.annual_heat_mwh": "MWh_th",
}
"""Keys, by dotted path, whose name gives a wrong unit."""


def unit_of(name: str) -> str | None:
    """Return the unit of a case key, read from its name.

    Parameters
    ----------
    name : str
        The key's last part, for example ``"fixed_om_per_kw_year"``.

    Returns
    -------
    str or None
        The unit (``"CNY/(kW·year)"``), ``"—"`` for a key without unit, or
        ``None`` when no rule applies.
    """
    if name in UNIT_NAMES:
        return UNIT_NAMES[name]
    for qualifier in QUALIFIERS:
        name = name.removesuffix(qualifier)
    for suffix, unit in UNIT_SUFFIXES:
        if f"_{name}".endswith(suffix):
            return unit
    return None


@dataclass(frozen=True)
class Key:
    """One leaf key of the case file, as the reference shows it."""

    path: str
    type: str
    unit: str
    default: str
    source: str
    description: str


@dataclass(frozen=True)
class Section:
    """One mapping of the case file (``technologies.pv``) and its leaf keys."""

    path: str
    doc: str
    presence: str
    keys: tuple[Key, ...]


def sections(model: type[BaseModel] = Case, path: str = "", presence: str = "") -> list[Section]:
    """Walk a schema model and return its sections, depth first, in field order.

    Parameters
    ----------
    model : type of pydantic.BaseModel
        The model to walk; :class:`~dispatch.case.schema.Case` by default.
    path : str
        Dotted path of the model in the case file (``""`` at the top).
    presence : str
        Whether the section must be given, as shown in the reference.

    Returns
    -------
    list of Section
        The model's own section first, then its sub-sections.
    """
    keys: list[Key] = []
    children: list[Section] = []
    for name, field in model.model_fields.items():
        dotted = f"{path}.{name}" if path else name
        sub = _section_model(field.annotation)
        if sub is not None:
            children.extend(sections(sub, dotted, _presence(field)))
            continue
        keys.append(_key(dotted, name, field))
    own = Section(path=path, doc=_doc(model), presence=presence, keys=tuple(keys))
    return [own, *children]


def _section_model(annotation: Any) -> type[BaseModel] | None:
    """Return the schema model of a section field (``PV | None`` gives ``PV``)."""
    options = [a for a in _union_args(annotation) if a is not type(None)]
    if len(options) == 1 and isinstance(options[0], type) and issubclass(options[0], BaseModel):
        return options[0]
    return None


def _union_args(annotation: Any) -> tuple[Any, ...]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return typing.get_args(annotation)
    return (annotation,)


def _presence(field: FieldInfo) -> str:
    if field.is_required():
        return "Required."
    if field.default is None:
        return "Optional: leave it out and the case has none."
    return "Optional: when left out, its defaults apply."


def _doc(model: type[BaseModel]) -> str:
    return " ".join((model.__doc__ or "").split())


def _key(dotted: str, name: str, field: FieldInfo) -> Key:
    unit = UNIT_EXCEPTIONS.get(dotted) or unit_of(name)
    if unit is None:
        raise ValueError(
            f"{dotted}: no unit can be read from the name; end it with its unit "
            "(_kw, _per_kwh, ...) or list it in dispatch.case.docs.UNIT_NAMES"
        )
    description = field.description or _alias_description(field.annotation)
    if not description:
        raise ValueError(f"{dotted}: the schema field has no description")
    default, origin = _default(field)
    return Key(dotted, _type(dotted, field), unit, default, origin, description)


def _alias_description(annotation: Any) -> str | None:
    """Return the description of an annotated type alias inside an optional type."""
    for arg in _union_args(annotation):
        if typing.get_origin(arg) is typing.Annotated:
            for meta in typing.get_args(arg)[1:]:
                if getattr(meta, "description", None):
                    return str(meta.description)
    return None


def _default(field: FieldInfo) -> tuple[str, str]:
    """Return the shown default and its source."""
    if field.is_required():
        return "required", ""
    value = field.get_default(call_default_factory=True)
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    ref = extra.get("defaults")
    origin = source(*str(ref).split(".", 1)) if ref else ""
    return f"`{_literal(value)}`", origin


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | int):
        return f"{value:g}"
    return str(value)


def _type(dotted: str, field: FieldInfo) -> str:
    """Describe a leaf field's type and allowed range (``number in [0, 1]``)."""
    constraints = list(field.metadata)
    options = [a for a in _union_args(field.annotation) if a is not type(None)]
    nullable = len(options) < len(_union_args(field.annotation))
    inner = options[0] if len(options) == 1 else field.annotation
    if typing.get_origin(inner) is typing.Annotated:
        args = typing.get_args(inner)
        inner = args[0]
        for meta in args[1:]:
            constraints.extend(getattr(meta, "metadata", [meta]))
    if ProfileRef in _union_args(inner):
        bounds = _PROFILE_BOUNDS.get(dotted, Bounds())
        text = "profile" + _range(bounds.low, True, bounds.high, True, prefix=", values ")
    elif inner is bool:
        text = "true or false"
    elif inner in (int, float):
        low = high = None
        low_closed = high_closed = True
        for c in constraints:  # pydantic's Ge, Gt, Le, Lt markers
            if hasattr(c, "ge"):
                low = c.ge
            elif hasattr(c, "gt"):
                low, low_closed = c.gt, False
            elif hasattr(c, "le"):
                high = c.le
            elif hasattr(c, "lt"):
                high, high_closed = c.lt, False
        name = "integer" if inner is int else "number"
        text = name + _range(low, low_closed, high, high_closed)
    elif inner is str:
        min_length = [c.min_length for c in constraints if hasattr(c, "min_length")]
        text = "text, not empty" if min_length and min_length[0] > 0 else "text"
    else:
        text = _type_name(dotted, inner)
    return f"{text}, or null" if nullable else text


def _type_name(dotted: str, annotation: Any) -> str:
    """Name a type without range: ``list of [number, number]``, ``text``..."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    names = {bool: "true or false", int: "integer", float: "number", str: "text"}
    if annotation in names:
        return names[annotation]
    if origin is typing.Annotated:  # a bounded number inside a union or mapping
        return _type_name(dotted, args[0])
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(dotted, a) for a in args if a is not type(None))
    if origin is list:
        return f"list of {_type_name(dotted, args[0])}"
    if origin is tuple:
        return "[" + ", ".join(_type_name(dotted, a) for a in args) + "]"
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{v}`" for v in args)
    if origin is dict:
        return f"mapping of {_type_name(dotted, args[0])} to {_type_name(dotted, args[1])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "{" + ", ".join(annotation.model_fields) + "}"
    raise ValueError(f"{dotted}: no rule to describe the type {annotation!r}")


def _range(
    low: float | None,
    low_closed: bool,
    high: float | None,
    high_closed: bool,
    prefix: str = " ",
) -> str:
    if low is None and high is None:
        return ""
    if high is None:
        return f"{prefix}{'≥' if low_closed else '>'} {low:g}"
    if low is None:
        return f"{prefix}{'≤' if high_closed else '<'} {high:g}"
    return f"{prefix}in {'[' if low_closed else '('}{low:g}, {high:g}{']' if high_closed else ')'}"


_HEADER = f"""\
# Case file reference

<!-- Generated from dispatch/case/schema.py by `python -m dispatch.case.docs > docs/case.md`.
     Do not edit by hand: tests/test_case_docs.py fails when this file and the schema differ. -->

A case is one YAML file. Every key is listed below by its dotted path
(`technologies.battery.capex_per_kwh` is `capex_per_kwh` inside `battery` inside
`technologies`). Unknown keys are errors. Units come from the key names; money is
in the case currency, `finance.currency` ({CURRENCY} unless set), shown here as {CURRENCY}.
Defaults marked with a source come from `dispatch/data/defaults.yaml`.

**Profiles.** A key of type *profile* takes hourly values in one of three forms:

- a number: the same value every hour;
- a path to a CSV file: its first numeric column;
- a mapping `{{csv: path, column: name}}`: the named column.

A CSV holds 8760 hourly values from 1 January 00:00 local time (8784 in a leap year;
29 February is then dropped). Relative paths resolve against the case file's folder.
The mapping form has two keys:
"""

_LOW = float(default_value("plausibility", "min_mean_load_kw"))
_HIGH = float(default_value("plausibility", "max_mean_load_kw"))
_RATIO = float(default_value("plausibility", "max_peak_to_mean_electricity"))
_NOTES = f"""
**Notes on doubtful inputs.** A valid case can still hold a mistake that solves. A run
(and `dispatch validate`) adds a note, shown in the terminal, in `summary.json` (`notes`)
and in `report.html`, when:

- a size is free: its capex and fixed O&M are both 0, or the grid connection carries no
  charge (`grid.capacity_charge_per_kw_month` 0 under `basic_capacity`, or
  `charge_scheme: none`) and `grid.connection_kw` is not fixed. The optimiser then reports
  an arbitrary size. Notice 1192 published no typical value for the capacity charge nor
  for the system operation fee ([docs/sources.md](sources.md) §2), so both default to 0
  and the project ships no provincial values for them: set them in the case;
- a load's mean is below {_LOW:g} kW (a file in MW?) or above {_HIGH / 1e6:g} GW (in W?), or an
  electric load's peak is more than {_RATIO:g} times its mean (limits in the `plausibility`
  section of `dispatch/data/defaults.yaml`).
"""


def render() -> str:
    """Return the full text of ``docs/case.md``.

    Returns
    -------
    str
        Markdown, ending with a newline.
    """
    parts = [_HEADER]
    for sec in sections(ProfileRef, "<profile>"):
        parts.append(_table(sec.keys))
    parts.append(_NOTES)
    for sec in sections():
        title = f"`{sec.path}`" if sec.path else "Top level"
        parts.append(f"## {title}\n")
        parts.append(" ".join(p for p in (sec.doc, sec.presence) if p) + "\n")
        if sec.keys:
            parts.append(_table(sec.keys))
    return "\n".join(parts)


def _table(keys: tuple[Key, ...]) -> str:
    rows = ["| key | type | unit | default | description | source of the default |"]
    rows.append("| --- | --- | --- | --- | --- | --- |")
    for k in keys:
        cells = (f"`{k.path}`", k.type, k.unit, k.default, k.description, k.source)
        rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(rows) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main() -> None:
    """Write the reference to standard output."""
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
