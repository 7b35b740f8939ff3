"""Random mutations of a valid case never give a traceback: only success or CaseError.

Three kinds of damage: structured edits of the case mapping (keys dropped,
values of any type, unknown keys), raw byte edits of the YAML text, and raw
edits of a profile CSV. Whatever happens, every problem is one line.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatch.case.loader import CaseData, load_case
from dispatch.errors import CaseError

BASE: dict[str, Any] = {
    "name": "fuzz",
    "year": 2025,
    "finance": {"discount_rate": 0.07},
    "load": {"electricity_kw": "load.csv", "heat_kw_th": 50},
    "technologies": {
        "pv": {"availability": {"csv": "pv.csv", "column": "pv"}, "max_kw": 500},
        "battery": {"charge_efficiency": 0.95, "max_kwh": 1000},
        "heat_pump": {"cop": 3.0, "max_kw_th": None},
        "boiler": {"efficiency": 0.9},
    },
    "grid": {"import_price_per_kwh": 0.6, "export_allowed": True, "connection_kw": None},
    "rules": {"self_use_min_of_generation": 0.6, "export_max_of_generation": 0.2},
}
LOAD_CSV = "timestamp,load_kw\n" + "".join(f"t{i},{100 + i % 7}\n" for i in range(8760))
PV_CSV = "pv\n" + "".join(f"{(i % 24 > 6) * 0.5}\n" for i in range(8760))

YAML_BITS = [b":", b"\n", b" ", b"-", b"{", b"&a", b"*a", b"!!", b"\t", b"'", b"\xef\xbb\xbf"]
CSV_BITS = ["", ",", ";", "nan", "inf", "-1e9", "1,5", '"', "a,b,c", "\ufeff", "\x00"]

SETTINGS = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**9), 10**9),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["load.csv", "pv.csv", "missing.csv", "..", "/", "1e3", "1,000", "yes"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=6), st.integers(), max_size=2),
    st.fixed_dictionaries(
        {"csv": st.sampled_from(["pv.csv", "load.csv"]), "column": st.text(max_size=6)}
    ),  # fmt: skip
)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = []
    if isinstance(node, dict):
        for key, value in node.items():
            out.append((*prefix, key))
            out += _paths(value, (*prefix, key))
    return out


def _check(case_text: bytes, load_csv: str = LOAD_CSV) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        (base / "load.csv").write_text(load_csv, encoding="utf-8", errors="surrogateescape")
        (base / "pv.csv").write_text(PV_CSV)
        path = base / "case.yaml"
        path.write_bytes(case_text)
        try:
            result = load_case(path)
        except CaseError as err:
            assert err.problems
            for problem in err.problems:
                assert "\n" not in str(problem) and "\r" not in str(problem), str(problem)
            return
        assert isinstance(result, CaseData)
        for arr in result.series.values():
            assert arr.shape == (8760,) and np.isfinite(arr).all()


def _dump(case: dict) -> bytes:
    return yaml.safe_dump(case, allow_unicode=True, sort_keys=False).encode("utf-8")


@SETTINGS
@given(data=st.data())
def test_structured_mutations(data) -> None:
    case = copy.deepcopy(BASE)
    for _ in range(data.draw(st.integers(1, 3))):
        paths = _paths(case)
        path = data.draw(st.sampled_from(paths)) if paths else ()
        action = data.draw(st.sampled_from(["drop", "set", "add"]))
        parent = case
        for part in path[:-1]:
            parent = parent[part]
        if not isinstance(parent, dict) or not path:
            continue
        if action == "drop":
            parent.pop(path[-1], None)
        elif action == "set":
            parent[path[-1]] = data.draw(values)
        else:
            target = parent[path[-1]] if isinstance(parent[path[-1]], dict) else parent
            target[data.draw(st.text(min_size=1, max_size=10))] = data.draw(values)
    _check(_dump(case))


@SETTINGS
@given(data=st.data())
def test_byte_mutations_of_the_yaml(data) -> None:
    text = bytearray(_dump(BASE))
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(text)))
        kind = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        chunk = data.draw(st.binary(min_size=1, max_size=4) | st.sampled_from(YAML_BITS))
        if kind == "insert":
            text[i:i] = chunk
        elif kind == "delete":
            del text[i : i + len(chunk)]
        else:
            text[i : i + len(chunk)] = chunk
    _check(bytes(text))


@settings(SETTINGS, max_examples=40)
@given(data=st.data())
def test_mutations_of_a_profile_csv(data) -> None:
    lines = LOAD_CSV.splitlines()
    for _ in range(data.draw(st.integers(1, 3))):
        kind = data.draw(st.sampled_from(["edit", "drop", "insert", "truncate", "header"]))
        i = data.draw(st.integers(0, len(lines) - 1)) if lines else 0
        junk = data.draw(st.text(max_size=10) | st.sampled_from(CSV_BITS))
        if kind == "edit" and lines:
            lines[i] = f"t,{junk}"
        elif kind == "drop" and lines:
            del lines[i]
        elif kind == "insert":
            lines.insert(i, junk)
        elif kind == "truncate":
            lines = lines[:i]
        elif lines:
            lines[0] = junk
    _check(_dump(BASE), "\n".join(lines) + "\n")
