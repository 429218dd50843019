"""Specifications for the offline geocoder and the centroid data it ships with."""

import csv
import threading
import time
from pathlib import Path

import pytest
from geopy.adapters import BaseSyncAdapter
from geopy.exc import GeocoderServiceError
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from mutualaid.geo import offline
from mutualaid.geo.offline import OfflineGeocoder, Resolution, load_centroids

DATA_DIR = Path(offline.__file__).resolve().parent / "data"


class NoNetworkAdapter(BaseSyncAdapter):
    """A geopy transport that fails the test if anything tries to use the network."""

    def get_json(self, url, *, timeout, headers):
        """Refuse every JSON request."""
        raise AssertionError(f"network used: {url}")

    def get_text(self, url, *, timeout, headers):
        """Refuse every text request."""
        raise AssertionError(f"network used: {url}")


def make_geocoder(**kwargs):
    """Build an OfflineGeocoder whose transport would fail if it were ever used."""
    return OfflineGeocoder(adapter_factory=NoNetworkAdapter, **kwargs)


def lookup_from(table):
    """Build a full-postcode lookup from a dict, recording the postcodes asked for."""
    def lookup(postcode):
        lookup.asked.append(postcode)
        return table.get(postcode)
    lookup.asked = []
    return lookup


# the geopy interface


def test_offline_geocoder_is_a_geopy_geocoder():
    assert isinstance(make_geocoder(), Geocoder)


def test_geocode_returns_a_geopy_location():
    assert isinstance(make_geocoder().geocode("E8 3RH"), Location)


def test_geocode_returns_a_list_when_not_exactly_one():
    locations = make_geocoder().geocode("E8 3RH", exactly_one=False)
    assert [loc.raw["postcode"] for loc in locations] == ["E8 3RH"]


def test_geocode_accepts_a_timeout_and_ignores_it():
    assert make_geocoder().geocode("LS6 2AB", timeout=0.001) is not None


def test_geocode_accepts_a_structured_query():
    location = make_geocoder().geocode({"street": "14 Mare St", "postalcode": "E8 3RH"})
    assert location.raw["postcode"] == "E8 3RH"


def test_unknown_country_is_refused():
    with pytest.raises(ValueError):
        OfflineGeocoder(countries=("FR",))


# GB


def test_full_postcode_without_a_lookup_is_placed_at_its_sector_in_hackney():
    location = make_geocoder().geocode("flat 2, 14 Mare St E8 3RH")
    assert 51.54 <= location.latitude <= 51.56 and -0.07 <= location.longitude <= -0.05
    assert location.raw["precision"] == "sector"


def test_sector_in_leeds_is_placed_in_leeds():
    location = make_geocoder().geocode("LS6 2")
    assert 53.81 <= location.latitude <= 53.83 and -1.58 <= location.longitude <= -1.55


def test_outward_code_is_placed_at_its_district_centroid():
    location = make_geocoder().geocode("E8")
    assert location.raw["precision"] == "outward"
    assert 51.53 <= location.latitude <= 51.56 and -0.08 <= location.longitude <= -0.05


def test_missing_sector_falls_back_to_its_outward_code():
    location = make_geocoder().geocode("E8 7ZZ")
    assert (location.raw["precision"], location.address) == ("outward", "E8 (district)")


def test_raw_describes_a_full_postcode_match():
    raw = make_geocoder().geocode("flat 2, 14 Mare St E8 3RH").raw
    assert {k: raw[k] for k in ("kind", "postcode", "precision", "label", "matches")} == {
        "kind": "gb_full", "postcode": "E8 3RH", "precision": "sector", "label": "E8 3", "matches": 1,
    }


def test_public_label_never_contains_the_full_postcode_or_house_number():
    label = make_geocoder().geocode("flat 2, 14 Mare St E8 3RH").raw["label"]
    assert "3RH" not in label and "14" not in label and "Mare" not in label


