"""What people ask for and offer: the group's own words, in English and Spanish."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    """A kind of help, with words people use for it (for recognising free text); labels live in templating."""

    code: str
    words: tuple[str, ...]


CATEGORIES: tuple[Category, ...] = (
    Category("groceries", ("grocer", "food", "shopping", "shop", "bread", "milk",
                                                  "comida", "compras", "mercado", "alimentos", "despensa")),
    Category("medicine", ("medicine", "prescription", "pharmacy", "meds",
                                                              "chemist", "medicina", "medicinas", "receta",
                                                              "farmacia", "medicamento")),
    Category("transport", ("ride", "lift", "transport", "drive", "appointment", "hospital",
                                     "viaje", "transporte", "llevar", "cita")),
    Category("errand", ("errand", "post office", "parcel", "collect", "pick up", "recado",
                                     "mandado", "paquete")),
    Category("company", ("call", "chat", "lonely", "talk", "visit", "company",
                                                     "llamada", "hablar", "visita", "compañía", "sola", "solo")),
    Category("childcare", ("childcare", "babysit", "kids", "children", "school run",
                                        "niños", "niñera", "cuidar")),
    Category("household", ("crib", "cot", "furniture", "clothes", "blanket", "heater",
                                              "cuna", "ropa", "muebles", "cobija", "manta")),
    Category("paperwork", ("form", "paperwork", "letter", "benefit",
                                                            "application", "formulario", "papeles",
                                                            "carta", "solicitud", "trámite")),
    Category("pets", ("dog", "cat", "pet", "walk my", "perro", "gato", "mascota")),
    Category("other", ()),
)

CATEGORY_CODES = tuple(c.code for c in CATEGORIES)
BY_CODE = {c.code: c for c in CATEGORIES}

URGENCIES = ("today", "soon", "this_week")

LANGUAGE_NAMES = {"en": "English", "es": "Español"}


def guess_category(text: str) -> str | None:
    """The category whose words appear first in `text`, or None when nothing fits."""
    lowered = text.lower()
    best: tuple[int, str] | None = None
    for category in CATEGORIES:
        for word in category.words:
            pos = lowered.find(word)
            if pos >= 0 and (best is None or pos < best[0]):
                best = (pos, category.code)
    return best[1] if best else None
