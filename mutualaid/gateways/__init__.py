"""Ports to the outside world, chosen by config and built lazily."""
