"""park-dispatch: size and schedule the energy system of an industrial park."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__version__ = "0.1.0"


def load_sweep(folder: str | Path) -> pd.DataFrame:
    """Return a sweep's table, one row per run (see :func:`dispatch.sweep.store.load_sweep`)."""
    from dispatch.sweep.store import load_sweep as _load_sweep

    return _load_sweep(folder)
