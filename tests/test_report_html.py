"""The offline HTML report: self-contained, every figure, the case inputs; CLI; a browser."""

from __future__ import annotations

import html
import json
import os
import re

import pytest
from typer.testing import CliRunner

import dispatch
from dispatch.cli import app
from dispatch.model.horizon import Horizon
from dispatch.results.result import CASE_FILE, INPUTS, REPORT
from tests.conftest import EXAMPLE, NO_RULES
from tests.headless import find_chromium, open_page

WEEK = 168
ALLOWED_SCHEMES = ("file:", "data:", "blob:", "about:")


@pytest.fixture(scope="module")
def week():
    return dispatch.run(EXAMPLE, horizon=Horizon.full_year(2030, WEEK))


@pytest.fixture(scope="module")
def report(week, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / REPORT
    path.write_text(week.report_html(), "utf-8")
    return path


def test_report_is_self_contained(report, week):
    text = report.read_text("utf-8")
    head, bundle_and_rest = text.split("<script type='text/javascript'>", 1)
    bundle, rest = bundle_and_rest.split("</script>", 1)
    assert "plotly.js" in bundle[:500] and len(bundle) > 1_000_000  # plotly.js embedded once
    page = head + rest  # everything but the bundle (which names its CDN in unused defaults)
    assert re.search(r"<script[^>]*\bsrc\s*=", page, re.I) is None
    assert re.search(r"<link[^>]*\bhref\s*=", page, re.I) is None
    assert re.search(r"@import|url\(\s*['\"]?https?:", page, re.I) is None
    assert re.search(r"https?://", page) is None
    assert "Plotly.newPlot" in page
    assert len(re.findall(r'<div id="fig-', page)) == len(week.plot.catalogue())


def test_report_holds_the_card_and_the_case_inputs(report):
    text = report.read_text("utf-8")
    assert "pd-card" in text
    assert "technologies.battery.capex_per_kwh" in text
    assert "import_price_per_kwh" in text  # the hourly inputs table
    assert "null (year default: 0.35)" in text  # the consumption rule the year applied
    # the card leads with the investment view: NPV, IRR, payback, then the annual cost
    card = text[text.index("<div class='pd-card'>") :]
    tiles = [card.index(k) for k in ("NPV vs baseline", "IRR", "Payback", "Annual cost")]
    assert tiles == sorted(tiles)
    assert "Cash flow over the project life" in text


def test_report_draws_every_figure_without_errors(report, week):
    """Open the report in headless Chromium: all figures drawn, no errors, no network."""
    if find_chromium() is None:
        if os.environ.get("DISPATCH_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (DISPATCH_REQUIRE_BROWSER is set) but not found")
        pytest.skip("chromium not installed")
    page = open_page(report)
    assert page.errors == []
    assert page.warnings == []
    remote = [u for u in page.requests if not u.startswith(ALLOWED_SCHEMES)]
    assert remote == []
    n = len(week.plot.catalogue())
    assert page.value["figures"] == n
    assert sorted(page.value["drawn"]) == sorted(f"fig-{k}" for k in week.plot.catalogue())


def test_cli_run_writes_the_report_and_report_rewrites_it(make_case, tmp_path):
    path = make_case(
        {
            "name": "cli",
            "year": 2025,
            "load": {"electricity_kw": "@load"},
            "technologies": {"pv": {"availability": "@pv", "max_kw": 100}},
            "grid": {"import_price_per_kwh": 0.6},
            "rules": NO_RULES,
        },
        profiles={"load": [80, 100, 120], "pv": [0.0, 0.5, 1.0, 0.2]},
    )
    out = tmp_path / "results"
    runner = CliRunner()
    done = runner.invoke(app, ["run", str(path), "--out", str(out), "--method", "exact"])
    assert done.exit_code == 0, done.output
    for name in (REPORT, CASE_FILE, INPUTS):
        assert (out / name).is_file(), name
    (out / REPORT).write_text("stale")
    again = runner.invoke(app, ["report", str(out)])
    assert again.exit_code == 0, again.output
    text = (out / REPORT).read_text("utf-8")
    assert text.startswith("<!DOCTYPE html>") and "cli" in text
    assert "Saving vs baseline" in text  # baseline from the folder's own inputs
    assert not list(out.glob(".report.html.*"))  # no temporary file left behind


def test_cli_report_of_a_missing_folder_is_one_line_exit_2(tmp_path):
    done = CliRunner().invoke(app, ["report", str(tmp_path / "missing")])
    assert done.exit_code == 2
    assert "does not exist" in done.output


@pytest.mark.slow
def test_full_year_report_draws_in_the_browser(tmp_path):
    """The real thing: the example park's full-year report, in headless Chromium."""
    if find_chromium() is None:
        if os.environ.get("DISPATCH_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (DISPATCH_REQUIRE_BROWSER is set) but not found")
        pytest.skip("chromium not installed")
    result = dispatch.run(EXAMPLE, out=tmp_path / "example")
    page = open_page(tmp_path / "example" / REPORT, timeout=180)
    assert page.errors == [] and page.warnings == []
    assert [u for u in page.requests if not u.startswith(ALLOWED_SCHEMES)] == []
    assert sorted(page.value["drawn"]) == sorted(f"fig-{k}" for k in result.plot.catalogue())


HOT_HEAT = {
    "name": "hot-heat",
    "year": 2025,
    "load": {"electricity_kw": "@load", "heat_kw_th": 50},
    "technologies": {
        "pv": {"availability": "@pv", "max_kw": 100},
        "heat_pump": {"cop": 3.0, "sink_temperature_c": 188},
        "boiler": {},
    },
    "grid": {"import_price_per_kwh": 0.6, "capacity_charge_per_kw_month": 20},
    "rules": NO_RULES,
}


def test_every_note_of_a_run_is_in_the_report(make_case, tmp_path):
    """Heat above heat-pump reach: the note of the terminal and summary.json is in the report."""
    path = make_case(HOT_HEAT, profiles={"load": [80, 100, 120], "pv": [0.0, 0.5, 1.0, 0.2]})
    out = tmp_path / "results"
    done = CliRunner().invoke(
        app, ["run", str(path), "--out", str(out), "--method", "exact", "--hours", "48"]
    )
    assert done.exit_code == 0, done.output
    notes = json.loads((out / "summary.json").read_text("utf-8"))["notes"]
    assert any("heat-pump reach" in n for n in notes), notes
    text = (out / REPORT).read_text("utf-8")
    notes_html = text.split("id='notes'>", 1)[1].split("</section>", 1)[0]
    assert "Notes and warnings" in notes_html
    card = dispatch.load_results(out)._repr_html_()  # the Jupyter card
    for note in notes:
        assert html.escape(note, quote=True) in notes_html, note
        assert " ".join(note.split()) in " ".join(done.output.split())  # and in the terminal
        assert html.escape(note, quote=True) in card


def _solve_section(text: str) -> str:
    return text.split("<h3>Solve</h3>", 1)[1].split("</table>", 1)[0]


RAW_PYTHON = re.compile(r">\s*(None|True|False|\[\]|nan)\s*<|\d\.\d{7,}|\d{5,}\.0<")


def test_solve_section_and_parameters_are_written_for_people(report):
    text = report.read_text("utf-8")
    solve = _solve_section(text)
    assert "Total time" in solve and " s<" in solve
    assert RAW_PYTHON.search(solve) is None, RAW_PYTHON.search(solve)
    assert "warnings" not in solve  # an empty list is left out
    params = text.split("<h3>Case parameters", 1)[1].split("</table>", 1)[0]
    assert RAW_PYTHON.search(params) is None, RAW_PYTHON.search(params)
    assert ">yes<" in params  # grid.export_allowed: true
    assert "<td>year</td><td>2030</td>" in params  # a year is a label, not a quantity


def test_values_for_people():
    from dispatch.report.text import human, solve_rows

    assert human(None) == "—" and human(True) == "yes" and human(False) == "no"
    assert human(14000.0) == "14,000" and human(3192.5609999999997) == "3,193"
    assert human(0.005) == "0.005" and human(17364206.46) == "17,364,206"
    assert human(12) == "12" and human([]) == "—" and human(-1e-12) == "0"
    rows = dict(solve_rows({"seconds": 3.21, "mip_gap": 0.0183, "warnings": [], "x": None}))
    assert rows == {"Total time": "3.21 s", "MIP gap reached": "1.83%"}


def test_report_in_the_browser_shows_notes_and_no_raw_python(week, tmp_path):
    """What a reader sees: the notes section, a solve table without Python literals."""
    if find_chromium() is None:
        if os.environ.get("DISPATCH_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (DISPATCH_REQUIRE_BROWSER is set) but not found")
        pytest.skip("chromium not installed")
    summary = dict(week.summary, notes=["a note for the reader"])
    from dispatch.api import Result

    shown = Result(summary, week.timeseries, week.inputs, week.case, data=week.data)
    path = tmp_path / REPORT
    path.write_text(shown.report_html(), "utf-8")
    page = open_page(
        path,
        expression="({notes: document.querySelector('#notes').innerText,"
        " solve: document.querySelector('#solve').innerText,"
        " wide: document.documentElement.scrollWidth > window.innerWidth})",
    )
    assert page.errors == []
    assert "a note for the reader" in page.value["notes"]
    solve = page.value["solve"]
    assert re.search(r"\b(None|True|False|nan)\b|\[\]|\d\.\d{7,}", solve) is None, solve
    assert not page.value["wide"]
