"""Shared helpers: write small cases with repeating profiles into a temp folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "cases" / "example-park.yaml"


def write_profile(folder: Path, name: str, pattern: list[float]) -> str:
    """Write an 8760-value CSV that repeats ``pattern``; return its file name."""
    values = np.resize(np.asarray(pattern, dtype=float), 8760)
    pd.DataFrame({"value": values}).to_csv(folder / name, index=False)
    return name


@pytest.fixture
def make_case(tmp_path: Path) -> Callable[..., Path]:
    """Return ``make(case_dict, profiles={name: pattern}) -> case path``.

    Profile patterns are written as CSVs and referenced by file name; in the
    case dict write ``"@name"`` where a profile goes.
    """

    def make(case: dict[str, Any], profiles: dict[str, list[float]] | None = None) -> Path:
        for name, pattern in (profiles or {}).items():
            write_profile(tmp_path, f"{name}.csv", pattern)

        def sub(obj: Any) -> Any:
            if isinstance(obj, dict):
                return {k: sub(v) for k, v in obj.items()}
            if isinstance(obj, str) and obj.startswith("@"):
                return f"{obj[1:]}.csv"
            return obj

        path = tmp_path / "case.yaml"
        path.write_text(yaml.safe_dump(sub(case), sort_keys=False))
        return path

    return make


NO_RULES = {
    "self_use_min_of_generation": None,
    "self_use_min_of_consumption": 0.0,
    "export_max_of_generation": None,
}
