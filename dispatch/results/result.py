"""A finished run as tidy pandas tables, for Jupyter and for the report.

A :class:`Result` holds what a run wrote (``summary.json``, the hourly table)
plus the case inputs it was solved with. It comes from :func:`dispatch.run`
or from a results folder via :func:`dispatch.load_results`. Tables are built
from the summary and the hourly table only; nothing here touches Pyomo.

A results folder written through :meth:`Result.write_extras` also holds:

- ``case.yaml``: the case as run, every default filled in, its profiles pointing
  at ``inputs.csv`` (so ``dispatch run results/<name>/case.yaml`` re-runs it);
- ``inputs.csv``: the hourly case inputs (8760 rows);
- ``report.html``: the offline report.
"""

from __future__ import annotations

import json
import os
import tempfile
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml

from dispatch import ledger
from dispatch.errors import DispatchError
from dispatch.results.baseline import baseline
from dispatch.results.write import BILL, SUMMARY, TIMESERIES, write_results
from dispatch.timegrid import hours

if TYPE_CHECKING:
    from dispatch.case.loader import CaseData
    from dispatch.report.figures import Plots
    from dispatch.runner import RunOutput

CASE_FILE = "case.yaml"
INPUTS = "inputs.csv"
REPORT = "report.html"

ENERGY_CARRIERS = {
    "heat": "heat",
    "heat_pump_heat": "heat",
    "boiler_heat": "heat",
    "fuel": "fuel",
}
UNITS = (("_kw_th", "kW_th"), ("_kwh", "kWh"), ("_kw", "kW"))


class ResultsError(DispatchError):
    """A results folder cannot be read (missing or malformed files)."""

    exit_code = 2


class Result:
    """The results of one run: summary, hourly table, case inputs, tables and plots.

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
    def from_output(cls, output: RunOutput) -> Result:
        """Wrap a :class:`dispatch.runner.RunOutput` (a run in this session)."""
        return cls(
            summary=output.summary,
            timeseries=output.timeseries,
            inputs=inputs_table(output.data),
            case=output.data.case.model_dump(mode="json"),
            data=output.data,
            bill_monthly=getattr(output, "bill_monthly", None),
        )

    @classmethod
    def load(cls, folder: str | Path, case: str | Path | CaseData | None = None) -> Result:
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
        try:
            summary = json.loads(summary_path.read_text("utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ResultsError(f"{summary_path}: cannot read JSON: {exc}") from None
        timeseries = _read_csv(ts_path)
        inputs = _read_csv(folder / INPUTS) if (folder / INPUTS).exists() else None
        bill = None
        if (folder / BILL).exists():
            bill = pd.read_csv(folder / BILL, index_col=0).astype(float)
        case_dict = None
        if (folder / CASE_FILE).exists():
            try:
                case_dict = yaml.safe_load((folder / CASE_FILE).read_text("utf-8"))
            except yaml.YAMLError as exc:
                raise ResultsError(f"{folder / CASE_FILE}: cannot read YAML: {exc}") from None
        data = None
        if case is not None:
            from dispatch.case.loader import CaseData, load_case

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
        for scenario, block in (("park", self.summary.get("emissions", {})), ("baseline", None)):
            if scenario == "baseline":
                block = self.baseline or {}
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

    @cached_property
    def baseline(self) -> dict[str, Any] | None:
        """Cost and emissions of the same park with no new equipment (or ``None``).

        See :func:`dispatch.results.baseline.baseline`.
        """
        return baseline(self.summary, self.timeseries, self.inputs, self.case)

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

    # -- figures and display ----------------------------------------------------------
    @cached_property
    def plot(self) -> Plots:
        """Plotly figures of this result: ``result.plot.dispatch()``, ``.sankey()``..."""
        from dispatch.report.figures import Plots

        return Plots(self)

    def _repr_html_(self) -> str:
        from dispatch.report.html import summary_card

        return summary_card(self)

    def __repr__(self) -> str:
        where = f", folder={str(self.folder)!r}" if self.folder else ""
        return (
            f"Result({self.name!r}, {self.summary.get('status', '?')}, "
            f"cost {self.total_cost_per_year:,.0f} {self.currency}/yr, "
            f"{self.hours_modelled} h{where})"
        )

    def report_html(self) -> str:
        """Return the self-contained HTML report (see :mod:`dispatch.report.html`)."""
        from dispatch.report.html import render_report

        return render_report(self)

    # -- writing ------------------------------------------------------------------------
    def write(self, out: str | Path) -> Path:
        """Write the results folder atomically: summary, tables, case, inputs, report."""
        bill = self.bill_monthly
        bill = bill if bill is not None and len(bill) else None
        folder = write_results(
            Path(out), self.summary, self.timeseries, extra=self.write_extras, bill_monthly=bill
        )
        self.folder = folder
        return folder

    def write_extras(self, folder: Path) -> None:
        """Write ``case.yaml``, ``inputs.csv`` and ``report.html`` into ``folder``.

        The ``extra`` callback of :func:`dispatch.results.write.write_results`.
        """
        if self.inputs is not None:
            ins = self.inputs.copy()
            ins["timestamp"] = pd.to_datetime(ins["timestamp"]).dt.strftime("%Y-%m-%d %H:%M")
            ins.to_csv(folder / INPUTS, index=False, float_format="%.10g")
        if self.case is not None:
            names = set(self.inputs.columns) if self.inputs is not None else set()
            source = self.data.file if self.data is not None else None
            write_case(folder / CASE_FILE, self.case, names, source)
        (folder / REPORT).write_text(self.report_html(), "utf-8")

    def write_report(self, path: str | Path | None = None) -> Path:
        """(Re)write ``report.html`` atomically; next to ``summary.json`` by default."""
        if path is None:
            if self.folder is None:
                raise ValueError("this result has no folder; give the report path")
            path = self.folder / REPORT
        path = Path(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(self.report_html())
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a report is to share
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path


def inputs_table(data: CaseData) -> pd.DataFrame:
    """Return a case's hourly inputs as a table: ``timestamp`` plus one column per profile."""
    frame = pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in data.series.items()})
    frame.insert(0, "timestamp", hours(data.case.year))
    return frame


def write_case(
    path: Path, case: dict[str, Any], series: set[str], source_file: Path | None = None
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
    """
    from dispatch.case.loader import _PROFILES

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
    source = f" from {source_file}" if source_file is not None else ""
    header = (
        f"# The case as run{source}, every default filled in.\n"
        f"# Hourly profiles read from {INPUTS} in this folder; "
        "`dispatch run case.yaml` re-runs it.\n"
    )
    body = yaml.safe_dump(out, sort_keys=False, allow_unicode=True)
    path.write_text(header + body, "utf-8")


def _rule_label(name: str) -> str:
    rule = ledger.RULE_BY_NAME.get(name)
    return rule.label if rule is not None else name.replace("_", " ")


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise ResultsError(f"{path}: cannot read CSV: {exc}") from None
    if "timestamp" in frame:
        frame["timestamp"] = pd.to_datetime(frame["timestamp"], format="%Y-%m-%d %H:%M")
    return frame


__all__ = ["Result", "ResultsError", "inputs_table", "write_case"]
