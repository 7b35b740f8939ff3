"""Access to the data files shipped in ``dispatch/profiles/data``.

Every number used by the profile layer lives in one of these files, with its unit and the id of
its source in ``sources.csv``; the code only holds physical constants and the model structure.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

DATA_PACKAGE = "dispatch.profiles.data"


def data_path(name: str) -> Path:
    """Return the path of a shipped data file.

    Parameters
    ----------
    name : str
        File name inside ``dispatch/profiles/data``.

    Returns
    -------
    pathlib.Path
        Absolute path of the file.
    """
    return Path(str(resources.files(DATA_PACKAGE).joinpath(name)))


@cache
def _parameters() -> dict[str, dict[str, dict[str, Any]]]:
    with open(data_path("parameters.yaml"), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def parameter(group: str, name: str) -> float:
    """Return the value of one model parameter from ``parameters.yaml``.

    Parameters
    ----------
    group : str
        Section of the file: ``weather``, ``pv``, ``wind``, ``heat_pump`` or ``loads``.
    name : str
        Parameter name inside the section.

    Returns
    -------
    float
        The parameter value in the unit given in the file.
    """
    return float(_parameters()[group][name]["value"])


def parameter_table() -> pd.DataFrame:
    """Return every model parameter as a tidy table (group, name, value, unit, source, note)."""
    rows = []
    for group, entries in _parameters().items():
        for name, entry in entries.items():
            rows.append(
                {
                    "group": group,
                    "name": name,
                    "value": entry["value"],
                    "unit": entry.get("unit", ""),
                    "source": entry.get("source", ""),
                    "note": entry.get("note", ""),
                }
            )
    return pd.DataFrame(rows)


@cache
def sources() -> pd.DataFrame:
    """Return the source table (``sources.csv``) indexed by ``source_id``."""
    return pd.read_csv(data_path("sources.csv")).set_index("source_id")


@cache
def read_yaml(name: str) -> Any:
    """Return the parsed content of a shipped YAML file (cached; do not mutate)."""
    with open(data_path(name), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@cache
def read_csv(name: str) -> pd.DataFrame:
    """Return a shipped CSV file as a DataFrame (cached; copy before mutating)."""
    return pd.read_csv(data_path(name))
