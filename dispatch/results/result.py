"""A finished run as data: what a run produced, and the same as tidy pandas tables.

:class:`RunOutput` is what :func:`dispatch.runner.solve_case` returns, before anything
is written. :class:`ResultData` holds what a run wrote (``summary.json``, the hourly
table) plus the case inputs it was solved with, and turns them into tables. Tables are
built from the summary and the hourly table only; nothing here touches Pyomo, and
nothing here draws: the public :class:`dispatch.api.Result` adds figures and the report.

A results folder written through :meth:`ResultData.write_inputs` also holds:

- ``case.yaml``: the case as run, every default filled in, its profiles pointing
  at ``inputs.csv`` (so ``dispatch run results/<name>/case.yaml`` re-runs it);
- ``inputs.csv``: the hourly case inputs (8760 rows).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd
import yaml

from dispatch import ledger
from dispatch.case.loader import _PROFILES, CaseData, load_case
from dispatch.errors import DispatchError, printable
from dispatch.files import MAX_TABLE_BYTES, FileRefused, read_text
from dispatch.results.financials import cashflow_of
from dispatch.results.write import (
    BILL,
    STAMP_FORMAT,
    SUMMARY,
    TIMESERIES,
    stamp_text,
    write_csv,
)
from dispatch.timegrid import hours

CASE_FILE = "case.yaml"
INPUTS = "inputs.csv"
REPORT = "report.html"

ENERGY_CARRIERS = {
    "heat": "heat",
    "heat_pump_heat": "heat",
    "boiler_heat": "heat",
    "electric_boiler_heat": "heat",
    "heat_storage_charge": "heat",
    "heat_storage_discharge": "heat",
    "fuel": "fuel",
}
UNITS = (("_kwh_th", "kWh_th"), ("_kw_th", "kW_th"), ("_kwh", "kWh"), ("_kw", "kW"))


class ResultsError(DispatchError):
    """A results folder cannot be read (missing or malformed files)."""

    exit_code = 2


@dataclass
class RunOutput:
    """Everything a run produced, before it is written to disk.

    Attributes
    ----------
    summary : dict
        Content of ``summary.json``.
    timeseries : pandas.DataFrame
        Hourly results.
    data : CaseData
        The case that was solved.
    bill_monthly : pandas.DataFrame
        The electricity bill by month over the horizon (``bill_monthly.csv``).
    timings : dict of str to float
        Seconds spent loading, building, solving (and on the baseline).
    """

    summary: dict[str, Any]
    timeseries: pd.DataFrame
    data: CaseData
    bill_monthly: pd.DataFrame = field(default_factory=pd.DataFrame)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def cashflow(self) -> pd.DataFrame | None:
        """The yearly cash flow against the baseline (``cashflow.csv``)."""
        return cashflow_of(self.summary)


class ResultData:
    """The results of one run as data: summary, hourly table, case inputs and tables.

    Parameters
    ----------
    summary : dict
        Content of ``summary.json``.
    timeseries : pandas.DataFrame
        Hourly results, one row per model step, with a ``timestamp`` column.
    inputs : pandas.DataFrame, optional
        Hourly case inputs (8760 rows, ``timestamp`` plus one column per profile).
    case : dict, optional
        The validated case as a mapping (every default filled in).
    folder : pathlib.Path, optional
        The results folder the run was read from or written to.
    data : CaseData, optional
        The loaded case, when the result comes from a run in this session.
    bill_monthly : pandas.DataFrame, optional
        The electricity bill by month (``bill_monthly.csv``), when the run made one.
    """

    def __init__(
        self,
        summary: dict[str, Any],
        timeseries: pd.DataFrame,
        inputs: pd.DataFrame | None = None,
        case: dict[str, Any] | None = None,
        folder: Path | None = None,
        data: CaseData | None = None,
        bill_monthly: pd.DataFrame | None = None,
    ) -> None:
        self.summary = summary
        self.bill_monthly = bill_monthly
        self.timeseries = timeseries
        self.inputs = inputs
        self.case = case
        self.folder = folder
        self.data = data

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_output(cls, output: RunOutput) -> Self:
        """Wrap a :class:`RunOutput` (a run in this session)."""
        case = output.data.case.model_dump(mode="json")
        hours = output.summary.get("run", {}).get("hours")
        if hours is not None:  # the frozen case re-runs on the same horizon
            case.setdefault("solver", {})["horizon_hours"] = hours
        return cls(
            summary=output.summary,
            timeseries=output.timeseries,
            inputs=inputs_table(output.data),
            case=case,
            data=output.data,
            bill_monthly=output.bill_monthly,
        )

    @classmethod
    def load(cls, folder: str | Path, case: str | Path | CaseData | None = None) -> Self:
        """Read a results folder written by ``dispatch run`` or :func:`dispatch.run`.

        Parameters
        ----------
        folder : str or pathlib.Path
            The results folder (holding ``summary.json`` and ``timeseries.csv``).
        case : str, pathlib.Path or CaseData, optional
            The case the run was solved with, for folders written without
            ``case.yaml`` / ``inputs.csv``; gives the baseline and the case inputs.

        Raises
        ------
        ResultsError
            The folder or one of its files is missing or unreadable.
        """
        folder = Path(folder)
        summary_path, ts_path = folder / SUMMARY, folder / TIMESERIES
        for path in (folder, summary_path, ts_path):
            if not path.exists():
                raise ResultsError(f"{path}: does not exist; expected a results folder")
        summary = read_summary(summary_path)
        timeseries = _read_csv(ts_path)
        _check_rows(timeseries, ts_path, summary)
        inputs = _read_csv(folder / INPUTS) if (folder / INPUTS).exists() else None
        bill = None
        if (folder / BILL).exists():
            bill = _read_csv(folder / BILL, index_col=0)
            try:
                bill = bill.astype(float)
            except (TypeError, ValueError):
                raise ResultsError(
                    f"{folder / BILL}: damaged: holds values that are not numbers"
                ) from None
        case_dict = None
        if (folder / CASE_FILE).exists():
            try:
                case_dict = yaml.safe_load(_text(folder / CASE_FILE))
            except (yaml.YAMLError, RecursionError, ValueError) as exc:
                first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise ResultsError(f"{folder / CASE_FILE}: cannot read YAML: {first}") from None
            if not isinstance(case_dict, dict):
                raise ResultsError(f"{folder / CASE_FILE}: damaged: expected a mapping of keys")
        data = None
        if case is not None:
            data = case if isinstance(case, CaseData) else load_case(case)
            inputs = inputs_table(data)
            case_dict = data.case.model_dump(mode="json")
        return cls(
            summary,
            timeseries,
            inputs=inputs,
            case=case_dict,
            folder=folder,
            data=data,
            bill_monthly=bill,
        )

    # -- tidy tables --------------------------------------------------------------------
    @property
    def currency(self) -> str:
        """Currency of every cost (``CNY`` by default)."""
        return str(self.summary.get("currency", "CNY"))

    @property
    def name(self) -> str:
        """Case name."""
        return str(self.summary.get("case", ""))

    @property
    def capacities(self) -> pd.DataFrame:
        """Chosen sizes: ``technology``, ``capacity`` (key), ``unit``, ``value``."""
        rows = []
        for key, value in self.summary.get("capacities", {}).items():
            unit = next((u for suffix, u in UNITS if key.endswith(suffix)), "")
            suffix = next((s for s, u in UNITS if u == unit), "")
            tech = key[: -len(suffix)] if suffix else key
            rows.append({"technology": tech, "capacity": key, "unit": unit, "value": float(value)})
        return pd.DataFrame(rows, columns=["technology", "capacity", "unit", "value"])

    @property
    def costs(self) -> pd.DataFrame:
        """Annual cost by category (export revenue negative), without the total.

        Columns ``category``, ``cost_per_year`` [currency/yr], ``currency``.
        """
        rows = [
            {"category": k, "cost_per_year": float(v), "currency": self.currency}
            for k, v in self.summary.get("costs_per_year", {}).items()
            if k != "total"
        ]
        return pd.DataFrame(rows, columns=["category", "cost_per_year", "currency"])

    @property
    def energy(self) -> pd.DataFrame:
        """Annual energy sums: ``quantity``, ``carrier``, ``energy_mwh`` [MWh/yr]."""
        rows = [
            {"quantity": k, "carrier": ENERGY_CARRIERS.get(k, "electricity"), "energy_mwh": v}
            for k, v in self.summary.get("energy_mwh", {}).items()
        ]
        return pd.DataFrame(rows, columns=["quantity", "carrier", "energy_mwh"])

    @property
    def rules(self) -> pd.DataFrame:
        """Rule compliance, one row per rule.

        Columns ``rule``, ``description``, ``kind`` (``min``/``max``),
        ``value_fraction``, ``limit_fraction``, ``margin_fraction`` (positive when
        the rule is met with room to spare), ``ok`` and ``unit`` (``fraction``, or the
        unit of a carbon rule's value and limit: ``tCO2/tce``, ``tCO2/yr``).
        """
        rows = []
        for r in self.summary.get("rules", []):
            value, limit = float(r["value"]), float(r["limit"])
            kind = r.get("kind", "min")
            rows.append(
                {
                    "rule": r["name"],
                    "description": _rule_label(r["name"]),
                    "kind": kind,
                    "value_fraction": value,
                    "limit_fraction": limit,
                    "margin_fraction": value - limit if kind == "min" else limit - value,
                    "ok": bool(r["ok"]),
                    "unit": r.get("unit", "fraction"),
                }
            )
        cols = ["rule", "description", "kind", "value_fraction", "limit_fraction"]
        return pd.DataFrame(rows, columns=[*cols, "margin_fraction", "ok", "unit"])

    @property
    def emissions(self) -> pd.DataFrame:
        """Annual CO2 by source and scenario: ``scenario``, ``source``, ``tco2_per_year``.

        Scenario ``park`` is the run; ``baseline`` the same park with no new
        equipment, when known (see :attr:`baseline`).
        """
        rows = []
        blocks = (("park", self.summary.get("emissions", {})), ("baseline", self.baseline or {}))
        for scenario, block in blocks:
            for key, value in block.items():
                if (
                    key.endswith("_tco2_per_year")
                    and not key.startswith(("baseline", "avoided"))
                    and isinstance(value, int | float)
                ):
                    source = key.removesuffix("_tco2_per_year")
                    rows.append(
                        {"scenario": scenario, "source": source, "tco2_per_year": float(value)}
                    )
            if block and not any(r["scenario"] == scenario for r in rows):
                total = block.get("tco2_per_year")  # only a total is known
                if isinstance(total, int | float):
                    rows.append({"scenario": scenario, "source": "total", "tco2_per_year": total})
        return pd.DataFrame(rows, columns=["scenario", "source", "tco2_per_year"])

    @property
    def financials(self) -> dict[str, Any] | None:
        """NPV, IRR, paybacks, up-front capex, LCOE and life-cycle costs against the baseline.

        The summary's ``financials`` block (docs/finance.md), with its assumptions;
        ``None`` for a run written without one.
        """
        block = self.summary.get("financials")
        return block if isinstance(block, dict) else None

    @cached_property
    def cashflow(self) -> pd.DataFrame | None:
        """The yearly cash flow against the baseline, as in ``cashflow.csv``.

        One row per year 0..N: ``year``, ``capex``, ``replacement``, ``om``,
        ``energy_savings``, ``charges``, ``fuel``, ``carbon``, ``tax``, ``residual``
        and ``net_cashflow`` [currency]; ``None`` without :attr:`financials`.
        """
        return cashflow_of(self.summary)

    @cached_property
    def baseline(self) -> dict[str, Any] | None:
        """Cost and emissions of the same park with its existing equipment only (or ``None``).

        The run's own ``baseline`` block (:func:`dispatch.results.bill.baseline`), with
        ``costs_per_year`` (``total`` included), ``tco2_per_year`` and ``source``
        (``summary``); ``None`` for a summary written without one.
        """
        return baseline_of(self.summary)

    @property
    def baseline_costs(self) -> pd.DataFrame:
        """The baseline's annual cost by category, shaped like :attr:`costs`."""
        costs = (self.baseline or {}).get("costs_per_year", {})
        rows = [
            {"category": k, "cost_per_year": float(v), "currency": self.currency}
            for k, v in costs.items()
            if k != "total"
        ]
        return pd.DataFrame(rows, columns=["category", "cost_per_year", "currency"])

    @property
    def saving_per_year(self) -> float | None:
        """Baseline cost minus the run's cost [currency/yr]; ``None`` without a baseline."""
        if self.baseline is None:
            return None
        return float(self.baseline["costs_per_year"]["total"]) - self.total_cost_per_year

    @property
    def total_cost_per_year(self) -> float:
        """The run's annual cost [currency/yr] (the summary's cost total)."""
        costs = self.summary.get("costs_per_year", {})
        return float(costs.get("total", self.summary.get("objective_per_year", 0.0)))

    @property
    def hours_modelled(self) -> int:
        """Number of hourly rows (8760 for a full-year run)."""
        return len(self.timeseries)

    def __repr__(self) -> str:
        where = f", folder={str(self.folder)!r}" if self.folder else ""
        return (
            f"{type(self).__name__}({self.name!r}, {self.summary.get('status', '?')}, "
            f"cost {self.total_cost_per_year:,.0f} {self.currency}/yr, "
            f"{self.hours_modelled} h{where})"
        )

    # -- writing ------------------------------------------------------------------------
    def write_inputs(self, folder: Path) -> None:
        """Write ``case.yaml`` and ``inputs.csv`` into ``folder`` (when the result has them)."""
        if self.inputs is not None:
            ins = self.inputs.copy()
            ins["timestamp"] = stamp_text(ins["timestamp"])
            write_csv(ins, folder / INPUTS, "%.10g")
        if self.case is not None:
            names = set(self.inputs.columns) if self.inputs is not None else set()
            source = self.data.file if self.data is not None else None
            method = self.summary.get("run", {}).get("method")
            write_case(folder / CASE_FILE, self.case, names, source, method)


def baseline_of(summary: dict[str, Any]) -> dict[str, Any] | None:
    """Return the baseline block a summary carries, costs and emissions as floats, or ``None``."""
    block = summary.get("baseline")
    if not isinstance(block, dict) or not isinstance(block.get("costs_per_year"), dict):
        return None
    costs = {k: float(v) for k, v in block["costs_per_year"].items() if isinstance(v, int | float)}
    costs.setdefault("total", sum(costs.values()))
    tco2 = block.get("tco2_per_year", summary.get("emissions", {}).get("baseline_tco2_per_year"))
    out = dict(block) | {"costs_per_year": costs, "source": "summary"}
    out["tco2_per_year"] = float(tco2) if isinstance(tco2, int | float) else None
    return out


def inputs_table(data: CaseData) -> pd.DataFrame:
    """Return a case's hourly inputs as a table: ``timestamp`` plus one column per profile."""
    frame = pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in data.series.items()})
    frame.insert(0, "timestamp", hours(data.case.year))
    return frame


