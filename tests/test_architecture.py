"""ARCHITECTURE.md names every module of the package, and the layout reads as the flow."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _modules() -> list[Path]:
    pkg = ROOT / "dispatch"
    return sorted(
        p.relative_to(ROOT)
        for p in pkg.rglob("*.py")
        if p.name != "__init__.py" and "data" not in p.relative_to(pkg).parts
    )


def test_every_module_is_in_architecture_md() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    missing = []
    for path in _modules():
        full = f"`{path.as_posix()}`"
        # a row may group siblings: `dispatch/profiles/pv.py`, `wind.py`
        row = next(
            (
                line
                for line in text.splitlines()
                if f"`{path.parent.as_posix()}/" in line and f"{path.name}`" in line
            ),
            None,
        )
        if full not in text and row is None:
            missing.append(path.as_posix())
    assert not missing, f"ARCHITECTURE.md does not mention: {missing}"


def test_layout_reads_as_the_flow() -> None:
    folders = {p.name for p in (ROOT / "dispatch").iterdir() if p.is_dir() and p.name[0] != "_"}
    for name in ("case", "profiles", "model", "solve", "results", "report", "sweep"):
        assert name in folders
    # the formulation holds no solver machinery
    model_files = {p.name for p in (ROOT / "dispatch" / "model").glob("*.py")}
    assert not model_files & {"highs.py", "auto.py", "refine.py", "diagnose.py", "exact.py"}
