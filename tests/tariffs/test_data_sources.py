"""Every number in the tariff data files carries a source."""

from importlib import resources

import pytest
import yaml

DATA = resources.files("dispatch.tariffs").joinpath("data")
FILES = sorted(
    [p for p in DATA.iterdir() if p.name.endswith(".yaml")]
    + [p for p in DATA.joinpath("calendars").iterdir() if p.name.endswith(".yaml")],
    key=lambda p: p.name,
)


def _value_entries(node, path=""):
    if isinstance(node, dict):
        if "value" in node:
            yield path, node
        for key, child in node.items():
            yield from _value_entries(child, f"{path}.{key}")
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from _value_entries(child, f"{path}[{i}]")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_value_has_a_source(path):
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    for where, entry in _value_entries(content):
        assert entry.get("source"), f"{path.name}{where} has no source"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_files_state_sources(path):
    text = path.read_text(encoding="utf-8")
    assert "source" in text
