"""Online geocoding through geopy's Nominatim, its transport replaced by canned answers (never the network)."""
from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from geopy.adapters import BaseSyncAdapter
from geopy.exc import GeocoderTimedOut, GeocoderUnavailable
from geopy.extra.rate_limiter import RateLimiter

from mutualaid.extensions import db
from mutualaid.geo.gateway import get_geocoding
from mutualaid.models import GeocodeCacheEntry, Need
from tests.builders import make_group, make_need

ADDRESS = "14 Mare Street, London"
# What nominatim.openstreetmap.org/search?format=json&addressdetails=1 answers (trimmed).
MARE_STREET = {
    "place_id": 118530711, "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
    "osm_type": "way", "osm_id": 4253187, "lat": "51.5432057", "lon": "-0.0553871", "class": "highway",
    "type": "primary", "place_rank": 26, "importance": 0.10001, "addresstype": "road", "name": "Mare Street",
    "display_name": "14, Mare Street, London Fields, Hackney, London Borough of Hackney, London, "
                    "Greater London, England, E8 4RP, United Kingdom",
    "address": {"house_number": "14", "road": "Mare Street", "neighbourhood": "London Fields",
                "suburb": "Hackney", "city_district": "London Borough of Hackney", "city": "London",
                "state_district": "Greater London", "state": "England", "ISO3166-2-lvl4": "GB-ENG",
                "postcode": "E8 4RP", "country": "United Kingdom", "country_code": "gb"},
    "boundingbox": ["51.5427", "51.5437", "-0.0559", "-0.0548"],
}


class NominatimServer:
    """Canned answers by query text (a list, or an exception to raise), and every URL asked for."""

    def __init__(self, answers=None):
        self.answers = dict(answers or {})
        self.requests: list[str] = []
        self.headers: list[dict] = []

    def params(self, index: int = -1) -> dict:
        """The query parameters of a recorded request."""
        return {k: v[0] for k, v in parse_qs(urlsplit(self.requests[index]).query).items()}

    def adapter(self, *, proxies, ssl_context):
        """geopy's adapter_factory: an adapter that answers from this server."""
        return CannedAdapter(self, proxies=proxies, ssl_context=ssl_context)


class CannedAdapter(BaseSyncAdapter):
    """geopy's HTTP transport, replaced: answers from a NominatimServer instead of the network."""

    def __init__(self, server: NominatimServer, *, proxies, ssl_context):
        super().__init__(proxies=proxies, ssl_context=ssl_context)
        self.server = server

    def get_json(self, url, *, timeout, headers):
        """Record the request, then answer as Nominatim would (address details only when asked)."""
        self.server.requests.append(url)
        self.server.headers.append(dict(headers))
        params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        answer = self.server.answers.get(params.get("q"), [])
        if isinstance(answer, Exception):
            raise answer
        if params.get("addressdetails") != "1":
            answer = [{k: v for k, v in place.items() if k != "address"} for place in answer]
        return answer[: int(params.get("limit", 10))]

    def get_text(self, url, *, timeout, headers):
        """The same answer, as text."""
        return json.dumps(self.get_json(url, timeout=timeout, headers=headers))


def online_config(server: NominatimServer, min_delay: float = 0) -> dict:
    """App config for Nominatim behind `server`."""
    return {"GEOCODER": "nominatim", "GEOCODER_OPTIONS": {"user_agent": "mutualaid-tests"},
            "GEOCODER_MIN_DELAY_SECONDS": min_delay, "GEOCODER_ADAPTER_FACTORY": server.adapter}


@pytest.fixture
def nominatim():
    """The canned Nominatim this module's app talks to."""
    return NominatimServer({ADDRESS: [MARE_STREET]})


@pytest.fixture
def config_overrides(nominatim):
    """Geocode online with Nominatim, through the canned server."""
    return online_config(nominatim)


@pytest.fixture(autouse=True)
def group(app):
    """Every test here has the Hackney group."""
    return make_group()


def cache_entries() -> list[GeocodeCacheEntry]:
    """Every row of the geocoding cache."""
    return db.session.execute(db.select(GeocodeCacheEntry)).scalars().all()


def test_an_address_without_a_postcode_is_geocoded_online_and_the_need_located(nominatim):
    need = make_need(where=ADDRESS)
    assert nominatim.params()["q"] == ADDRESS
    assert need.location_status == "located"
    assert (need.exact_lat, need.exact_lon) == (51.5432057, -0.0553871)
    assert (need.public_lat, need.public_lon) != (need.exact_lat, need.exact_lon)
    assert need.postcode is None


def test_the_public_label_of_an_online_result_is_its_neighbourhood_not_the_street(nominatim):
    need = make_need(where=ADDRESS)
    assert need.public_label == "Hackney"


def test_the_configured_user_agent_is_sent_to_nominatim(nominatim):
    make_need(where=ADDRESS)
    assert nominatim.headers[0]["User-Agent"] == "mutualaid-tests"


