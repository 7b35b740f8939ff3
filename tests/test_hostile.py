"""Hostile and careless input: the tool never touches what is not its own, never hangs,
never orphans a process, and answers bad input with one line and exit status 2.

Each test names the item of docs/safety.md it checks. Solves use a day's horizon.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil
import pytest
import yaml
from typer.testing import CliRunner

from dispatch import load_results
from dispatch import runner as runner_module
from dispatch.cli import app
from dispatch.errors import DispatchError
from dispatch.files import MIB, slug
from dispatch.results import write
from dispatch.sweep.driver import plan_sweep, run_sweep
from dispatch.sweep.executor import Executor
from dispatch.sweep.store import KIND
from dispatch.sweep.worker import RunResult, RunTask
from tests.conftest import NO_RULES
from tests.sweep_cases import PV_CAPEX, pv_battery_case, pv_case

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
runner = CliRunner()
TINY = {
    "name": "tiny",
    "year": 2025,
    "load": {"electricity_kw": 100},
    "grid": {"import_price_per_kwh": 0.5},
    "rules": NO_RULES,
}


def cli(*args: Any) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def one_error(result: Any, *fragments: str) -> str:
    """Assert exit 2 and a single error line holding every fragment; return the line."""
    assert result.exit_code == 2, result.output
    errors = lines(result.stderr)
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("error: ") and "internal error" not in errors[0]
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    return errors[0]


def write_case(folder: Path, case: dict[str, Any], name: str = "case.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(case, sort_keys=False), "utf-8")
    return path


def with_profile(folder: Path, profile: str) -> Path:
    """The tiny case with a PV availability read from ``profile``."""
    case = {**TINY, "technologies": {"pv": {"availability": profile, "max_kw": 50}}}
    return write_case(folder, case)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture
def deadline() -> Iterator[None]:
    """Fail a test that blocks (a FIFO read) instead of hanging the suite."""

    def expire(signum: int, frame: Any) -> None:
        raise TimeoutError("blocked for 20 s: the tool waited on a special file")

    before = signal.signal(signal.SIGALRM, expire)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, before)


@pytest.fixture
def no_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail a test that reaches the solver: its input must be refused before."""
    monkeypatch.setattr(runner_module, "build_model", lambda *a, **k: pytest.fail("solved"))


# -- 1. a case name is not a path ---------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../escaped", "escaped"),
        ("/abs/path", "abs-path"),
        ("..", "case"),
        ("", "case"),
        (".hidden", "hidden"),
        ("a\nerror: fake\x1b[31m", "a-error-fake-31m"),
        ("园区 A/B", "园区-A-B"),
    ],
)
def test_slug_of_a_case_name(name: str, expected: str) -> None:
    assert slug(name) == expected
    assert "/" not in slug(name) and not slug(name).startswith(".")


def test_slug_of_a_very_long_name_is_short() -> None:
    assert len(slug("x" * 5000)) <= 80


