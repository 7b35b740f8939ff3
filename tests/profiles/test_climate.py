import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from dispatch.profiles._data import parameter_table, read_csv, sources
from dispatch.profiles.climate import (
    great_circle_km,
    load_site,
    nearest_site,
    normals_at,
    site_keys,
)

MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
REQUIRED_SITES = {
    "ningbo", "shanghai", "beijing", "ordos", "urumqi",
    "lanzhou", "kunming", "guangzhou", "hefei", "tianjin",
}  # fmt: skip


def test_all_required_sites_are_shipped_with_twelve_months():
    assert REQUIRED_SITES <= set(site_keys())
    for key in REQUIRED_SITES:
        normals = load_site(key).normals
        assert list(normals.index) == list(range(1, 13))
        assert not normals.isna().any().any()


def test_every_source_id_is_documented():
    known = set(sources().index)
    normals = read_csv("climate_normals.csv")
    for col in ("source_temp", "source_ghi", "source_wind"):
        assert set(normals[col]) <= known
    sites = read_csv("climate_sites.csv")
    assert set(sites["source_location"]) | set(sites["source_weibull_k"]) <= known
    params = parameter_table()
    assert set(params["source"]) - {"project"} <= known
    assert set(read_csv("wind_turbines.csv")["source"]) <= known


def test_ningbo_normals_match_domain_figures():
    t = load_site("ningbo").normals["temp_air_c"].to_numpy()
    assert_allclose(t[0], 4.7)
    assert_allclose(t[6], 28.0)
    assert_allclose((t * MONTH_DAYS).sum() / 365, 16.4, atol=0.05)


def test_great_circle_one_degree_of_equator():
    assert_allclose(great_circle_km(0.0, 0.0, 0.0, 1.0), 111.19508, rtol=1e-6)


def test_nearest_site_meishan_is_ningbo():
    match = nearest_site(29.8, 121.9)
    assert match.site.site == "ningbo"
    assert_allclose(match.distance_km, 32.7688, rtol=1e-4)
    assert match.note == ""


def test_nearest_site_ordos():
    assert nearest_site(39.6, 109.8).site.site == "ordos"


def test_far_location_gets_a_note():
    match = nearest_site(51.5, -0.1)  # London
    assert match.note.startswith("Nearest shipped climate site")


def test_unknown_site_raises():
    with pytest.raises(KeyError, match="unknown climate site"):
        load_site("atlantis")


def test_normals_at_applies_lapse_rate():
    site = load_site("ordos")
    moved = normals_at(site, site.altitude_m + 1000.0)
    assert_allclose(moved["temp_air_c"] - site.normals["temp_air_c"], -6.5)
    pd.testing.assert_series_equal(moved["ghi_kwh_m2_day"], site.normals["ghi_kwh_m2_day"])
    pd.testing.assert_frame_equal(normals_at(site, None), site.normals)
