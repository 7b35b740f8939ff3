"""What a command loads: help and checks never import the solver, the plots or the profile models.

Each check runs in a fresh interpreter, so what ``sys.modules`` holds is what the
command itself imported.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import EXAMPLE, REPO

HEAVY = ("pyomo", "highspy", "scipy", "sklearn", "tsam", "pvlib", "plotly")
"""Packages a command that solves nothing has no use for (each a tenth of a second or more)."""

PROBE = """
import json, sys
from dispatch.cli import main
args, watched = json.loads(sys.argv[1]), set(json.loads(sys.argv[2]))
sys.argv = ["dispatch", *args]
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
heavy = sorted({m.split(".")[0] for m in sys.modules} & watched)
print("\\nPROBE " + json.dumps({"code": code, "heavy": heavy}))
"""


def _loaded(*args: str) -> dict:
    """Run ``dispatch ARGS`` in a fresh interpreter; return its exit code and heavy imports."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(args)), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    line = [x for x in done.stdout.splitlines() if x.startswith("PROBE ")]
    assert line, done.stdout + done.stderr
    return json.loads(line[-1].removeprefix("PROBE "))


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        ["run", "--help"],
        ["validate", str(EXAMPLE)],
    ],
)
def test_help_and_validate_import_no_solver_plots_or_profile_models(args):
    seen = _loaded(*args)
    assert seen["code"] == 0
    assert seen["heavy"] == []


def test_validate_generates_missing_profiles_but_loads_no_solver_or_plots():
    """A location-only case: its profiles are made (pvlib), nothing is solved or drawn."""
    seen = _loaded("validate", str(REPO / "cases" / "ordos-industrial.yaml"))
    assert seen["code"] == 0
    assert "pvlib" in seen["heavy"]
    assert set(seen["heavy"]) <= {"pvlib", "scipy"}


def test_a_run_loads_the_solver_and_rewriting_its_report_does_not(tmp_path):
    """A run of one day loads the solver and the plots (the probe sees imports); its report
    is rewritten from the folder with the plots alone."""
    seen = _loaded("run", str(EXAMPLE), "--hours", "24", "--out", str(tmp_path / "r"))
    assert seen["code"] == 0
    assert {"pyomo", "highspy", "plotly"} <= set(seen["heavy"])
    seen = _loaded("report", str(tmp_path / "r"))
    assert seen["code"] == 0
    assert seen["heavy"] == ["plotly"]
