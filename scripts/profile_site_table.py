"""Print the annual profile statistics of every shipped climate site (synthetic, seed 1).

Run from the repository root: PYTHONPATH=. python scripts/profile_site_table.py
"""

from __future__ import annotations

from dispatch.profiles import Location, PVSpec, WeatherSpec, WindSpec, build_site_profiles
from dispatch.profiles.climate import load_site, site_keys


def main() -> None:
    """Print one line per site: GHI, PV yield fixed/tracking, wind CF, temperatures."""
    print(
        f"{'site':10s} {'GHI':>6s} {'PV fix':>7s} {'PV trk':>7s} {'wind CF':>8s} "
        f"{'T mean':>7s} {'T Jan':>6s} {'T Jul':>6s}"
    )
    for key in site_keys():
        s = load_site(key)
        loc = Location(s.latitude, s.longitude, s.altitude_m, site=key)
        fixed = build_site_profiles(2025, loc, WeatherSpec(seed=1), PVSpec(), WindSpec())
        trk = build_site_profiles(2025, loc, WeatherSpec(seed=1), PVSpec(tracking=True))
        t = fixed["temp_air_c"]
        jan, jul = t[t.index.month == 1].mean(), t[t.index.month == 7].mean()
        print(
            f"{key:10s} {fixed['ghi_w_m2'].sum() / 1000:6.0f} {fixed['pv_kw_per_kw'].sum():7.0f} "
            f"{trk['pv_kw_per_kw'].sum():7.0f} {fixed['wind_kw_per_kw'].mean():8.3f} "
            f"{t.mean():7.1f} {jan:6.1f} {jul:6.1f}"
        )


if __name__ == "__main__":
    main()
