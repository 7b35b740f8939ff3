"""Figures: titles, units and legends; their numbers against the results tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

import dispatch
from dispatch.model.horizon import Horizon
from dispatch.report import figures
from tests.conftest import EXAMPLE

WEEK = 168


@pytest.fixture(scope="module")
def week():
    return dispatch.run(EXAMPLE, horizon=Horizon.full_year(2030, WEEK))


@pytest.fixture(scope="module")
def all_figures(week):
    return week.plot.all()


def test_every_figure_has_title_units_and_named_legend(all_figures):
    assert list(all_figures) == list(
        [
            "dispatch",
            "soc",
            "monthly_balance",
            "duration_curves",
            "sankey",
            "costs",
            "cashflow",
            "rules",
            "curtailment_heatmap",
            "import_heatmap",
        ]
    )
    for name, fig in all_figures.items():
        assert isinstance(fig, go.Figure), name
        assert fig.layout.title.text, name
        if name == "sankey":
            assert "[MWh/yr]" in fig.layout.title.text
            continue
        axis_titles = [fig.layout.xaxis.title.text or "", fig.layout.yaxis.title.text or ""]
        assert any("[" in t and "]" in t for t in axis_titles), (name, axis_titles)
        for trace in fig.data:
            if trace.showlegend is not False and trace.type not in ("heatmap",):
                assert trace.name, (name, trace.type)


def test_dispatch_stacks_balance_every_hour(week):
    sources, uses = figures.balance_columns(week.timeseries)
    np.testing.assert_allclose(
        np.sum(list(sources.values()), axis=0), np.sum(list(uses.values()), axis=0), atol=1e-3
    )
    fig = week.plot.dispatch()
    sources_traces = [t for t in fig.data if t.stackgroup == "sources"]
    up = sum(np.asarray(t.y) for t in sources_traces if "curtailed" not in t.name)
    down = sum(np.asarray(t.y) for t in fig.data if t.stackgroup == "uses")
    np.testing.assert_allclose(up, -down, atol=1e-5 * np.abs(up).max())  # float32 traces


def test_dispatch_window_is_the_chosen_day(week):
    fig = week.plot.dispatch(start="2030-01-03", days=1)
    first, last = (pd.Timestamp(x) for x in fig.layout.xaxis.range)
    assert (first, last) == (pd.Timestamp("2030-01-03"), pd.Timestamp("2030-01-04"))
    assert fig.layout.xaxis.rangeslider.visible
    trace = fig.data[0]  # the slider spans the whole run: hourly steps from its first hour
    assert len(trace.y) == WEEK
    assert pd.Timestamp(trace.x0) == week.timeseries["timestamp"].iloc[0]
    assert trace.dx == 3_600_000


def test_sankey_flows_match_the_summary_energy(week):
    flows = figures.energy_flows(week.timeseries)
    e = week.summary["energy_mwh"]

    def out_of(node):
        return flows.loc[flows["source"] == node, "energy_mwh"].sum()

    def into(node):
        return flows.loc[flows["target"] == node, "energy_mwh"].sum()

    assert out_of("PV") == pytest.approx(e["pv_available"], rel=1e-6)
    assert out_of("wind") == pytest.approx(e["wind_available"], rel=1e-6)
    assert out_of("grid import") == pytest.approx(e["imported"], rel=1e-6, abs=1e-6)
    assert into("electric load") == pytest.approx(e["load"], rel=1e-6)
    assert into("grid export") == pytest.approx(e["exported"], rel=1e-6, abs=1e-6)
    assert into("curtailment") == pytest.approx(e["curtailed"], rel=1e-6, abs=1e-6)
    assert into("battery") - out_of("battery") == pytest.approx(0, abs=1e-3)
    assert into("heat load") == pytest.approx(e["heat"], rel=1e-6)
    hp_in_electric = flows.loc[
        (flows["target"] == "heat pump") & (flows["carrier"] == "electricity"), "energy_mwh"
    ].sum()
    assert hp_in_electric == pytest.approx(e["heat_pump_electricity"], rel=1e-6)


def test_monthly_balance_and_heatmap_sum_the_hours(week):
    ts = week.timeseries
    monthly = week.plot.monthly_balance()
    imports = next(t for t in monthly.data if t.name == "grid import")
    assert sum(imports.y) == pytest.approx(ts["import_kw"].sum() / 1000)
    heat = week.plot.heatmap("import_kw")
    z = np.asarray(heat.data[0].z, dtype=float)
    assert z.shape == (24, WEEK // 24)
    assert np.nansum(z) == pytest.approx(ts["import_kw"].sum() / 1000)


def test_costs_figure_shows_saving_or_says_baseline_unknown(week):
    fig = week.plot.costs()
    saving = week.saving_per_year / 1e6
    assert f"{abs(saving):,.2f} M CNY/yr" in fig.layout.title.text
    totals = next(t for t in fig.data if t.name.startswith("total"))
    assert totals.y[1] == pytest.approx(week.total_cost_per_year / 1e6)
    alone = figures.costs_figure(week.costs, None, "CNY")
    assert "baseline unknown" in alone.layout.title.text


def test_figures_without_a_battery_or_rules_say_so(week):
    caps = week.capacities.assign(value=0.0)
    assert "no battery" in figures.soc_figure(week.timeseries, caps).layout.annotations[0].text
    empty_rules = week.rules.iloc[0:0]
    assert "no rules" in figures.rules_figure(empty_rules).layout.annotations[0].text


def test_rules_figure_marks_a_failed_rule_red(week):
    rules = week.rules.copy()
    rules.loc[0, ["value_fraction", "ok"]] = [0.1, False]
    fig = figures.rules_figure(rules)
    colors = fig.data[0].marker.color
    assert colors[0] == figures.COLORS["fail"]
    assert "NOT met" in fig.layout.annotations[0].text


def test_cashflow_figure_shows_the_cash_flow_and_payback(week):
    fig = week.plot.cashflow()
    cf = week.cashflow
    line = next(t for t in fig.data if t.type == "scatter")
    np.testing.assert_allclose(line.y, np.cumsum(cf["net_cashflow"]) / 1e6, rtol=1e-12)
    bars = [t for t in fig.data if t.type == "bar"]
    np.testing.assert_allclose(
        np.sum([t.y for t in bars], axis=0), cf["net_cashflow"] / 1e6, rtol=1e-9, atol=1e-9
    )
    payback = week.financials["simple_payback_years"]
    assert payback is not None
    assert [s.x0 for s in fig.layout.shapes] == [payback]
    assert "NPV" in fig.layout.title.text


def test_figures_carry_the_white_template_as_setting_it_by_name_does(all_figures):
    """The template is set without validating it again: the figure stays the same figure."""
    import json

    by_name = go.Figure(layout={"template": figures.TEMPLATE}).layout.template
    assert by_name.to_plotly_json() != go.Figure().layout.template.to_plotly_json()
    for name, fig in all_figures.items():
        assert isinstance(fig, go.Figure)
        reference = go.Figure(fig)  # every property validated again
        reference.update_layout(template=figures.TEMPLATE)
        assert json.loads(fig.to_json()) == json.loads(reference.to_json()), name
        assert fig.layout.template.to_plotly_json() == by_name.to_plotly_json(), name


def test_figures_read_timestamps_given_as_text_or_as_stamps(week):
    """A results table read back from CSV (text stamps) draws the same hours."""
    ts = week.timeseries
    text = ts.assign(timestamp=ts["timestamp"].dt.strftime("%Y-%m-%d %H:%M"))
    assert figures._stamps(ts).equals(figures._stamps(text))
    assert figures.dispatch_figure(ts).to_json() == figures.dispatch_figure(text).to_json()
