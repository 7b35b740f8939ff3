"""Nothing lost: results appear whole or not at all, and earlier results survive failures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from dispatch import files
from dispatch import runner as runner_module
from dispatch.cli import app
from dispatch.errors import CaseError
from dispatch.results import write
from tests.conftest import NO_RULES

cli = CliRunner()
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def earlier(tmp_path: Path) -> Path:
    out = tmp_path / "results"
    summary = {"status": "optimal", "capacities": {"pv_kw": 1.0}}
    write.write_results(out, summary, pd.DataFrame({"a": [1]}))
    return out


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _siblings(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir())


@pytest.mark.parametrize("failure", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_failure_while_writing_keeps_the_earlier_folder(earlier: Path, failure) -> None:
    before = _snapshot(earlier)

    def extra(tmp: Path) -> None:
        (tmp / "report.html").write_text("half")
        raise failure

    with pytest.raises(type(failure)):
        write.write_results(earlier, {"status": "optimal"}, pd.DataFrame({"b": [2]}), extra)
    assert _snapshot(earlier) == before
    assert _siblings(earlier) == ["results"]  # no temporary folder left behind


def test_failure_during_the_swap_restores_the_earlier_folder(earlier, monkeypatch) -> None:
    before = _snapshot(earlier)
    real = os.replace
    calls = []

    def flaky(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:  # the new folder moving into place
            raise KeyboardInterrupt
        return real(src, dst)

    monkeypatch.setattr(write.os, "replace", flaky)
    with pytest.raises(KeyboardInterrupt):
        write.write_results(earlier, {"status": "optimal"}, pd.DataFrame({"b": [2]}))
    monkeypatch.undo()
    assert _snapshot(earlier) == before
    assert _siblings(earlier) == ["results"]


def test_success_replaces_the_whole_earlier_folder(earlier: Path) -> None:
    # README: a successful run replaces the previous results of the same folder
    (earlier / "report.html").write_text("old report")
    write.write_results(earlier, {"status": "optimal"}, pd.DataFrame({"b": [2]}))
    assert sorted(p.name for p in earlier.iterdir()) == [
        "capacities.csv",
        "summary.json",
        "timeseries.csv",
    ]
    assert pd.read_csv(earlier / "timeseries.csv").columns.tolist() == ["b"]
    assert _siblings(earlier) == ["results"]


def test_a_folder_of_other_files_is_never_replaced(tmp_path: Path) -> None:
    mine = tmp_path / "documents"
    mine.mkdir()
    (mine / "thesis.docx").write_text("years of work")
    with pytest.raises(CaseError) as err:
        write.write_results(mine, {"status": "optimal"}, pd.DataFrame({"b": [2]}))
    assert "not a results folder" in str(err.value)
    assert _snapshot(mine) == {"thesis.docx": b"years of work"}
    # a diagnosis goes beside such a folder
    where = write.write_diagnosis(mine, {"status": "infeasible"})
    assert where == tmp_path / "documents-infeasible"
    assert _snapshot(mine) == {"thesis.docx": b"years of work"}


def test_empty_folder_is_a_valid_target(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    write.write_results(empty, {"status": "optimal"}, pd.DataFrame({"b": [2]}))
    assert (empty / "summary.json").exists()


def _case(make_case) -> Path:
    return make_case(
        {
            "name": "tiny",
            "year": 2025,
            "load": {"electricity_kw": 100},
            "grid": {"import_price_per_kwh": 0.5},
            "rules": NO_RULES,
        }
    )


def _run(case: Path, out: Path, *more: str):
    return cli.invoke(app, ["run", str(case), "--out", str(out), "--hours", "24", *more])


def test_cli_success_replaces_earlier_results(make_case, earlier: Path) -> None:
    result = _run(_case(make_case), earlier)
    assert result.exit_code == 0, result.output
    summary = json.loads((earlier / "summary.json").read_text())
    assert summary["case"] == "tiny" and summary["status"] == "optimal"


def test_cli_refuses_a_file_or_a_foreign_folder_before_solving(make_case, tmp_path, monkeypatch):
    monkeypatch.setattr(runner_module, "build_model", lambda *a, **k: pytest.fail("solved"))
    target = tmp_path / "notes.txt"
    target.write_text("keep")
    result = _run(_case(make_case), target)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: {target}: --out: is a file; give a folder for the results"
    )
    assert target.read_text() == "keep"
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "a.jpg").write_text("x")
    result = _run(_case(make_case), folder)
    assert result.exit_code == 2 and "not a results folder" in result.stderr
    assert (folder / "a.jpg").read_text() == "x"


@pytest.mark.parametrize(
    ("failure", "code", "words"),
    [
        (KeyboardInterrupt(), 130, "interrupted: no results were written"),
        (RuntimeError("boom\nsecond line"), 1, "internal error: RuntimeError: boom second line"),
        (MemoryError(), 1, "internal error: MemoryError"),
    ],
)
def test_cli_interrupted_or_crashed_run_keeps_earlier_results(
    make_case, earlier, monkeypatch, failure, code, words
) -> None:
    before = _snapshot(earlier)

    def crash(*args, **kwargs):
        raise failure

    monkeypatch.setattr(runner_module, "solve", crash)
    result = _run(_case(make_case), earlier)
    assert result.exit_code == code
    assert words in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert _snapshot(earlier) == before
    assert _siblings(earlier) == ["case.yaml", "results"]
    debug = _run(_case(make_case), earlier, "--debug")
    assert "Traceback" in debug.stderr


def test_bad_method_is_a_usage_error(make_case, tmp_path: Path) -> None:
    result = _run(_case(make_case), tmp_path / "o", "--method", "magic")
    assert result.exit_code == 2
    assert "internal error" not in result.output
    assert "magic" in result.output and "exact" in result.output  # the choices are listed


def test_end_to_end_in_a_fresh_process(tmp_path: Path) -> None:
    bad = tmp_path / "case.yaml"
    bad.write_text("name: x\nyear: 2025\nload: {electricity_kw: 100}\ngrid: {import_price: 1}\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "dispatch", "validate", str(bad)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"error: {bad}: grid.import_price: unknown key; did you mean 'import_price_per_kwh'?",
    ]


def test_readme_states_the_rule_the_tests_check() -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    assert "a successful run replaces the\nprevious results of the same folder" in readme
    assert "`<folder>-infeasible/`" in readme


def test_unwritable_results_folder_is_one_line(make_case, tmp_path, monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "out"))

    monkeypatch.setattr(write.tempfile, "mkdtemp", refuse)
    result = _run(_case(make_case), tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {tmp_path / 'out'}: Permission denied"


def test_unreadable_case_and_profile(make_case, monkeypatch) -> None:
    from dispatch.case.loader import load_case

    path = make_case(
        {"name": "x", "year": 2025, "load": {"electricity_kw": "@load"},
         "grid": {"import_price_per_kwh": 0.5}},
        {"load": [1.0]},
    )  # fmt: skip
    real = os.open

    def guarded(name, *args, **kwargs) -> int:
        if Path(name).name == "load.csv":
            raise PermissionError(13, "Permission denied")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(files.os, "open", guarded)
    with pytest.raises(CaseError) as err:
        load_case(path)
    (problem,) = err.value.problems
    assert problem.key == "load.electricity_kw"
    assert problem.message.endswith("load.csv: permission denied")
