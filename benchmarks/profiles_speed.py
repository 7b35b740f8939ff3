"""Benchmark: full profile generation for one case must take < 2 s.

Run from the repository root: PYTHONPATH=. python benchmarks/profiles_speed.py
Times a cold first call (data files and the clear-sky reference year are read and cached) and
the median of warm repeats, for the two shipped location-only cases.
"""

from __future__ import annotations

import statistics
import time

from dispatch.profiles import (
    HeatPumpSpec,
    LoadSpec,
    Location,
    PVSpec,
    WeatherSpec,
    WindSpec,
    build_site_profiles,
    profile_statistics,
)

CASES = {
    "ningbo-meishan-logistics": (
        Location(29.8, 121.9, altitude_m=5.0),
        LoadSpec("logistics", annual_electricity_mwh=60_000.0, annual_heat_mwh=8_000.0),
    ),
    "ordos-industrial": (
        Location(39.6, 109.8, altitude_m=1300.0),
        LoadSpec("industrial", annual_electricity_mwh=400_000.0, annual_heat_mwh=150_000.0),
    ),
}
LIMIT_S = 2.0


def run(location: Location, load: LoadSpec) -> float:
    t0 = time.perf_counter()
    df = build_site_profiles(
        2025,
        location,
        WeatherSpec(seed=1),
        PVSpec(),
        WindSpec(),
        HeatPumpSpec(sink_temperature_c=60.0),
        load,
    )
    elapsed = time.perf_counter() - t0
    assert len(df) == 8760 and profile_statistics(df)["pv_yield_kwh_per_kwp"] > 0
    return elapsed


def main() -> None:
    worst = 0.0
    for name, (location, load) in CASES.items():
        cold = run(location, load)
        warm = statistics.median(run(location, load) for _ in range(5))
        worst = max(worst, cold)
        print(f"{name:26s} cold {cold:6.3f} s   warm median {warm:6.3f} s")
    print(f"limit {LIMIT_S} s: {'OK' if worst < LIMIT_S else 'TOO SLOW'}")


if __name__ == "__main__":
    main()
