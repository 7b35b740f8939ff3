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
from dispatch.cli import invoke
args, watched = json.loads(sys.argv[1]), set(json.loads(sys.argv[2]))
code = invoke(args)
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


def _python(script: str) -> subprocess.CompletedProcess[str]:
    """Run a Python script in a fresh interpreter from the repository root."""
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=60
    )


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


def test_leaving_runs_exit_handlers_flushes_and_keeps_the_status(tmp_path):
    """The fast exit skips freeing objects, not what a normal exit promises."""
    script = (
        "import atexit, pathlib, sys\n"
        "from dispatch.cli import leave\n"
        f"mark = pathlib.Path({str(tmp_path / 'handler-ran')!r})\n"
        "atexit.register(mark.touch)\n"
        "sys.stdout.write('buffered out')\n"
        "sys.stderr.write('buffered err')\n"
        "leave(3)\n"
        "print('never')\n"
    )
    done = _python(script)
    assert done.returncode == 3
    assert done.stdout == "buffered out"
    assert done.stderr == "buffered err"
    assert (tmp_path / "handler-ran").exists()


def test_a_run_ends_with_its_status_and_every_line_printed(tmp_path):
    """``python -m dispatch run`` through the fast exit: status 0, summary and files there."""
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "dispatch", "run", str(EXAMPLE), "--hours", "24", "--out", str(out)],
        capture_output=True, text=True, cwd=REPO, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    printed = "".join(done.stdout.split())  # the console wraps long paths
    assert printed.endswith(f"report:{out / 'report.html'}")
    assert (out / "summary.json").exists() and (out / "report.html").exists()
    bad = subprocess.run(
        [sys.executable, "-m", "dispatch", "run", str(tmp_path / "missing.yaml")],
        capture_output=True, text=True, cwd=REPO, timeout=120,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "missing.yaml" in bad.stderr


def test_a_command_runs_without_the_cyclic_garbage_collector():
    """``main`` switches the collector off for the command (its objects live to the end)."""
    script = (
        "import gc, sys\n"
        "import dispatch.cli as cli\n"
        "cli.invoke = lambda: (sys.stdout.write(f'{gc.isenabled()}'), 0)[1]\n"
        "print(gc.isenabled(), end=' ')\n"
        "cli.main()\n"
    )
    done = _python(script)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "True False"


@pytest.mark.parametrize(
    ("command", "module", "function"),
    [
        (
            ["sweep", "--grid", "grid.export_price_per_kwh=0.2"],
            "dispatch.sweep.driver",
            "plan_sweep",
        ),
        (["frontier", "--points", "2"], "dispatch.api", "frontier"),
    ],
)
def test_long_commands_keep_the_collector_on(tmp_path, command, module, function):
    """``sweep`` (hours, no model here) and ``frontier`` (many solves) keep the collector on."""
    args = [command[0], str(EXAMPLE), *command[1:], "--out", str(tmp_path / "out")]
    script = (
        "import gc, importlib, sys\n"
        "def planned(*args, **kwargs):\n"
        "    print(gc.isenabled(), end='')\n"
        "    raise SystemExit(0)\n"
        f"setattr(importlib.import_module({module!r}), {function!r}, planned)\n"
        "import dispatch.cli as cli\n"
        f"sys.argv = ['dispatch', *{args!r}]\n"
        "cli.main()\n"
    )
    done = _python(script)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "True"
