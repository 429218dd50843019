"""Builders of the messy spreadsheets groups really have, as CSV bytes."""
from __future__ import annotations

import csv
import io

NEED_HEADERS = ("Timestamp", "Email address", "Full name", "Phone number", "Postcode", "What do you need?",
                "Anything else?", "I agree to be contacted by text")
NEED_HEADERS_ES = ("Marca temporal", "Dirección de correo electrónico", "Nombre completo", "Teléfono",
                   "Código postal", "¿Qué necesitas?", "Cuéntanos más", "Acepto que me contacten por mensaje de texto")
VOLUNTEER_HEADERS = ("Timestamp", "Full name", "Email address", "Phone number", "Postcode",
                     "What can you help with?", "When are you available?", "Do you have a car?",
                     "I agree to be contacted by text")
OFFER_HEADERS = ("Timestamp", "Full name", "Phone number", "Postcode", "What can you offer?", "Details",
                 "Quantity", "I agree to be contacted by text")


def need_row(n: int, *, phone=None, postcode="E8 3RH", need="Groceries", details=None, consent="Yes", email=""):
    """A Google Form answer asking for help."""
    return ("2026/03/01 10:00:00", email, f"Neighbour {n}", phone if phone is not None else f"07911 1{n:05d}",
            postcode, need, details if details is not None else f"Bread and milk for flat {n}", consent)


def volunteer_row(n: int, *, phone=None, email=None, postcode="E8 3RH", skills="Shopping, Prescriptions",
                  consent="Yes"):
    """A Google Form answer offering time."""
    return ("2026/03/01 10:00:00", f"Volunteer {n}", email if email is not None else f"vol{n}@example.org",
            phone if phone is not None else f"07911 2{n:05d}", postcode, skills, "Weekday evenings", "No", consent)


def offer_row(n: int, *, phone=None, postcode="E8 4", what="Household items", details=None, consent="Yes"):
    """A Google Form answer offering a thing."""
    return ("2026/03/01 10:00:00", f"Offerer {n}", phone if phone is not None else f"07912 3{n:05d}", postcode, what,
            details if details is not None else f"A cot, number {n}", "1", consent)


def csv_bytes(headers, rows, *, separator=",", encoding="utf-8", bom=False, line="\r\n") -> bytes:
    """The sheet as a spreadsheet program would save it."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator=line)
    writer.writerow(headers)
    writer.writerows(rows)
    text = out.getvalue()
    data = text.encode(encoding)
    if bom and encoding == "utf-8":
        data = b"\xef\xbb\xbf" + data
    return data
