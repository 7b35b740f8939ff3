"""Grid charge schemes and the monthly electricity bill.

Schemes (notice 1192, docs/sources.md §2):

``capacity_td``
    Capacity-based T&D fee for green-power direct supply: connection capacity × energy T&D
    price × provincial average load rate × 730 h per month.
``basic_capacity``
    Existing two-part tariff, basic charge on the connection capacity [CNY/kW·month].
``demand``
    Existing two-part tariff, demand charge on each month's maximum import [CNY/kW·month].
``none``
    No capacity or demand component.

Every scheme adds a per-kWh system operation fee on grid imports. Monthly fixed and demand charges
are prorated by the share of the month's hours that the horizon covers, so a short test horizon
pays a matching share and a full year pays twelve whole months.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from dispatch.tariffs._data import UnknownKeyError, load, sourced
from dispatch.timegrid import hours

SchemeKind = Literal["none", "capacity_td", "basic_capacity", "demand"]
SCHEME_KINDS: tuple[str, ...] = ("none", "capacity_td", "basic_capacity", "demand")

#: Columns of the monthly bill, in order. Money in CNY, energy in kWh, power in kW.
BILL_COLUMNS: tuple[str, ...] = (
    "import_kwh",
    "export_kwh",
    "peak_import_kw",
    "grid_energy",
    "system_operation",
    "grid_capacity",
    "demand_charge",
    "export_revenue",
    "fuel",
    "carbon",
    "total",
)
#: Bill columns that are costs; with the (negative) export revenue they sum to the total.
COST_COLUMNS: tuple[str, ...] = (
    "grid_energy",
    "system_operation",
    "grid_capacity",
    "demand_charge",
    "fuel",
    "carbon",
)


def capacity_hours_per_month() -> float:
    """Return the hours per month of the capacity-based T&D fee (730 h, notice 1192)."""
    return sourced(load("grid_charges.yaml")["capacity_td_fee"]["hours_per_month"], "730 h")


def capacity_td_fee_per_kw_month(
    td_price_per_kwh: float, average_load_rate: float, hours_per_month: float | None = None
) -> float:
    """Return the capacity-based T&D fee per kW of connection capacity and month.

    Parameters
    ----------
    td_price_per_kwh : float
        Energy T&D price of the connection voltage level [CNY/kWh].
    average_load_rate : float
        Provincial average load rate [fraction, 0-1].
    hours_per_month : float, optional
        Defaults to the 730 h of notice 1192.

    Returns
    -------
    float
        Fee [CNY/(kW·month)] = T&D price × load rate × hours per month.
    """
    if not 0.0 <= average_load_rate <= 1.0:
        raise ValueError(f"average_load_rate must be a fraction in [0, 1], got {average_load_rate}")
    h = capacity_hours_per_month() if hours_per_month is None else float(hours_per_month)
    return float(td_price_per_kwh) * float(average_load_rate) * h


@dataclass(frozen=True)
class GridChargeScheme:
    """The grid charges a park pays besides the energy price.

    Attributes
    ----------
    kind : str
        ``"none"``, ``"capacity_td"``, ``"basic_capacity"`` or ``"demand"``.
    rate_per_kw_month : float
        CNY per kW and month: on the connection capacity (``capacity_td``,
        ``basic_capacity``) or on the month's maximum import (``demand``).
    connection_capacity_kw : float
        Connection capacity [kW] for the capacity-based schemes.
    system_operation_fee_per_kwh : float
        System operation fee per kWh imported [CNY/kWh].
    """

    kind: SchemeKind = "none"
    rate_per_kw_month: float = 0.0
    connection_capacity_kw: float = 0.0
    system_operation_fee_per_kwh: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in SCHEME_KINDS:
            raise ValueError(
                f"unknown grid charge scheme {self.kind!r}; "
                f"known schemes: {', '.join(SCHEME_KINDS)}"
            )
        for name in ("rate_per_kw_month", "connection_capacity_kw", "system_operation_fee_per_kwh"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")

    @classmethod
    def capacity_td(
        cls,
        connection_capacity_kw: float,
        td_price_per_kwh: float,
        average_load_rate: float,
        system_operation_fee_per_kwh: float = 0.0,
    ) -> GridChargeScheme:
        """Build the capacity-based T&D scheme of notice 1192 (see module docstring)."""
        rate = capacity_td_fee_per_kw_month(td_price_per_kwh, average_load_rate)
        return cls("capacity_td", rate, connection_capacity_kw, system_operation_fee_per_kwh)

    @property
    def monthly_capacity_charge(self) -> float:
        """Return the fixed charge of one whole month [CNY] (0 for ``demand`` and ``none``)."""
        if self.kind in ("capacity_td", "basic_capacity"):
            return self.rate_per_kw_month * self.connection_capacity_kw
        return 0.0

    @property
    def demand_rate_per_kw_month(self) -> float:
        """Return the demand charge rate [CNY/(kW·month)] (0 unless ``demand``)."""
        return self.rate_per_kw_month if self.kind == "demand" else 0.0


#: Any year serves: every model year has the same 8760 hours (29 February is skipped).
_REFERENCE_YEAR = 2001


def hours_per_month() -> np.ndarray:
    """Return the model hours of each month, 1-12 (index 0 unused) [h]."""
    counts = np.zeros(13)
    np.add.at(counts, hours(_REFERENCE_YEAR).month.to_numpy(), 1.0)
    return counts


def step_month_fractions(month: np.ndarray, weight: np.ndarray | None = None) -> dict[int, float]:
    """Return, for each month of the steps, the share of the month's hours they stand for.

    Parameters
    ----------
    month : numpy.ndarray of int
        Month (1-12) of each model step.
    weight : numpy.ndarray, optional
        Hours of the year each step stands for (1 each by default).

    Returns
    -------
    dict
        Month → Σ weights of its steps / hours of the month; 1 for every month of a full year.
    """
    month = np.asarray(month, dtype=int)
    w = np.ones(month.size) if weight is None else np.asarray(weight, dtype=float)
    covered = np.zeros(13)
    np.add.at(covered, month, w)
    per_month = hours_per_month()
    return {int(m): float(covered[m] / per_month[m]) for m in np.unique(month)}


def month_fractions(index: pd.DatetimeIndex) -> pd.Series:
    """Return, for each month in ``index``, the share of that month's model hours covered.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Hourly timestamps of the horizon (a subset of :func:`dispatch.timegrid.hours`).

    Returns
    -------
    pandas.Series
        Month number (1-12) → fraction in (0, 1]; 1 for every month of a full year.
    """
    frac = pd.Series(step_month_fractions(index.month.to_numpy()), dtype=float)
    frac.index.name = "month"
    return frac.rename("month_fraction")


def monthly_peaks_kw(import_kw: pd.Series) -> pd.Series:
    """Return each month's maximum hourly import [kW], indexed by month number."""
    peaks = import_kw.groupby(pd.DatetimeIndex(import_kw.index).month).max()
    peaks.index.name = "month"
    return peaks.rename("peak_import_kw")