def write_case(
    path: Path,
    case: dict[str, Any],
    series: set[str],
    source_file: Path | None = None,
    method: str | None = None,
) -> None:
    """Write the case as run, its hourly profiles redirected to ``inputs.csv``.

    Profiles given as numbers stay numbers. Every other profile the run used,
    read from a CSV or generated from the location, becomes
    ``{csv: inputs.csv, column: <name>}``, so the folder re-runs on its own.

    Parameters
    ----------
    path : pathlib.Path
        The YAML file to write.
    case : dict
        The validated case as a mapping.
    series : set of str
        Profiles present in ``inputs.csv`` (``load_kw``, ``import_price_per_kwh``...).
    source_file : pathlib.Path, optional
        The case file the run read, named in the header.
    method : str, optional
        The method the run asked for, named in the re-run command of the header.
    """
    out = json.loads(json.dumps(case))  # a deep copy of plain data
    for name, dotted, _ in _PROFILES:
        node: Any = out
        parts = dotted.split(".")
        for part in parts[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or name not in series:
            continue  # the technology is absent, or the run had no such profile
        if not isinstance(node.get(parts[-1]), int | float):
            node[parts[-1]] = {"csv": INPUTS, "column": name}
    source = f" from {printable(str(source_file))}" if source_file is not None else ""
    flag = f" --method {method}" if method not in (None, "auto") else ""
    header = (
        f"# The case as run{source}, every default filled in.\n"
        f"# Hourly profiles read from {INPUTS} in this folder; "
        f"`dispatch run case.yaml{flag}` re-runs it.\n"
    )
    body = yaml.safe_dump(out, sort_keys=False, allow_unicode=True)
    path.write_text(header + body, "utf-8")


def _rule_label(name: str) -> str:
    rule = ledger.RULE_BY_NAME.get(name)
    return rule.label if rule is not None else name.replace("_", " ")


_SECTIONS: dict[str, type | tuple[type, ...]] = {
    "case": str,
    "status": str,
    "capacities": dict,
    "costs_per_year": dict,
    "energy_mwh": dict,
    "ratios": dict,
    "rules": list,
    "emissions": dict,
    "solve": dict,
    "notes": list,
    "run": dict,
    "year": int,
    "objective_per_year": (int, float),
}
"""Types of the sections of ``summary.json`` a reader relies on."""


def _text(path: Path) -> str:
    """Return a results file as text; one clear error when it cannot be."""
    try:
        return read_text(path, MAX_TABLE_BYTES)
    except FileRefused as exc:
        raise ResultsError(f"{path}: {exc.reason}") from None


def read_summary(path: Path) -> dict[str, Any]:
    """Read and check a ``summary.json``: a JSON object whose sections have their types.

    Raises
    ------
    ResultsError
        The file is unreadable, not JSON, or damaged (naming the section).
    """
    try:
        summary = json.loads(_text(path))
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ResultsError(f"{path}: cannot read JSON: {exc}") from None
    if not isinstance(summary, dict):
        raise ResultsError(
            f"{path}: damaged: expected a JSON object of results, found {type(summary).__name__}"
        )
    for key, kind in _SECTIONS.items():
        value = summary.get(key)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            raise ResultsError(f"{path}: damaged: '{key}' is {type(value).__name__}")
    for section in ("capacities", "costs_per_year"):
        for key, value in (summary.get(section) or {}).items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ResultsError(f"{path}: damaged: {section}.{key} is not a number")
    return summary


def _read_csv(path: Path, index_col: int | None = None) -> pd.DataFrame:
    text = _text(path)
    try:
        frame = pd.read_csv(io.StringIO(text), index_col=index_col)
    except (ValueError, pd.errors.ParserError) as exc:
        first = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise ResultsError(f"{path}: cannot read CSV: {first}") from None
    if "timestamp" in frame:
        try:
            frame["timestamp"] = pd.to_datetime(frame["timestamp"], format=STAMP_FORMAT)
        except (ValueError, TypeError):
            raise ResultsError(
                f"{path}: damaged: a timestamp is not of the form YYYY-MM-DD HH:MM"
            ) from None
    return frame


def _check_rows(timeseries: pd.DataFrame, path: Path, summary: dict[str, Any]) -> None:
    """Refuse a truncated hourly table: too few rows, or a last row cut short."""
    steps = (summary.get("run") or {}).get("steps")
    if isinstance(steps, int) and len(timeseries) != steps:
        raise ResultsError(
            f"{path}: damaged: {len(timeseries)} rows, the run had {steps} hours "
            "(a truncated file?)"
        )
    if len(timeseries) and timeseries.iloc[-1].isna().any() and not timeseries.iloc[0].isna().any():
        raise ResultsError(f"{path}: damaged: the last row is cut short (a truncated file?)")


__all__ = [
    "CASE_FILE", "INPUTS", "REPORT", "ResultData", "ResultsError", "RunOutput", "baseline_of",
    "inputs_table", "write_case",
]  # fmt: skip
