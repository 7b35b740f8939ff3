"""The offline HTML report: self-contained, every figure, the case inputs; CLI; a browser."""

from __future__ import annotations

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