def monthly_bill(
    import_kw: pd.Series,
    import_price_per_kwh: pd.Series | float,
    scheme: GridChargeScheme,
    *,
    export_kw: pd.Series | None = None,
    export_price_per_kwh: pd.Series | float = 0.0,
    fuel_cost: pd.Series | None = None,
    carbon_cost: pd.Series | None = None,
    step_hours: float = 1.0,
) -> pd.DataFrame:
    """Return the electricity bill by month.

    Parameters
    ----------
    import_kw : pandas.Series
        Hourly grid import [kW], indexed by timestamps.
    import_price_per_kwh : pandas.Series or float
        Import energy price [CNY/kWh], hourly or constant.
    scheme : GridChargeScheme
        Capacity or demand charges and the system operation fee.
    export_kw : pandas.Series, optional
        Hourly export [kW].
    export_price_per_kwh : pandas.Series or float, default 0
        Export price [CNY/kWh].
    fuel_cost, carbon_cost : pandas.Series, optional
        Hourly fuel and carbon costs [CNY] to carry into the bill.
    step_hours : float, default 1
        Length of a time step [h].

    Returns
    -------
    pandas.DataFrame
        One row per month (index ``month``) with :data:`BILL_COLUMNS`. Export revenue is
        negative (a negative cost, as in ``costs_per_year``); ``total`` sums the money columns.
    """
    index = pd.DatetimeIndex(import_kw.index)
    month = index.month

    def by_month(values: pd.Series | np.ndarray | float) -> pd.Series:
        series = pd.Series(
            np.broadcast_to(np.asarray(values, dtype=float), len(index)), index=month
        )
        return series.groupby(level=0).sum()

    imp = import_kw.to_numpy(dtype=float) * step_hours
    exp = (
        np.zeros(len(index)) if export_kw is None else export_kw.to_numpy(dtype=float) * step_hours
    )
    frac = month_fractions(index)
    peaks = monthly_peaks_kw(import_kw)
    bill = pd.DataFrame(index=frac.index)
    bill["import_kwh"] = by_month(imp)
    bill["export_kwh"] = by_month(exp)
    bill["peak_import_kw"] = peaks
    bill["grid_energy"] = by_month(imp * _values(import_price_per_kwh, index))
    bill["system_operation"] = by_month(imp * scheme.system_operation_fee_per_kwh)
    bill["grid_capacity"] = scheme.monthly_capacity_charge * frac
    bill["demand_charge"] = scheme.demand_rate_per_kw_month * peaks * frac
    bill["export_revenue"] = -by_month(exp * _values(export_price_per_kwh, index))
    bill["fuel"] = 0.0 if fuel_cost is None else by_month(fuel_cost.to_numpy(dtype=float))
    bill["carbon"] = 0.0 if carbon_cost is None else by_month(carbon_cost.to_numpy(dtype=float))
    bill["total"] = bill[[*COST_COLUMNS, "export_revenue"]].sum(axis=1)
    bill.index.name = "month"
    return bill[list(BILL_COLUMNS)]


def _values(value: pd.Series | float, index: pd.DatetimeIndex) -> np.ndarray:
    if isinstance(value, pd.Series):
        if not value.index.equals(index):
            value = value.reindex(index)
            if value.isna().any():
                raise ValueError("price series does not cover every hour of the import series")
        return value.to_numpy(dtype=float)
    return np.full(len(index), float(value))


def export_cap_fraction(province: str | None = None) -> float:
    """Return the cap on exports as a fraction of available renewable generation.

    Parameters
    ----------
    province : str, optional
        Province key; provinces without their own cap use the national "generally ≤ 20 %".
    """
    data = load("grid_charges.yaml")["export_cap"]
    provinces = data.get("provinces") or {}
    if province is not None and province in provinces:
        return sourced(provinces[province], f"export cap {province}")
    return sourced(data["default_fraction_of_available"], "export cap default")


def coal_benchmark_price(province: str) -> float:
    """Return a province's coal-fired benchmark price [CNY/kWh], the default export price.

    Raises
    ------
    UnknownKeyError
        For a province without data; the message lists the known ones.
    """
    prices = load("grid_charges.yaml")["coal_benchmark_price_per_kwh"]
    key = province.strip().lower().replace("_", "-")
    if key not in prices:
        raise UnknownKeyError(
            f"no coal benchmark price for {province!r}; known provinces: {', '.join(prices)}"
        )
    return sourced(prices[key], f"coal benchmark {key}")
