"""Map tiles: which tile server the maps use, with its attribution, and a warning when a production site
leans on OpenStreetMap's own servers (their usage policy forbids heavy use; README lists others)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask

OSM_HOST = "tile.openstreetmap.org"
OSM_ATTRIBUTION = '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'


@dataclass(frozen=True)
class MapTiles:
    """What Leaflet needs to draw the tiles and credit them."""

    url: str
    attribution: str
    subdomains: str
    max_zoom: int

    @property
    def from_osm(self) -> bool:
        """Whether the tiles come from OpenStreetMap's own servers."""
        host = urlsplit(self.url).hostname or ""
        return host == OSM_HOST or host.endswith("." + OSM_HOST)


def map_tiles(config: Mapping) -> MapTiles:
    """The tile settings; OpenStreetMap's tiles always carry their credit, even if the setting is left empty."""
    tiles = MapTiles(url=config["MAP_TILE_URL"], attribution=(config.get("MAP_TILE_ATTRIBUTION") or "").strip(),
                     subdomains=config.get("MAP_TILE_SUBDOMAINS") or "abc", max_zoom=int(config.get("MAP_TILE_MAX_ZOOM") or 19))
    if tiles.from_osm and not tiles.attribution:
        tiles = MapTiles(tiles.url, OSM_ATTRIBUTION, tiles.subdomains, tiles.max_zoom)
    return tiles


def warnings_for(tiles: MapTiles, env_name: str) -> list[str]:
    """What an operator should hear about the tile settings at start-up."""
    found = []
    if env_name == "production" and tiles.from_osm:
        found.append("The maps use OpenStreetMap's own tile servers (tile.openstreetmap.org), whose usage policy "
                     "forbids heavy use and may block this site. Set MAP_TILE_URL and MAP_TILE_ATTRIBUTION to "
                     "another provider or your own tiles (README: \"Map tiles\").")
    if not tiles.attribution:
        found.append("MAP_TILE_ATTRIBUTION is empty: tile providers require their credit on every map. Set it "
                     "to the text your provider asks for.")
    return found


def init_app(app: Flask) -> None:
    """Offer `map_tiles` to templates, and warn once at start-up about tile settings that need care."""
    tiles = map_tiles(app.config)
    app.jinja_env.globals["map_tiles"] = tiles
    for warning in warnings_for(tiles, app.config.get("ENV_NAME", "")):
        app.logger.warning(warning)
