"""Read the packaged tariff, holiday and emission data files.

Every number of the tariffs package lives in ``dispatch/tariffs/data``; this module is the only
place that reads those files.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

_PACKAGE = "dispatch.tariffs"


class TariffDataError(ValueError):
    """A packaged data file is malformed (a bug in the data, not in the case)."""


class UnknownKeyError(KeyError):
    """A name or year outside the packaged data; the message lists the known ones."""

    def __str__(self) -> str:  # KeyError would quote its message; show it plainly
        return str(self.args[0])


@cache
def load(name: str) -> dict[str, Any]:
    """Return the parsed content of a YAML file in ``dispatch/tariffs/data``.

    Parameters
    ----------
    name : str
        Path relative to the data folder, for example ``"carbon.yaml"`` or
        ``"calendars/flat.yaml"``.

    Returns
    -------
    dict
        The parsed mapping. Cached: callers must not modify it.
    """
    text = resources.files(_PACKAGE).joinpath("data", name).read_text(encoding="utf-8")
    content = yaml.safe_load(text)
    if not isinstance(content, dict):
        raise TariffDataError(f"data file {name} does not hold a mapping")
    return content


def list_files(folder: str) -> list[str]:
    """Return the sorted stems of the YAML files in a data sub-folder."""
    root = resources.files(_PACKAGE).joinpath("data", folder)
    return sorted(p.name[: -len(".yaml")] for p in root.iterdir() if p.name.endswith(".yaml"))


def sourced(entry: Any, what: str) -> float:
    """Return the ``value`` of a ``{value, source}`` entry, checking that both are present.

    Parameters
    ----------
    entry : Any
        The mapping read from a data file.
    what : str
        Name used in the error message.
    """
    if not isinstance(entry, dict) or "value" not in entry or not entry.get("source"):
        raise TariffDataError(f"{what}: expected a mapping with 'value' and 'source'")
    return float(entry["value"])
