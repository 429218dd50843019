"""Map tiles: the configured tile server and its credit reach every map and the CSP; a production site on
OpenStreetMap's own servers is warned at start-up."""
from __future__ import annotations

import html
import logging
import re

import pytest

from config import load_config
from mutualaid import create_app
from mutualaid.maps import OSM_ATTRIBUTION, map_tiles, warnings_for
from tests.builders import make_coordinator, make_group, make_need, make_volunteer

PROVIDER = {"MAP_TILE_URL": "https://{s}.tiles.example.org/styles/{z}/{x}/{y}.png?key=abc",
            "MAP_TILE_ATTRIBUTION": '© <a href="https://example.org/credit">Example Tiles</a> © OpenStreetMap',
            "MAP_TILE_SUBDOMAINS": "xyz", "MAP_TILE_MAX_ZOOM": 17}


def map_div(page: str) -> dict[str, str]:
    """The data attributes of the page's map."""
    tag = re.search(r'<div id="needs-map"[^>]*>', page, re.S).group(0)
    return {name: html.unescape(value) for name, value in re.findall(r'data-([\w-]+)="([^"]*)"', tag)}


def map_pages(client, auth):
    """The volunteer's and the coordinator's map pages, as they render."""
    group = make_group()
    make_coordinator(group)
    make_volunteer(group)
    make_need()
    pages = []
    for email, path in (("vol@example.org", "/volunteer/"), ("coord@example.org", "/coordinator/map")):
        auth.login(email)
        response = client.get(path)
        assert response.status_code == 200, path
        pages.append(response)
        auth.logout()
    return pages


@pytest.mark.parametrize("config_overrides", [PROVIDER])
def test_the_configured_tiles_and_their_credit_reach_every_map_and_the_csp(client, auth):
    for response in map_pages(client, auth):
        data = map_div(response.get_data(as_text=True))
        assert data["tiles"] == PROVIDER["MAP_TILE_URL"]
        assert data["attribution"] == PROVIDER["MAP_TILE_ATTRIBUTION"]
        assert (data["subdomains"], data["max-zoom"]) == ("xyz", "17")
        assert "https://*.tiles.example.org" in response.headers["Content-Security-Policy"]


def test_by_default_the_maps_credit_openstreetmap_with_a_link_to_its_licence(client, auth):
    for response in map_pages(client, auth):
        data = map_div(response.get_data(as_text=True))
        assert data["tiles"] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
        assert 'href="https://www.openstreetmap.org/copyright"' in data["attribution"]
        assert "https://tile.openstreetmap.org" in response.headers["Content-Security-Policy"]


def test_openstreetmaps_tiles_keep_their_credit_even_when_the_setting_is_emptied():
    tiles = map_tiles({"MAP_TILE_URL": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "MAP_TILE_ATTRIBUTION": ""})
    assert tiles.attribution == OSM_ATTRIBUTION


def test_the_map_script_never_turns_the_credit_off():
    from pathlib import Path

    script = (Path(__file__).resolve().parent.parent / "mutualaid" / "static" / "map.js").read_text()
    assert "attributionControl: true" in script and "attributionControl: false" not in script
    assert "holder.dataset.attribution" in script


def test_production_on_openstreetmaps_own_servers_warns_at_start_up(caplog, tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/p.sqlite3")
    monkeypatch.delenv("MAP_TILE_URL", raising=False)
    with caplog.at_level(logging.WARNING):
        create_app("production")
    assert "tile.openstreetmap.org" in caplog.text and "usage policy" in caplog.text


def test_production_on_another_provider_and_development_on_osm_are_not_warned():
    other = map_tiles(PROVIDER)
    osm = map_tiles({"MAP_TILE_URL": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "MAP_TILE_ATTRIBUTION": "x"})
    assert warnings_for(other, "production") == [] and warnings_for(osm, "development") == []


def test_a_provider_without_credit_is_warned():
    tiles = map_tiles({**PROVIDER, "MAP_TILE_ATTRIBUTION": " "})
    assert any("MAP_TILE_ATTRIBUTION is empty" in w for w in warnings_for(tiles, "development"))


def test_subdomains_and_max_zoom_come_from_the_environment():
    settings = load_config("development", {"MAP_TILE_SUBDOMAINS": "abcd", "MAP_TILE_MAX_ZOOM": "20"})
    assert (settings["MAP_TILE_SUBDOMAINS"], settings["MAP_TILE_MAX_ZOOM"]) == ("abcd", 20)


@pytest.mark.parametrize("zoom", ["0", "23", "deep"])
def test_a_max_zoom_out_of_range_refuses_to_start(zoom):
    from config.settings import ConfigError

    with pytest.raises(ConfigError, match="MAP_TILE_MAX_ZOOM"):
        load_config("development", {"MAP_TILE_MAX_ZOOM": zoom})