def test_address_is_a_human_label_for_the_sector():
    assert make_geocoder().geocode("E8 3RH").address == "E8 3 (sector)"


def test_injected_full_postcode_lookup_takes_precedence_over_the_sector():
    geocoder = make_geocoder(full_postcode_lookup=lookup_from({"E8 3RH": (51.5461, -0.0557)}))
    location = geocoder.geocode("e83rh")
    assert (location.latitude, location.longitude) == (51.5461, -0.0557)
    assert location.raw["precision"] == "postcode"


def test_injected_lookup_is_asked_with_the_normalised_postcode():
    lookup = lookup_from({})
    make_geocoder(full_postcode_lookup=lookup).geocode("flat 2 ls62ab")
    assert lookup.asked == ["LS6 2AB"]


def test_postcode_the_lookup_does_not_know_falls_back_to_the_sector():
    location = make_geocoder(full_postcode_lookup=lookup_from({})).geocode("LS6 2AB")
    assert location.raw["precision"] == "sector"


def test_lookup_answer_that_is_not_a_coordinate_is_ignored():
    location = make_geocoder(full_postcode_lookup=lookup_from({"E8 3RH": (999, 0)})).geocode("E8 3RH")
    assert location.raw["precision"] == "sector"


def test_failing_lookup_raises_a_geopy_error():
    def broken(postcode):
        raise RuntimeError("database down")
    with pytest.raises(GeocoderServiceError):
        make_geocoder(full_postcode_lookup=broken).geocode("E8 3RH")


def test_lookup_is_not_asked_about_sectors():
    lookup = lookup_from({})
    make_geocoder(full_postcode_lookup=lookup).geocode("E8 3")
    assert lookup.asked == []


def test_unknown_gb_postcode_is_not_found():
    assert make_geocoder().resolve("ZZ9 9ZZ") == Resolution("not_found", None, ("ZZ9 9ZZ",))


def test_northern_ireland_postcode_is_not_found_in_gb_data():
    assert make_geocoder().resolve("BT1 1AA").status == "not_found"


# US


def test_zip_in_brooklyn_is_placed_in_brooklyn():
    location = make_geocoder().geocode("Brooklyn NY 11216")
    assert location.latitude == pytest.approx(40.68, abs=0.01)
    assert location.longitude == pytest.approx(-73.95, abs=0.01)


def test_zip_has_a_city_state_label_and_address():
    location = make_geocoder().geocode("11216")
    assert (location.address, location.raw["label"], location.raw["precision"]) == (
        "11216 Brooklyn, NY", "Brooklyn, NY 11216", "zip",
    )


def test_zip_plus_four_is_placed_by_its_five_digit_zip():
    location = make_geocoder().geocode("11216-1234")
    assert (location.raw["postcode"], location.raw["label"]) == ("11216-1234", "Brooklyn, NY 11216")


def test_unknown_zip_is_not_found():
    assert make_geocoder().resolve("00000").status == "not_found"


def test_zip_without_coordinates_is_not_found(monkeypatch):
    record = {"zip_code": "99999", "city": "Nowhere", "state": "AK", "active": False, "lat": "", "long": ""}
    monkeypatch.setattr(offline.zipcodes, "matching", lambda code: [record])
    assert make_geocoder().resolve("99999").status == "not_found"


def test_countries_gb_only_ignores_zips():
    assert make_geocoder(countries=("GB",)).resolve("11216").status == "no_postcode"


# ambiguity and nothing found


def test_two_different_postcodes_are_ambiguous():
    resolution = make_geocoder().resolve("E8 3RH or maybe LS6 2AB")
    assert resolution == Resolution("ambiguous", None, ("E8 3RH", "LS6 2AB"))


def test_geocode_of_ambiguous_text_is_none():
    assert make_geocoder().geocode("E8 3RH or maybe LS6 2AB") is None


