"""Configuration classes, built from environment variables when the app starts."""
from config.settings import CONFIGS, BaseConfig, ConfigError, load_config

__all__ = ["CONFIGS", "BaseConfig", "ConfigError", "load_config"]