@pytest.mark.parametrize("name", ["../../escaped", "/abs/path", "..", "y" * 400])
def test_default_results_folder_stays_under_results(name, tmp_path, monkeypatch) -> None:
    work = tmp_path / "work" / "deep"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    case = write_case(work, {**TINY, "name": name})
    result = cli("run", case, "--hours", "24")
    assert result.exit_code == 0, result.output
    made = list((work / "results").iterdir())
    assert [p.name for p in made] == [f"{slug(name)}--24h"]
    assert sorted(p.name for p in work.iterdir()) == ["case.yaml", "results"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == ["deep"]


def test_a_name_cannot_fake_an_error_line(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    case = write_case(tmp_path, {**TINY, "name": "ok\nerror: fake\r\x1b[2K"})
    for args in (["validate", case], ["run", case, "--hours", "24"]):
        result = cli(*args)
        assert result.exit_code == 0, result.output
        everything = result.stdout.splitlines() + result.stderr.splitlines()
        assert not any(line.startswith("error: fake") for line in everything)
        assert "\x1b" not in result.stdout and "\r" not in result.stdout


# -- 2. a sweep never touches a folder that is not a sweep's ----------------------------------
def test_sweep_refuses_a_folder_of_other_files(make_case, tmp_path, no_solve) -> None:
    case = pv_case(make_case)
    mine = tmp_path / "mine"
    (mine / "runs" / ".backup.old-2024").mkdir(parents=True)
    (mine / "runs" / ".backup.old-2024" / "keep.txt").write_text("old work")
    (mine / "sweep.csv").write_text("my,own,table\n")
    (mine / ".draft.tmp-v2").write_text("draft")
    before = snapshot(mine)
    result = cli("sweep", case, "--out", mine, "--grid", f"{PV_CAPEX}=100,200", "--hours", "2")
    one_error(result, str(mine), "--out", "not a sweep folder")
    assert snapshot(mine) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["mine", "case.yaml", "pv.csv"])


def test_sweep_folder_is_marked_and_keeps_files_it_did_not_make(make_case, tmp_path) -> None:
    out = tmp_path / "sweep"
    _sweep(make_case, out)
    assert json.loads((out / "sweep.json").read_text())["kind"] == KIND
    (out / "runs" / ".backup.old-2024").mkdir()
    (out / "runs" / ".backup.old-2024" / "keep.txt").write_text("keep")
    (out / ".draft.tmp-v2").write_text("draft")
    (out / "runs" / ".x.tmp-v2").write_text("mine too")
    leftover = out / "runs" / ".max_kw=1.tmp-abcd_123"  # this tool's own naming
    leftover.mkdir()
    again = _sweep(make_case, out, force=True)
    assert again.ran == 2
    assert (out / "runs" / ".backup.old-2024" / "keep.txt").read_text() == "keep"
    assert (out / ".draft.tmp-v2").read_text() == "draft"
    assert (out / "runs" / ".x.tmp-v2").read_text() == "mine too"
    assert not leftover.exists()
    assert not list(tmp_path.glob(".*"))  # no lock file left beside the folder


# -- 3. profiles never overwrites a case input, and writes atomically ------------------------
def test_profiles_never_overwrites_an_input_of_the_case(tmp_path, no_solve) -> None:
    folder = tmp_path / "case"
    folder.mkdir()
    pd.DataFrame({"value": np.resize([0.0, 0.8], 8760)}).to_csv(folder / "profiles.csv")
    case = with_profile(folder, "profiles.csv")
    before = snapshot(folder)
    result = cli("profiles", case, "--out", folder)
    one_error(result, "--out", "is an input of the case")
    assert snapshot(folder) == before
    elsewhere = cli("profiles", case, "--out", tmp_path / "out")
    assert elsewhere.exit_code == 0, elsewhere.output
    assert (tmp_path / "out" / "profiles.csv").is_file()


def test_profiles_write_is_atomic(tmp_path, monkeypatch) -> None:
    case = with_profile(tmp_path, "pv.csv")
    pd.DataFrame({"value": np.resize([0.0, 0.8], 8760)}).to_csv(tmp_path / "pv.csv", index=False)
    out = tmp_path / "out"
    out.mkdir()
    (out / "profiles.csv").write_text("earlier profiles")

    def half(self: pd.DataFrame, path: Any, *args: Any, **kwargs: Any) -> None:
        Path(path).write_text("timestamp,load\n2025-01-01")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", half)
    result = cli("profiles", case, "--out", out)
    assert result.exit_code != 0
    assert (out / "profiles.csv").read_text() == "earlier profiles"
    assert sorted(p.name for p in out.iterdir()) == ["profiles.csv"]


# -- 4. crash-safe replacement of a results folder ----------------------------------------------
KILL_BETWEEN_RENAMES = """
import os, signal, sys
import pandas as pd
from dispatch.results import write
real, calls = os.replace, []
def replace(src, dst):
    calls.append(src)
    if len(calls) == 2:  # the old folder is aside, the new one not yet in place
        os.kill(os.getpid(), signal.SIGKILL)
    return real(src, dst)
os.replace = replace
write.write_results(sys.argv[1], {"status": "optimal", "case": "new"}, pd.DataFrame({"b": [2]}))
"""


def _earlier(tmp_path: Path) -> Path:
    out = tmp_path / "results"
    write.write_results(out, {"status": "optimal", "case": "old"}, pd.DataFrame({"a": [1]}))
    return out


def _killed_mid_swap(out: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", KILL_BETWEEN_RENAMES, str(out)], env=ENV, timeout=120
    )
    assert done.returncode == -signal.SIGKILL
    assert not out.exists()  # the crash this test is about
    assert list(out.parent.glob(".results.old-*")) and list(out.parent.glob(".results.tmp-*"))


def test_a_swap_killed_between_renames_is_undone_on_the_next_run(tmp_path) -> None:
    out = _earlier(tmp_path)
    _killed_mid_swap(out)
    with write.folder_lock(out):  # what every writer of the folder does first
        pass
    assert json.loads((out / "summary.json").read_text())["case"] == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


def test_next_run_after_a_killed_swap_writes_cleanly(tmp_path) -> None:
    out = _earlier(tmp_path)
    _killed_mid_swap(out)
    write.write_results(out, {"status": "optimal", "case": "next"}, pd.DataFrame({"c": [3]}))
    assert json.loads((out / "summary.json").read_text())["case"] == "next"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


def test_stale_temporary_folders_are_removed_and_others_kept(tmp_path) -> None:
    out = _earlier(tmp_path)
    stale = tmp_path / ".results.tmp-k1ll3d_x"
    stale.mkdir()
    (stale / "summary.json").write_text("{}")
    theirs = tmp_path / ".results.tmp-v2"  # not this tool's naming
    theirs.mkdir()
    write.write_results(out, {"status": "optimal"}, pd.DataFrame({"b": [2]}))
    assert not stale.exists() and theirs.is_dir()


def test_a_second_run_on_a_locked_folder_is_refused(tmp_path) -> None:
    case = write_case(tmp_path, TINY)
    out = tmp_path / "out"
    with write.folder_lock(out):
        done = subprocess.run(
            [sys.executable, "-m", "dispatch", "run", str(case), "--out", str(out)],
            capture_output=True,
            text=True,
            env=ENV,
            timeout=120,
        )
    assert done.returncode == 2, done.stderr
    assert lines(done.stderr) == [
        f"error: {out}: --out: another dispatch process (pid {os.getpid()}) is writing this "
        "folder; wait for it to finish or choose another folder"
    ]
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.yaml"]  # lock file removed


# -- 5. output paths checked before solving ---------------------------------------------------
@pytest.mark.parametrize("where", ["under-a-file", "dev-null", "long-name", "under-dev-null"])
def test_bad_output_location_is_refused_before_solving(where, tmp_path, no_solve) -> None:
    case = write_case(tmp_path, TINY)
    (tmp_path / "notes.txt").write_text("keep")
    out = {
        "under-a-file": tmp_path / "notes.txt" / "out",
        "dev-null": Path("/dev/null"),
        "long-name": tmp_path / ("n" * 250),
        "under-dev-null": Path("/dev/null/out"),
    }[where]
    one_error(cli("run", case, "--out", out), str(out), "--out")
    assert (tmp_path / "notes.txt").read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.yaml", "notes.txt"]


def test_profiles_and_sweep_outputs_under_a_file_are_refused(make_case, tmp_path) -> None:
    case = pv_case(make_case)
    (tmp_path / "notes.txt").write_text("keep")
    out = tmp_path / "notes.txt" / "out"
    one_error(cli("profiles", case, "--out", out), str(out), "--out")
    result = cli("sweep", case, "--out", out, "--grid", f"{PV_CAPEX}=1,2", "--hours", "2")
    one_error(result, str(out), "--out")
    assert (tmp_path / "notes.txt").read_text() == "keep"


def test_a_failing_write_names_the_folder_not_a_temporary_one(tmp_path) -> None:
    def full(tmp: Path) -> None:
        raise OSError(28, "No space left on device", str(tmp / "report.html"))

    out = tmp_path / "out"
    with pytest.raises(OSError) as err:
        write.write_results(out, {"status": "optimal"}, pd.DataFrame({"a": [1]}), extra=full)
    assert err.value.filename == str(out)
    assert list(tmp_path.iterdir()) == []


# -- 7. special and endless files ---------------------------------------------------------------
def test_fifo_as_case_profile_weather_or_scenarios_is_refused(tmp_path, deadline) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    one_error(cli("validate", fifo), "FIFO", "not a regular file")
    one_error(cli("validate", with_profile(tmp_path, "pipe")), "pipe", "FIFO")
    weather = {
        **TINY,
        "location": {"latitude": 30.0, "longitude": 120.0},
        "weather": {"file": "pipe"},
        "technologies": {"pv": {"max_kw": 50}},
    }
    one_error(cli("validate", write_case(tmp_path, weather, "w.yaml")), "weather.file", "FIFO")
    case = write_case(tmp_path, TINY, "plain.yaml")
    one_error(cli("run", case, "--scenarios", fifo, "--scenario", "x"), "FIFO")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_endless_devices_are_refused(device, tmp_path, deadline) -> None:
    one_error(cli("validate", device), device, "device")
    one_error(cli("validate", with_profile(tmp_path, device)), device, "device")
    weather = {
        **TINY,
        "location": {"latitude": 30.0, "longitude": 120.0},
        "weather": {"file": device},
        "technologies": {"pv": {"max_kw": 50}},
    }
    one_error(cli("validate", write_case(tmp_path, weather, "w.yaml")), device, "device")


def test_an_oversized_file_is_refused_with_the_cap(tmp_path) -> None:
    big = tmp_path / "huge.csv"
    with big.open("wb") as fh:  # sparse: no disk used
        fh.truncate(400 * MIB)
    one_error(cli("validate", with_profile(tmp_path, "huge.csv")), "larger than 64 MiB")
    huge_case = tmp_path / "huge.yaml"
    with huge_case.open("wb") as fh:
        fh.truncate(100 * MIB)
    one_error(cli("validate", huge_case), "larger than 8 MiB")


def test_special_files_in_a_results_folder_are_refused(tmp_path, deadline) -> None:
    case = write_case(tmp_path, TINY)
    out = tmp_path / "out"
    assert cli("run", case, "--out", out, "--hours", "24").exit_code == 0
    (out / "timeseries.csv").unlink()
    os.mkfifo(out / "timeseries.csv")
    one_error(cli("report", out), "timeseries.csv", "FIFO")


# -- 8. killing a sweep ends its workers ----------------------------------------------------
def _workers(pid: int) -> list[psutil.Process]:
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    return [c for c in children if "spawn_main" in " ".join(c.cmdline())]


@pytest.fixture
def sweep_process(make_case, tmp_path) -> Iterator[Callable[[], tuple[subprocess.Popen, list]]]:
    """Start a sweep of four slow runs on two workers, in its own process group.

    Teardown kills the whole group, so no process outlives the test, even a worker
    orphaned by a failing one.
    """
    started: list[subprocess.Popen] = []

    def start() -> tuple[subprocess.Popen, list[psutil.Process]]:
        case = pv_battery_case(make_case)
        cmd = [
            sys.executable,
            "-m",
            "dispatch",
            "sweep",
            str(case),
            "--out",
            str(tmp_path / "sweep"),
        ]
        cmd += ["--grid", f"{PV_CAPEX}=2000,2100,2200,2300", "--workers", "2", "--hours", "4000"]
        cmd += ["--method", "exact", "--time-limit", "60"]
        proc = subprocess.Popen(
            cmd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
        started.append(proc)
        begin = time.monotonic()
        workers: list[psutil.Process] = []
        while len(workers) < 2 and time.monotonic() - begin < 90:
            time.sleep(0.2)
            workers = _workers(proc.pid)
        assert len(workers) == 2, "the sweep did not start its workers"
        return proc, workers

    yield start
    for proc in started:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)


def _gone(workers: list[psutil.Process], seconds: float) -> bool:
    _, alive = psutil.wait_procs(workers, timeout=seconds)
    return not alive


def test_workers_die_with_a_killed_sweep(sweep_process) -> None:
    proc, workers = sweep_process()
    proc.kill()
    proc.wait(timeout=30)
    assert _gone(workers, 30), "workers outlived their sweep"


def test_sigterm_stops_a_sweep_cleanly(sweep_process, tmp_path) -> None:
    proc, workers = sweep_process()
    proc.terminate()
    _, err = proc.communicate(timeout=60)
    assert _gone(workers, 30), "workers outlived their sweep"
    assert proc.returncode == 143, err
    assert "interrupted: finished runs are kept" in err.decode()
    assert (tmp_path / "sweep" / "sweep.csv").is_file()  # the table is written, as on Ctrl-C
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# -- 9. inputs that crashed the tool -----------------------------------------------------------
def test_yaml_nested_too_deeply(tmp_path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("name: x\nyear: 2025\nload: {electricity_kw: " + "[" * 2000 + "]" * 2000 + "}")
    one_error(cli("validate", path), "nested too deeply")


def test_integer_of_5000_digits(tmp_path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("name: x\nyear: " + "9" * 5000 + "\n")
    one_error(cli("validate", path), "big.yaml")


def test_symlink_loop_as_a_profile(tmp_path) -> None:
    (tmp_path / "a.csv").symlink_to(tmp_path / "b.csv")
    (tmp_path / "b.csv").symlink_to(tmp_path / "a.csv")
    one_error(cli("validate", with_profile(tmp_path, "a.csv")), "a.csv", "symbolic link loop")


def test_csv_with_cr_only_line_ends_is_read(tmp_path) -> None:
    values = np.resize([0.0, 0.25, 0.5], 8760)
    text = "value\r" + "\r".join(f"{v:g}" for v in values) + "\r"
    (tmp_path / "mac.csv").write_bytes(text.encode())
    from dispatch.case.loader import load_case

    data = load_case(with_profile(tmp_path, "mac.csv"))
    assert np.array_equal(data.series["pv_availability_kw_per_kw"], values)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('value\n"0.5\n' + "0.5\n" * 8760, "row 2"),
        ("value\n0.5\n" + '0.5"x\n' * 10 + "0.5\n" * 8750, "row"),
        ("".join(chr(32 + (i * 7919) % 95) for i in range(20000)), "rnd.csv"),
        ("a,b\r\n" + '"1,2\r\n' * 3, "row"),
    ],
)
def test_broken_csv_is_one_line(tmp_path, text, fragment) -> None:
    (tmp_path / "rnd.csv").write_text(text)
    one_error(cli("validate", with_profile(tmp_path, "rnd.csv")), fragment)


# -- 11. damaged folders -----------------------------------------------------------------------
class Inline(Executor):
    """Runs tasks in this process, through ``fn`` when given (a failing stand-in)."""

    slots = 1
    solver_threads = 1
    description = "inline"

    def __init__(self, fn: Callable[[RunTask], RunResult] | None = None) -> None:
        self.fn = fn

    def submit(self, fn: Callable[[Any], Any], arg: Any) -> cf.Future:
        future: cf.Future = cf.Future()
        future.set_result((self.fn or fn)(arg))
        return future

    def wait(self, futures: set[Any], timeout: float) -> set[Any]:
        return {f for f in futures if f.done()}

    def close(self, cancel: bool = False) -> None:
        pass


def _failing(task: RunTask) -> RunResult:
    return RunResult(run_id=task.run_id, status="solver_error", error="HiGHS gave no status")


def _sweep(make_case, out: Path, executor: Executor | None = None, **kw: Any):
    plan = plan_sweep(pv_case(make_case), grid={PV_CAPEX: [100, 3000]}, hours=2)
    return run_sweep(plan, executor or Inline(), out, **kw)


@pytest.mark.parametrize("damage", ["list", "no-row", "no-status", "row-not-a-mapping", "text"])
def test_damaged_record_is_recomputed(make_case, tmp_path, damage) -> None:
    out = tmp_path / "sweep"
    first = _sweep(make_case, out)
    run_id = first.table["run_id"][0]
    path = out / "runs" / run_id / "record.json"
    record = json.loads(path.read_text())
    if damage == "list":
        path.write_text("[]")
    elif damage == "text":
        path.write_bytes(b"\xff\xfe not json")
    else:
        if damage == "row-not-a-mapping":
            record["row"] = [1, 2]
        else:
            del record[damage.removeprefix("no-")]
        path.write_text(json.dumps(record))
    again = _sweep(make_case, out)
    assert again.ran == 1 and again.skipped == 1
    assert list(again.table["status"]) == ["optimal", "optimal"]
    for flag in ("retry_failed", "force"):
        path.write_text("[]")
        assert _sweep(make_case, out, **{flag: True}).table["status"].tolist() == ["optimal"] * 2


@pytest.mark.parametrize("loss", ["timeseries-deleted", "summary-deleted", "summary-damaged"])
def test_a_run_whose_outputs_were_lost_is_recomputed(make_case, tmp_path, loss) -> None:
    out = tmp_path / "sweep"
    first = _sweep(make_case, out)
    run = out / "runs" / first.table["run_id"][1]
    if loss == "summary-damaged":
        (run / "summary.json").write_text('["half')
    else:
        (run / f"{loss.split('-')[0]}.{'csv' if 'time' in loss else 'json'}").unlink()
    again = _sweep(make_case, out)
    assert again.ran == 1
    assert (run / "timeseries.csv").is_file()
    assert json.loads((run / "summary.json").read_text())["status"] == "optimal"


@pytest.fixture
def results(tmp_path: Path) -> Path:
    case = write_case(tmp_path, TINY)
    out = tmp_path / "out"
    assert cli("run", case, "--out", out, "--hours", "24").exit_code == 0
    return out


def _damage(folder: Path, how: str) -> str:
    """Damage a results folder; return the file named in the expected message."""
    ts = folder / "timeseries.csv"
    if how == "summary-list":
        (folder / "summary.json").write_text("[1, 2]")
        return "summary.json"
    if how == "summary-section":
        summary = json.loads((folder / "summary.json").read_text())
        summary["capacities"] = ["pv"]
        (folder / "summary.json").write_text(json.dumps(summary))
        return "summary.json"
    if how == "summary-not-utf8":
        (folder / "summary.json").write_bytes(b'{"case": "\xff"}')
        return "summary.json"
    if how == "bad-timestamp":
        text = ts.read_text().splitlines()
        text[3] = "2025-13-45 99:00" + text[3][16:]
        ts.write_text("\n".join(text) + "\n")
        return "timeseries.csv"
    if how == "truncated":
        ts.write_bytes(ts.read_bytes()[: len(ts.read_bytes()) // 2])
        return "timeseries.csv"
    if how == "rows-missing":
        text = ts.read_text().splitlines()
        ts.write_text("\n".join(text[:10]) + "\n")
        return "timeseries.csv"
    raise ValueError(how)


DAMAGES = [
    "summary-list",
    "summary-section",
    "summary-not-utf8",
    "bad-timestamp",
    "truncated",
    "rows-missing",
]


@pytest.mark.parametrize("how", DAMAGES)
def test_report_of_a_damaged_folder_names_the_file(results, how) -> None:
    name = _damage(results, how)
    one_error(cli("report", results), str(results / name), "")
    with pytest.raises(DispatchError) as err:
        load_results(results)
    assert err.value.exit_code == 2 and name in str(err.value)


def test_compare_of_a_damaged_table(make_case, tmp_path) -> None:
    out = tmp_path / "sweep"
    _sweep(make_case, out)
    (out / "sweep.parquet").write_bytes(b"PAR1 not really")
    assert cli("compare", out).exit_code == 0  # falls back on sweep.csv
    (out / "sweep.csv").write_bytes(b"\x00\x01garbage")
    one_error(cli("compare", out), "sweep.csv", "damaged")
    _sweep(make_case, out)  # the sweep rebuilds its table from the records
    assert cli("compare", out).exit_code == 0


# -- 12. overflowing numbers -------------------------------------------------------------------
def test_huge_values_give_one_line_and_no_warning(tmp_path, no_solve) -> None:
    values = ["1e400"] + ["0.5"] * 8759
    (tmp_path / "inf.csv").write_text("value\n" + "\n".join(values) + "\n")
    one_error(cli("validate", with_profile(tmp_path, "inf.csv")), "row 2")
    (tmp_path / "big.csv").write_text("value\n1e300\n" + "0.5\n" * 8759)
    case = write_case(tmp_path, {**TINY, "load": {"electricity_kw": "big.csv"}}, "big.yaml")
    one_error(cli("run", case, "--hours", "24", "--out", tmp_path / "o"), "too large")
    case = write_case(tmp_path, {**TINY, "load": {"electricity_kw": 1e308}}, "huge.yaml")
    result = cli("run", case, "--hours", "24", "--out", tmp_path / "o")
    one_error(result, "load.electricity_kw", "too large")
    assert "Warning" not in result.output


def test_weather_file_with_an_infinite_value(tmp_path) -> None:
    hour = np.arange(8760) % 24
    ghi = np.clip(np.sin((hour - 6) / 12 * np.pi), 0, 1) * 800
    frame = pd.DataFrame({"ghi": ghi.astype(str), "temp_air": "20"})
    frame.loc[100, "ghi"] = "1e400"
    frame.to_csv(tmp_path / "w.csv", index=False)
    case = {
        **TINY,
        "location": {"latitude": 30.0, "longitude": 120.0},
        "weather": {"file": "w.csv"},
        "technologies": {"pv": {"max_kw": 50}},
    }
    result = cli("validate", write_case(tmp_path, case))
    one_error(result, "weather.file", "ghi")
    assert "Warning" not in result.output


# -- 13. a diagnosis never overwrites user files ---------------------------------------------
def test_infeasible_diagnosis_finds_a_free_folder(tmp_path) -> None:
    case = {
        **TINY,
        "technologies": {"pv": {"availability": 0.5, "max_kw": 10}},
        "rules": {**NO_RULES, "self_use_min_of_consumption": 0.9},
    }
    path = write_case(tmp_path, case)
    out = tmp_path / "out"
    write.write_results(out, {"status": "optimal", "case": "earlier"}, pd.DataFrame({"a": [1]}))
    before = snapshot(out)
    (tmp_path / "out-infeasible").mkdir()
    (tmp_path / "out-infeasible" / "notes.txt").write_text("also mine")
    result = cli("run", path, "--out", out, "--hours", "24")
    assert result.exit_code == 3, result.output
    assert "out-infeasible-2" in result.stderr
    summary = json.loads((tmp_path / "out-infeasible-2" / "summary.json").read_text())
    assert summary["status"] == "infeasible"
    assert snapshot(out) == before
    assert (tmp_path / "out-infeasible" / "notes.txt").read_text() == "also mine"


# -- issue 14.2: a sweep with failed runs can be retried -----------------------------------
def test_failed_runs_are_retried_in_their_own_folders(make_case, tmp_path) -> None:
    out = tmp_path / "sweep"
    failed = _sweep(make_case, out, Inline(_failing))
    assert failed.failed == 2
    shown = cli("compare", out)
    one_error_line = [line for line in lines(shown.stderr) if line.startswith("error:")]
    assert shown.exit_code == 2 and "0 solved, 2 failed" in one_error_line[0]
    assert "HiGHS gave no status" in shown.stderr
    for flag in ("retry_failed", "force"):
        again = _sweep(make_case, out, **{flag: True})
        assert again.ran == 2 and again.failed == 0, flag
        assert list(again.table["status"]) == ["optimal", "optimal"]
    shown = cli("compare", out)
    assert shown.exit_code == 0, shown.output
    assert "2 runs: 2 solved, 0 failed" in " ".join(shown.stdout.split())


def test_cli_retry_of_a_failed_run(make_case, tmp_path) -> None:
    out = tmp_path / "sweep"
    _sweep(make_case, out, Inline(_failing))
    case = pv_case(make_case)
    result = cli(
        "sweep", case, "--out", out, "--grid", f"{PV_CAPEX}=100,3000", "--hours", "2",
        "--workers", "1", "--retry-failed",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2 of 2 runs finished (2 now, 0 before)" in " ".join(result.stdout.split())


# -- issue 14.5: what-if runs get their own folder and say what they were -------------------
def test_what_if_runs_never_overwrite_the_base_results(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    case = write_case(tmp_path, TINY, "tiny.yaml")
    (tmp_path / "tiny.scenarios.yaml").write_text(
        "overrides:\n  dear: {grid.import_price_per_kwh: 0.7}\n"
    )
    assert cli("run", case).exit_code == 0
    base = tmp_path / "results" / "tiny"
    before = snapshot(base)
    what_if = cli(
        "run", case, "--scenario", "dear", "--set", "grid.import_price_per_kwh=0.6",
        "--hours", "48", "--method", "exact",
    )  # fmt: skip
    assert what_if.exit_code == 0, what_if.output
    assert snapshot(base) == before
    folders = sorted(p.name for p in (tmp_path / "results").iterdir())
    assert folders[0] == "tiny" and folders[1].startswith("tiny--dear-48h-") and len(folders) == 2
    folder = tmp_path / "results" / folders[1]
    run = json.loads((folder / "summary.json").read_text())["run"]
    assert run["overrides"] == {"grid.import_price_per_kwh": 0.6}
    assert (run["scenario"], run["hours"], run["method"]) == ("dear", 48, "exact")
    said = " ".join(what_if.stdout.split())
    assert "run: scenario dear; --set grid.import_price_per_kwh=0.6; first 48 h" in said
    report = (folder / "report.html").read_text()
    assert "What-if run:</strong> scenario dear; --set grid.import_price_per_kwh=0.6" in report
    assert cli("run", case, "--scenario", "dear").exit_code == 0
    assert (tmp_path / "results" / "tiny--dear").is_dir()


def test_frozen_case_reruns_to_the_same_numbers_on_its_horizon(tmp_path) -> None:
    case = write_case(
        tmp_path, {**TINY, "technologies": {"pv": {"availability": 0.4, "max_kw": 80}}}
    )
    first, second = tmp_path / "first", tmp_path / "second"
    assert cli("run", case, "--out", first, "--hours", "48").exit_code == 0
    frozen = yaml.safe_load((first / "case.yaml").read_text())
    assert frozen["solver"]["horizon_hours"] == 48
    assert cli("run", first / "case.yaml", "--out", second).exit_code == 0
    a, b = (json.loads((f / "summary.json").read_text()) for f in (first, second))
    assert b["objective_per_year"] == pytest.approx(a["objective_per_year"], rel=1e-9)
    assert a["capacities"] == pytest.approx(b["capacities"], rel=1e-9)
    assert b["run"]["hours"] == 48
    assert len(pd.read_csv(second / "timeseries.csv")) == 48


def test_a_frozen_short_run_never_replaces_the_base_results(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    case = write_case(tmp_path, TINY)
    assert cli("run", case).exit_code == 0
    before = snapshot(tmp_path / "results" / "tiny")
    assert cli("run", case, "--hours", "24").exit_code == 0
    again = cli("run", tmp_path / "results" / "tiny--24h" / "case.yaml")
    assert again.exit_code == 0, again.output
    assert snapshot(tmp_path / "results" / "tiny") == before
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["tiny", "tiny--24h"]


def test_compare_page_says_how_the_runs_were_made(make_case, tmp_path) -> None:
    out = tmp_path / "sweep"
    shared = {"grid.export_price_per_kwh": 0.02}
    plan = plan_sweep(pv_case(make_case), grid={PV_CAPEX: [100, 3000]}, overrides=shared, hours=2)
    run_sweep(plan, Inline(), out)
    assert cli("compare", out).exit_code == 0
    page = (out / "compare.html").read_text()
    assert "Every run: --set grid.export_price_per_kwh=0.02; first 2 h" in page