def test_geocode_of_ambiguous_text_is_none_even_as_a_list():
    assert make_geocoder().geocode("E8 3RH, 11216", exactly_one=False) is None


def test_the_same_postcode_twice_is_not_ambiguous():
    assert make_geocoder().resolve("E8 3RH (that's e83rh)").status == "found"


def test_a_postcode_and_its_own_sector_are_not_ambiguous():
    resolution = make_geocoder().resolve("E8 3RH, E8 3")
    assert (resolution.status, resolution.candidates) == ("found", ("E8 3RH",))


def test_text_without_a_postcode_is_no_postcode():
    assert make_geocoder().resolve("please bring milk to flat 2, 14 Mare St") == Resolution("no_postcode")


def test_geocode_of_text_without_a_postcode_is_none():
    assert make_geocoder().geocode("please bring milk") is None


def test_non_string_query_is_no_postcode():
    assert make_geocoder().resolve(None).status == "no_postcode"


# hostile input


@pytest.mark.parametrize(
    "text", ["🛒🥛 E8 3RH 🙏", "أحتاج مساعدة E8 3RH", "\u202bE8 3RH\u202c", "E8\x003RH", "E8 3RH\x00\x00"]
)
def test_emoji_right_to_left_and_nul_characters_still_resolve(text):
    assert make_geocoder().geocode(text).raw["postcode"] == "E8 3RH"


@pytest.mark.parametrize("text", ["\x00", "😀" * 50, "\u202e", "\udcff"])
def test_odd_characters_without_a_postcode_are_no_postcode(text):
    assert make_geocoder().resolve(text).status == "no_postcode"


def test_ten_thousand_character_query_resolves_quickly():
    geocoder = make_geocoder()
    geocoder.geocode("E8")  # load the data first: time only the scan
    text = "help " * 1999 + "E8 3RH"
    started = time.perf_counter()
    resolution = geocoder.resolve(text)
    assert resolution.status == "found" and time.perf_counter() - started < 0.5


def test_ten_thousand_character_query_full_of_near_misses_resolves_quickly():
    geocoder = make_geocoder()
    started = time.perf_counter()
    geocoder.resolve("E8 3R" * 2000)
    assert time.perf_counter() - started < 0.5


# shipped data


def read_rows(name):
    """Read one shipped centroid CSV as a list of rows (header first)."""
    with (DATA_DIR / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


@pytest.mark.parametrize("name, header", [("gb_sectors.csv", "sector"), ("gb_outward.csv", "outward")])
def test_shipped_tables_have_the_documented_header(name, header):
    assert read_rows(name)[0] == [header, "lat", "lon", "postcodes"]


@pytest.mark.parametrize("name", ["gb_sectors.csv", "gb_outward.csv"])
def test_shipped_tables_are_small(name):
    assert (DATA_DIR / name).stat().st_size < 400_000


@pytest.mark.parametrize("name", ["gb_sectors.csv", "gb_outward.csv"])
def test_every_shipped_centroid_lies_in_great_britain(name):
    rows = read_rows(name)[1:]
    assert all(49.8 < float(lat) < 60.9 and -8.7 < float(lon) < 1.8 and int(n) > 0 for _, lat, lon, n in rows)


def test_every_sector_belongs_to_a_shipped_outward_code():
    outwards = {row[0] for row in read_rows("gb_outward.csv")[1:]}
    assert {row[0].split(" ")[0] for row in read_rows("gb_sectors.csv")[1:]} <= outwards


def test_attribution_carries_the_code_point_open_licence_lines():
    text = (DATA_DIR / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "Contains Ordnance Survey data © Crown copyright and database right" in text
    assert "Royal Mail copyright" in text and "National Statistics data" in text


def test_centroids_are_loaded_once_and_shared_between_threads():
    path = DATA_DIR / "gb_outward.csv"
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(load_centroids(path))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(table is seen[0] for table in seen) and "E8" in seen[0]
