"""What `dispatch compare` shows: whole numbers at any width, a styled page, sensible axes."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest
from typer.testing import CliRunner

from dispatch.cli import app
from dispatch.sweep.compare import against_parameter, write_compare
from dispatch.sweep.store import load_sweep
from tests.headless import find_chromium, open_page

PARAMS = [
    "technologies.battery.capex_per_kwh",
    "rules.self_use_min_of_consumption",
    "grid.import_price_per_kwh",
]


@pytest.fixture
def sweep(tmp_path):
    """A sweep folder as `dispatch sweep` writes it: 12 runs over three parameters."""
    rows = []
    for i, (capex, share, price) in enumerate(
        (c, s, p) for c in (400, 600, 800) for s in (0.3, 0.35) for p in (0.6, 0.7)
    ):
        rows.append(
            {
                "run_id": f"capex_per_kwh={capex}_self_use={share}_price={price}-{i:010x}",
                PARAMS[0]: capex,
                PARAMS[1]: share,
                PARAMS[2]: price,
                "status": "optimal",
                "objective_per_year": 14_942_626.695280658 + 1_234_567.25 * i,
                "pv_kw": 14000.0,  # the same in every run: the PV limit binds
                "wind_kw": 4000.7505611672277 + 10 * i,
                "battery_kwh": 35708.858073588366 - 900 * i,
                "battery_kw": 7585.925 - 80 * i,
                "heat_pump_kw_th": 2563.5 + 0.01 * i,
                "grid_connection_kw": 5652.25 - 70 * i,
                "rules_ok": True,
                "tco2_per_year": 7731.2 + i,
                "error": None,
            }
        )
    folder = tmp_path / "sweep"
    folder.mkdir()
    pd.DataFrame(rows).to_csv(folder / "sweep.csv", index=False)
    meta = {"parameters": PARAMS, "override_keys": PARAMS, "runs": [r["run_id"] for r in rows]}
    (folder / "sweep.json").write_text(json.dumps(meta), "utf-8")
    return folder


@pytest.mark.parametrize("width", [80, 100, 160])
def test_terminal_table_never_splits_a_number(sweep, width, monkeypatch):
    from dispatch import cli

    # the terminal's width (rich reads COLUMNS only when the console is made)
    monkeypatch.setattr(cli.out_console, "_width", width)
    done = CliRunner().invoke(app, ["compare", str(sweep)])
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert max(len(line) for line in lines) <= width
    table = [line for line in lines if line.startswith("│")]
    assert len(table) == 12  # one line per run: nothing wrapped
    table_text = "\n".join(table)
    for row in load_sweep(sweep).itertuples():  # every cost, whole, on its run's line
        assert f"{row.objective_per_year:,.0f}" in table_text
    if width < 160:
        assert "not shown at this width:" in done.stdout
    else:
        assert "not shown" not in done.stdout
        for size in ("14,000", "35,709", "5,652", "7,731"):
            assert size in table_text


def test_a_constant_size_gets_a_sensible_axis(sweep):
    from dispatch.sweep.compare import flat_range

    assert flat_range(pd.Series([14000.0, 14000.0, 14000.0])) == [13300.0, 14700.0]
    assert flat_range(pd.Series([0.0, 0.0])) == [0.0, 1.0]
    assert flat_range(pd.Series([4000.0, 4110.0])) is None
    table = load_sweep(sweep)
    fig = against_parameter(table, PARAMS[0], PARAMS)
    assert "pv_kw" in [a.text for a in fig.layout.annotations]  # subplot titles
    ranges = [fig.layout[k].range for k in fig.layout if k.startswith("yaxis")]
    assert [13300.0, 14700.0] in [list(r) for r in ranges if r is not None]


def test_compare_html_is_styled_and_fits_the_window(sweep):
    page = write_compare(sweep)
    text = page.read_text("utf-8")
    assert "<style>" in text and "table class='runs'" in text
    assert "14,942,627" in text and ">400<" in text and ">yes<" in text
    if find_chromium() is None:
        if os.environ.get("DISPATCH_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (DISPATCH_REQUIRE_BROWSER is set) but not found")
        pytest.skip("chromium not installed")
    for width in (1400, 1000):
        seen = open_page(
            page,
            width=width,
            expression="({page: document.documentElement.scrollWidth, view: window.innerWidth,"
            " cells: Array.from(document.querySelectorAll('table.runs td'))"
            ".filter(td => td.scrollWidth > td.clientWidth + 1).length})",
        )
        assert seen.errors == []
        assert seen.value["page"] <= seen.value["view"], seen.value  # nothing cut off
        assert seen.value["cells"] == 0
