"""Cash flow against the baseline: hand-checked NPV, IRR and payback; battery wear and cycles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dispatch.case.loader import load_case
from dispatch.model.horizon import Horizon
from dispatch.results.financials import COMPONENTS, irr, npv, payback
from dispatch.runner import solve_case
from tests.conftest import EXAMPLE, NO_RULES

PV_KW, AVAIL, PRICE, LOAD_KW = 100.0, 0.5, 0.6, 200.0
CAPEX_PER_KW, OM_PER_KW = 20_000.0, 20.0
HOURS = 48


def _solve(path, hours=HOURS, **overrides):
    data = load_case(path)
    if overrides:
        data = data.with_overrides(overrides)
    return solve_case(data, method="exact", horizon=Horizon.full_year(data.case.year, hours))


@pytest.fixture
def pv_only(make_case):
    """Fixed 100 kW PV at a flat 0.5 kW/kW, flat price 0.6, load 200 kW: all PV self-used."""
    return make_case(
        {
            "name": "pv-only",
            "year": 2025,
            "finance": {"discount_rate": 0.07, "analysis_years": 25},
            "load": {"electricity_kw": LOAD_KW},
            "technologies": {
                "pv": {
                    "availability": AVAIL,
                    "min_kw": PV_KW,
                    "max_kw": PV_KW,
                    "capex_per_kw": CAPEX_PER_KW,
                    "fixed_om_per_kw_year": OM_PER_KW,
                    "lifetime_years": 25,
                    "degradation_per_year": 0.0,
                    "inverter_replacement_year": None,
                }
            },
            "grid": {
                "import_price_per_kwh": PRICE,
                "export_price_per_kwh": 0.0,
                "charge_scheme": "none",
            },
            "rules": NO_RULES,
        }
    )


def _bisect_irr(capex: float, flows: list[float]) -> float:
    """IRR by bisection on -capex + sum_y flows[y-1] / (1 + r)^y (independent of the code)."""

    def f(r: float) -> float:
        return -capex + sum(c / (1 + r) ** (y + 1) for y, c in enumerate(flows))

    lo, hi = -0.5, 5.0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) > 0 else (lo, mid)
    return (lo + hi) / 2


def test_pv_only_by_hand(pv_only):
    fin = (out := _solve(pv_only)).summary["financials"]
    capex = PV_KW * CAPEX_PER_KW  # 2,000,000
    saving = PV_KW * AVAIL * 8760 * PRICE - PV_KW * OM_PER_KW  # 262,800 - 2,000 = 260,800
    r, n = 0.07, 25
    annuity = (1 - (1 + r) ** -n) / r
    assert fin["capex_upfront"] == pytest.approx(capex, rel=1e-9)
    assert fin["npv"] == pytest.approx(-capex + saving * annuity, rel=1e-6)
    assert fin["simple_payback_years"] == pytest.approx(capex / saving, rel=1e-6)
    assert fin["irr"] == pytest.approx(_bisect_irr(capex, [saving] * n), abs=1e-6)
    # discounted payback: the year y where saving * (1 - (1+r)^-y) / r reaches capex
    y = np.log(1 - capex * r / saving) / -np.log(1 + r)
    k = int(np.floor(y))
    gap = capex - saving * (1 - (1 + r) ** -k) / r
    assert fin["discounted_payback_years"] == pytest.approx(k + gap / (saving / (1 + r) ** (k + 1)))
    cf = out.cashflow
    assert list(cf["year"]) == list(range(n + 1))
    assert npv(cf["net_cashflow"].to_numpy(), r) == pytest.approx(fin["npv"], rel=1e-12)
    # life-cycle costs: the baseline buys 200 kW every hour; NPV is their difference
    lcc_base = LOAD_KW * 8760 * PRICE * annuity
    assert fin["lifecycle_cost_baseline"] == pytest.approx(lcc_base, rel=1e-6)
    assert fin["lifecycle_cost"] == pytest.approx(lcc_base - fin["npv"], rel=1e-9)
    lcoe = (capex + (PV_KW * OM_PER_KW + (LOAD_KW - PV_KW * AVAIL) * 8760 * PRICE) * annuity) / (
        LOAD_KW * 8760 * annuity
    )
    assert fin["lcoe_per_kwh"] == pytest.approx(lcoe, rel=1e-6)


def test_pv_with_degradation_escalation_tax_renewal_and_residual(pv_only):
    d, e, tax, dep_years, salvage, n, r = 0.005, 0.02, 0.25, 20, 0.05, 30, 0.07
    out = _solve(
        pv_only,
        **{
            "technologies.pv.degradation_per_year": d,
            "finance.electricity_price_escalation_per_year": e,
            "finance.income_tax_rate": tax,
            "finance.depreciation_years": dep_years,
            "finance.depreciation_salvage_fraction": salvage,
            "finance.analysis_years": n,
        },
    )
    fin, cf = out.summary["financials"], out.cashflow
    capex = PV_KW * CAPEX_PER_KW
    energy1 = PV_KW * AVAIL * 8760 * PRICE
    om = PV_KW * OM_PER_KW
    flows = [-capex]
    for y in range(1, n + 1):
        energy = energy1 * (1 - d) ** (y - 1) * (1 + e) ** (y - 1)
        dep = capex * (1 - salvage) / dep_years * (y <= dep_years)
        dep += capex * (1 - salvage) / dep_years * (25 < y <= 25 + dep_years)  # renewal, year 25
        flow = energy - om - tax * (energy - om - dep)
        if y == 25:
            flow -= capex  # the PV's lifetime ends: renewed at full cost
        if y == n:
            flow += capex * (25 + 25 - n) / 25  # the renewal's remaining life
        flows.append(flow)
    np.testing.assert_allclose(cf["net_cashflow"], flows, rtol=1e-9, atol=1e-6)
    expected = sum(c / (1 + r) ** y for y, c in enumerate(flows))
    assert fin["npv"] == pytest.approx(expected, rel=1e-9)
    energy = cf["energy_savings"].to_numpy()[1:]
    assert (np.diff(energy / (1 + e) ** np.arange(n)) < 0).all()  # degradation, in real terms
    assert npv(cf["net_cashflow"].to_numpy(), fin["irr"]) == pytest.approx(0, abs=1e-6 * capex)


def test_nothing_built_is_the_baseline(pv_only):
    fin = _solve(pv_only, **{"technologies.pv.min_kw": 0.0, "technologies.pv.max_kw": 0.0})
    fin = fin.summary["financials"]
    assert fin["npv"] == pytest.approx(0, abs=1e-6)
    assert fin["irr"] is None
    assert fin["capex_upfront"] == 0
    assert fin["lifecycle_cost"] == pytest.approx(fin["lifecycle_cost_baseline"])


def test_pure_functions():
    assert npv(np.array([-100.0, 110.0]), 0.1) == pytest.approx(0.0)
    assert irr(np.array([-100.0, 110.0])) == pytest.approx(0.1, abs=1e-12)
    assert irr(np.array([-100.0, 60.0, 60.0])) == pytest.approx(0.130662386, abs=1e-9)
    assert irr(np.array([100.0, 10.0])) is None  # no sign change
    assert irr(np.array([-100.0, -10.0])) is None
    assert payback(np.array([-100.0, 40.0, 40.0, 40.0])) == pytest.approx(2.5)
    assert payback(np.array([-100.0, 10.0, 10.0])) is None
    assert payback(np.array([0.0, 1.0])) == 0.0


SHIFT_PRICES = [0.1, 1.0, 0.6, 0.9]
"""Two spreads every four hours: 0.9 (0.1 -> 1.0) and 0.3 (0.6 -> 0.9)."""


@pytest.fixture
def shift_case(make_case):
    """A fixed lossless 100 kWh / 100 kW battery, load 100 kW, no export."""
    return make_case(
        {
            "name": "shift",
            "year": 2025,
            "load": {"electricity_kw": 100.0},
            "technologies": {
                "battery": {
                    "min_kwh": 100, "max_kwh": 100, "min_kw": 100, "max_kw": 100,
                    "charge_efficiency": 1.0, "discharge_efficiency": 1.0,
                    "soc_min_fraction": 0.0, "soc_max_fraction": 1.0,
                }
            },
            "grid": {
                "import_price_per_kwh": "@price", "export_allowed": False,
                "charge_scheme": "none",
            },
            "rules": NO_RULES,
        },
        profiles={"price": SHIFT_PRICES},
    )  # fmt: skip


def _discharge_kwh(out) -> float:
    return float(out.timeseries["battery_discharge_kw"].sum())


def test_wear_cost_lowers_throughput(shift_case):
    # spread 0.9 and 0.3: free wear runs both cycles, 0.5/kWh only the first, 1.0 neither
    through = [
        _discharge_kwh(_solve(shift_case, **{"technologies.battery.degradation_cost_per_kwh": c}))
        for c in (0.0, 0.5, 1.0)
    ]
    cycles = HOURS // len(SHIFT_PRICES)
    assert through[0] == pytest.approx(2 * 100 * cycles, rel=1e-6)
    assert through[1] == pytest.approx(100 * cycles, rel=1e-6)
    assert through[2] == pytest.approx(0, abs=1e-6)


def test_wear_cost_default_follows_cycle_life(shift_case):
    out = _solve(shift_case)
    battery = out.data.case.technologies.battery
    expected = 0.6 * 560 / (6000 * 0.9)  # replacement share x capex / (cycles x SoC window)
    assert battery.replacement_cost_fraction == 0.6 and battery.capex_per_kwh == 560
    assert battery.cycle_life_cycles == 6000
    # this battery's window is the whole capacity: 0.6 * 560 / 6000
    assert battery.wear_cost_per_kwh() == pytest.approx(0.6 * 560 / 6000)
    assert expected == pytest.approx(0.0622222, rel=1e-5)
    cost = out.summary["costs_per_year"]["battery_degradation"]
    assert cost == pytest.approx(battery.wear_cost_per_kwh() * _discharge_kwh(out) * 8760 / HOURS)


def test_cycle_cap_on_a_short_horizon(shift_case):
    # the cap is per year: 365 cycles a year leaves a 48-hour horizon 2 cycles of 100 kWh
    out = _solve(
        shift_case,
        **{
            "technologies.battery.degradation_cost_per_kwh": 0.0,
            "technologies.battery.max_cycles_per_year": 365,
        },
    )
    assert _discharge_kwh(out) == pytest.approx(365 * 100 * HOURS / 8760, rel=1e-6)


@pytest.mark.slow
def test_example_full_year_cash_flow(tmp_path):
    import json

    from typer.testing import CliRunner

    from dispatch.cli import app

    out = tmp_path / "example"
    args = ["run", "cases/example-park.yaml", "--out", str(out)]
    for key, value in (
        ("technologies.pv.degradation_per_year", "0.005"),
        ("technologies.battery.degradation_per_year", "0"),
        ("technologies.battery.max_cycles_per_year", "200"),
    ):
        args += ["--set", f"{key}={value}"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output

    summary = json.loads((out / "summary.json").read_text())
    fin = summary["financials"]
    cf = pd.read_csv(out / "cashflow.csv")
    assert list(cf.columns) == ["year", *COMPONENTS, "net_cashflow"]
    assert list(cf["year"]) == list(range(26))
    r = fin["assumptions"]["discount_rate"]
    recomputed = sum(row.net_cashflow / (1 + r) ** row.year for row in cf.itertuples())
    assert recomputed == pytest.approx(fin["npv"], rel=1e-12)
    assert fin["irr"] is not None
    at_irr = sum(row.net_cashflow / (1 + fin["irr"]) ** row.year for row in cf.itertuples())
    assert abs(at_irr) <= 1e-6 * fin["capex_upfront"]
    # the battery is renewed in year 12 at 60 % of its investment
    battery = [o for o in fin["outlays"] if o["item"] in ("battery_kwh", "battery_kw")]
    renewal = sum(o["cost"] for o in battery if o["kind"] == "replacement" and o["year"] == 12)
    initial = sum(o["cost"] for o in battery if o["kind"] == "capex")
    assert renewal == pytest.approx(0.6 * initial, rel=1e-12) and renewal > 0
    assert -cf.loc[12, "replacement"] >= renewal
    assert cf.loc[11, "replacement"] == 0 and cf.loc[13, "replacement"] == 0
    # 0.5 %/yr PV degradation: the energy savings fall every year
    assert (np.diff(cf["energy_savings"].to_numpy()[1:]) < 0).all()
    # the cycle cap holds over the full year
    ts = pd.read_csv(out / "timeseries.csv")
    kwh = summary["capacities"]["battery_kwh"]
    assert ts["battery_discharge_kw"].sum() <= 200 * kwh * (1 + 1e-6)
    assert ts["battery_discharge_kw"].sum() >= 0.99 * 200 * kwh  # it binds: ~240 cycles uncapped


STEP_AVAIL = [1.0, 0.5, 0.25, 0.0]
"""PV output per kW over four hours: each kW beyond 200 kW only adds the 0.25 hour."""


@pytest.fixture
def pv_sizing(make_case):
    """Free PV size, load 100 kW, no export value: the optimum is 100, 200 or 400 kW.

    A kW between 200 and 400 saves 0.25 / 4 * 8760 * 0.6 = 328.5 a year; it costs
    2,800 * CRF(7 %, 25) + 100 = 340.3 a year: the annualised optimum stops at 200 kW.
    """
    return make_case(
        {
            "name": "pv-sizing",
            "year": 2025,
            "finance": {"discount_rate": 0.07, "analysis_years": 25},
            "load": {"electricity_kw": 100.0},
            "technologies": {
                "pv": {
                    "availability": "@avail", "capex_per_kw": 2800, "fixed_om_per_kw_year": 100,
                    "lifetime_years": 25, "degradation_per_year": 0.0,
                    "inverter_replacement_year": None,
                }
            },
            "grid": {
                "import_price_per_kwh": 0.6, "export_price_per_kwh": 0.0,
                "charge_scheme": "none",
            },
            "rules": NO_RULES,
        },
        profiles={"avail": STEP_AVAIL},
    )  # fmt: skip


def test_npv_objective_is_the_annualized_one_without_escalation(pv_sizing):
    annualized = _solve(pv_sizing).summary
    npv_run = _solve(pv_sizing, **{"finance.objective": "npv"}).summary
    assert annualized["capacities"]["pv_kw"] == pytest.approx(200, rel=1e-6)
    assert npv_run["capacities"]["pv_kw"] == pytest.approx(200, rel=1e-6)
    assert npv_run["solve"]["solver_objective_per_year"] == pytest.approx(
        annualized["solve"]["solver_objective_per_year"], rel=1e-9
    )
    assert npv_run["financials"]["npv"] == pytest.approx(annualized["financials"]["npv"])


def test_npv_objective_maximises_the_cash_flow_npv(pv_sizing):
    # 3 %/yr dearer electricity: each kW beyond 200 kW now pays over the life; renewals of a
    # 20-year PV and inverters enter both the objective and the cash flow
    keys = {
        "finance.electricity_price_escalation_per_year": 0.03,
        "technologies.pv.lifetime_years": 20,
        "technologies.pv.inverter_replacement_year": 10,
    }
    annualized = _solve(pv_sizing, **keys).summary
    best = _solve(pv_sizing, **keys, **{"finance.objective": "npv"}).summary
    assert annualized["capacities"]["pv_kw"] == pytest.approx(200, rel=1e-6)
    assert best["capacities"]["pv_kw"] == pytest.approx(400, rel=1e-6)
    assert best["financials"]["npv"] > annualized["financials"]["npv"]
    # the objective is the life-cycle cost over the annuity factor
    r, n = 0.07, 25
    annuity = (1 - (1 + r) ** -n) / r
    fin = best["financials"]
    assert best["solve"]["solver_objective_per_year"] * annuity == pytest.approx(
        fin["lifecycle_cost_baseline"] - fin["npv"], rel=1e-6
    )


def test_every_size_the_objective_pays_for_is_invested_in_year_0():
    """A technology's annualised capex (objective) and its up-front capex (cash flow) agree.

    Built heat tanks and electric boilers were left out of the cash flow's investment,
    which overstated the NPV and IRR of any design that built them.
    """
    from dispatch.finance import crf
    from dispatch.model.technologies import REGISTRY, spec_of
    from dispatch.results.financials import outlays

    data = load_case(EXAMPLE).with_overrides(
        {"technologies.thermal_storage": {}, "technologies.electric_boiler": {}}
    )
    rate = data.case.finance.discount_rate
    added: dict[str, float] = {}
    expected = 0.0
    for cls in REGISTRY:
        spec = spec_of(data.case, cls.name)
        if spec is None:
            continue
        sizes = cls.sizes(spec)
        for key, costs in cls.unit_costs(spec, rate).items():
            annualised = costs.get("capex_annualized", 0.0)
            if annualised == 0.0:
                continue
            per_unit = annualised / crf(rate, spec.lifetime_years)  # what the objective pays
            added[key] = sizes[key].existing + 100.0
            expected += 100.0 * per_unit
    assert {"thermal_storage_kwh_th", "electric_boiler_kw_th"} <= set(added)
    year_0 = [o for o in outlays(added, data) if o["kind"] == "capex"]
    assert {o["item"] for o in year_0} == set(added)
    assert sum(o["cost"] for o in year_0) == pytest.approx(expected, rel=1e-12)
