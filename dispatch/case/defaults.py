"""Default parameter values, read from ``dispatch/data/defaults.yaml``.

Each default in that file has a value, a source and a year. Code never holds
the numbers; it asks :func:`default` for them.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def _table() -> dict[str, dict[str, dict[str, Any]]]:
    text = resources.files("dispatch.data").joinpath("defaults.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def default(section: str, key: str) -> Any:
    """Return the default value of ``section.key``.

    Parameters
    ----------
    section : str
        Section of the defaults file, for example ``"battery"``.
    key : str
        Parameter name with its unit, for example ``"capex_per_kwh"``.

    Returns
    -------
    Any
        The value (number or string) as stored in the data file.
    """
    return _table()[section][key]["value"]


def source(section: str, key: str) -> str:
    """Return the documented source of a default value."""
    entry = _table()[section][key]
    return f"{entry['source']} ({entry['year']})"
