"""Short public references (e.g. K7Q4M): random, non-sequential, easy to read out and type."""
import secrets

# No 0/O, 1/I/L, U: easy to read aloud and to type on a keypad without confusion.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
REF_LENGTH = 5


def new_ref(length: int = REF_LENGTH) -> str:
    """A fresh random reference; callers retry on the rare collision."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise_ref(text: str | None) -> str | None:
    """Read a reference as people type it ("k7q4m", "K7Q-4M", "k7qo4m"), or None."""
    if not text:
        return None
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    cleaned = cleaned.replace("O", "0").replace("I", "1").replace("L", "1")
    if not 4 <= len(cleaned) <= 8 or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned
