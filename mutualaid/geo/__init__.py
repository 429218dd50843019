"""Geocoding behind geopy's interface: the offline gazetteer by default, any geopy geocoder by config."""