def test_only_the_place_is_sent_online_never_the_name_phone_or_details(nominatim):
    make_need(where=ADDRESS, name="Edna Moss", phone="+447911123456", details="Insulin from the chemist")
    (url,) = nominatim.requests
    assert "Edna" not in url and "7911" not in url and "Insulin" not in url


def test_the_same_query_a_second_time_is_answered_from_the_cache(nominatim):
    first = make_need(where=ADDRESS, details="first")
    second = make_need(where=ADDRESS, details="second")
    assert len(nominatim.requests) == 1
    assert (second.exact_lat, second.exact_lon, second.public_label) \
        == (first.exact_lat, first.exact_lon, first.public_label)


def test_the_cache_ignores_case_and_spacing_of_the_query(nominatim):
    make_need(where=ADDRESS)
    make_need(where="  14 MARE street,   london ", details="again")
    assert len(nominatim.requests) == 1


def test_the_cache_keeps_a_hash_of_the_query_never_its_text(nominatim):
    make_need(where=ADDRESS)
    (entry,) = cache_entries()
    stored = " ".join(str(getattr(entry, c.key)) for c in GeocodeCacheEntry.__table__.columns).lower()
    assert len(entry.key) == 64 and int(entry.key, 16) >= 0
    assert "mare" not in stored and "14" not in entry.label
    assert (entry.provider, entry.found, entry.label) == ("nominatim", True, "Hackney")


def test_postcodes_are_answered_offline_without_asking_nominatim(nominatim):
    need = make_need(where="flat 2, 14 Mare St E8 3RH")
    assert nominatim.requests == []
    assert need.postcode == "E8 3RH" and need.location_status in ("located", "approximate")
    assert cache_entries() == []


def test_an_ambiguous_postcode_pair_is_not_sent_online(nominatim):
    need = make_need(where="E8 3RH or maybe N16 7UY")
    assert nominatim.requests == [] and need.location_status == "ambiguous"


@pytest.mark.parametrize("failure", [GeocoderUnavailable("connection refused"), GeocoderTimedOut("timed out")],
                         ids=["unavailable", "timed_out"])
def test_when_nominatim_fails_the_need_is_saved_anyway_with_place_not_found(client, nominatim, failure):
    nominatim.answers[ADDRESS] = failure
    response = client.post("/api/v1/needs", json={
        "category": "groceries", "details": "Bread and milk", "where": ADDRESS,
        "contact": {"name": "Edna", "phone": "07911 123456"}})
    need = db.session.execute(db.select(Need)).scalar_one()
    assert response.status_code == 201
    assert need.status == "open" and need.location_status == "not_found"
    assert need.address_text == ADDRESS and need.exact_lat is None
    assert nominatim.requests, "Nominatim was asked"


def test_a_failure_is_not_cached_so_the_next_need_asks_again(nominatim):
    nominatim.answers[ADDRESS] = GeocoderUnavailable("down")
    make_need(where=ADDRESS, details="first")
    nominatim.answers[ADDRESS] = [MARE_STREET]
    asked_before = len(nominatim.requests)
    need = make_need(where=ADDRESS, details="second")
    assert len(nominatim.requests) == asked_before + 1
    assert need.location_status == "located"


def test_no_result_is_remembered_as_a_negative_cache_entry(nominatim):
    need = make_need(where="the blue door behind the old bakery")
    (entry,) = cache_entries()
    assert need.location_status == "not_found" and need.exact_lat is None
    assert (entry.found, entry.lat, entry.lon) == (False, None, None)


def test_a_remembered_no_result_is_not_asked_again(nominatim):
    make_need(where="the blue door behind the old bakery", details="first")
    need = make_need(where="the blue door behind the old bakery", details="second")
    assert len(nominatim.requests) == 1 and need.location_status == "not_found"


def test_an_online_result_outside_every_group_is_out_of_area(nominatim):
    nominatim.answers["1 Briggate, Leeds"] = [{**MARE_STREET, "lat": "53.7965", "lon": "-1.5422",
                                               "address": {"road": "Briggate", "suburb": "City Centre"}}]
    need = make_need(where="1 Briggate, Leeds")
    assert need.location_status == "out_of_area" and need.public_label == "City Centre"


with_a_fifth_of_a_second_delay = pytest.mark.parametrize(
    "config_overrides", [online_config(NominatimServer(), min_delay=0.2)], ids=["delay_0.2"])


@with_a_fifth_of_a_second_delay
def test_online_geocoding_goes_through_geopys_rate_limiter_with_the_configured_delay(app):
    online = get_geocoding().online
    assert isinstance(online, RateLimiter)
    assert online.min_delay_seconds == 0.2


@with_a_fifth_of_a_second_delay
def test_a_failed_request_is_retried_after_the_configured_delay_not_geopys_five_seconds(app):
    online = get_geocoding().online
    assert online.max_retries <= 1 and online.error_wait_seconds == 0.2
