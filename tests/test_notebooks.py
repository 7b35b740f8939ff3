"""Every notebook in notebooks/ runs top to bottom, offline, in this interpreter's kernel."""

from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
import pytest

from tests.conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
LIMIT_SECONDS = 120  # the budget per notebook


def test_there_are_notebooks():
    names = {p.stem for p in NOTEBOOKS}
    assert {"01-quickstart", "02-storage-sizing", "03-compare-tariffs"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path: Path):
    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{path.name}: clear the outputs before committing (Jupyter: Edit > Clear "
                "Outputs of All Cells)"
            )


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path: Path, monkeypatch: pytest.MonkeyPatch):
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    # The kernel must import this checkout of dispatch with this interpreter, whatever
    # kernels or editable installs the machine has: the native "python3" spec of an
    # empty spec search path is sys.executable, and PYTHONPATH puts the checkout first.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    specs = KernelSpecManager(kernel_dirs=[])
    km = KernelManager(kernel_name="python3", kernel_spec_manager=specs)
    book = nbformat.read(path, as_version=4)
    client = NotebookClient(
        book, km=km, timeout=LIMIT_SECONDS, resources={"metadata": {"path": str(path.parent)}}
    )
    start = time.perf_counter()
    try:
        client.execute()
    finally:  # nbclient leaves a kernel it was given running
        if km.has_kernel:
            km.shutdown_kernel(now=True)
    seconds = time.perf_counter() - start
    assert seconds < LIMIT_SECONDS, f"{path.name} took {seconds:.0f} s"
    errors = [
        out
        for cell in book.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.output_type == "error"
    ]
    assert errors == []


def test_the_notebooks_extra_can_open_a_notebook():
    """`pip install -e ".[notebooks]"` brings a front end, and the README says how to start it."""
    import tomllib

    extras = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"][
        "optional-dependencies"
    ]
    names = {req.split(">")[0].split("=")[0].split("<")[0].strip() for req in extras["notebooks"]}
    assert {"jupyterlab", "ipykernel"} <= names
    readme = (REPO / "README.md").read_text("utf-8")
    assert 'pip install -e ".[notebooks]"' in readme and "jupyter lab notebooks/" in readme
