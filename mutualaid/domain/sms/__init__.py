"""The SMS conversation: keywords and a pure state machine (no Flask, no database)."""
