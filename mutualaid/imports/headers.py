"""Guessing what each column of a group's spreadsheet holds, from its header, in English or Spanish. Pure.

A header is normalised (case, accents, punctuation, spaces) and looked up among known spellings,
including Google Forms' own ("Timestamp"/"Marca temporal"); failing that, words in it decide
("I agree to be contacted by text" is consent, "Your mobile" a phone). Each field goes to the
first column that looks like it; the rest are ignored until a coordinator says otherwise.
"""
from __future__ import annotations

import re
import unicodedata

IGNORE = "ignore"
COMMON_FIELDS = ("name", "phone", "email", "where", "language", "consent")
KIND_FIELDS = {
    "volunteers": COMMON_FIELDS + ("categories", "availability", "languages", "has_car", "radius_km", "capacity"),
    "needs": COMMON_FIELDS + ("category", "details", "urgency"),
    "offers": COMMON_FIELDS + ("category", "details", "offer_kind", "quantity"),
}
KINDS = tuple(KIND_FIELDS)

# Exact spellings (normalised), field first; a kind-specific table is read before the shared one.
SPELLINGS = {
    IGNORE: ("timestamp", "marca temporal", "fecha", "date", "submitted at", "id", "row", "fila"),
    "name": ("name", "full name", "your name", "nombre", "nombre completo", "tu nombre", "su nombre",
             "first name", "nombre y apellidos"),
    "phone": ("phone", "phone number", "mobile", "mobile number", "telephone", "tel", "telefono", "movil",
              "celular", "numero de telefono", "your phone number"),
    "email": ("email", "email address", "e mail", "correo", "correo electronico",
              "direccion de correo electronico", "your email"),
    "where": ("postcode", "post code", "postal code", "zip", "zip code", "address", "codigo postal",
              "direccion", "cp", "your postcode", "where", "donde", "location", "ubicacion"),
    "language": ("language", "idioma", "preferred language", "idioma preferido", "lengua"),
    "consent": ("consent", "consentimiento", "sms consent", "i agree to be contacted by text",
                "acepto que me contacten por mensaje de texto", "ok to text", "can we text you"),
}
KIND_SPELLINGS = {
    "volunteers": {
        "categories": ("skills", "habilidades", "categories", "categorias", "how can you help",
                       "como puedes ayudar", "what can you help with", "en que puedes ayudar", "kinds of help",
                       "tipos de ayuda", "what can you do", "que puedes hacer"),
        "availability": ("availability", "disponibilidad", "when are you available", "cuando estas disponible",
                         "available", "horario"),
        "languages": ("languages", "idiomas", "languages you speak", "que idiomas hablas", "languages spoken"),
        "has_car": ("car", "coche", "carro", "do you have a car", "tienes coche", "tienes carro", "driver"),
        "radius_km": ("distance", "radius", "distancia", "radio", "how far can you go", "km"),
        "capacity": ("capacity", "capacidad", "how many at once", "cuantas a la vez"),
    },
    "needs": {
        "category": ("what do you need", "que necesitas", "category", "categoria", "kind of help", "tipo de ayuda",
                     "type of help", "help needed", "ayuda que necesitas", "need"),
        "details": ("details", "detalles", "tell us more", "cuentanos mas", "description", "descripcion", "notes",
                    "notas", "more details", "mas detalles", "anything else", "algo mas", "request", "peticion"),
        "urgency": ("urgency", "urgencia", "how soon", "when do you need it", "para cuando", "cuando lo necesitas",
                    "how urgent", "que tan urgente"),
    },
    "offers": {
        "category": ("what can you offer", "que puedes ofrecer", "category", "categoria", "offer", "oferta",
                     "kind of help", "tipo de ayuda"),
        "details": ("details", "detalles", "tell us more", "cuentanos mas", "description", "descripcion", "notes",
                    "notas", "more details", "mas detalles"),
        "offer_kind": ("item or time", "cosa o tiempo", "offer type", "tipo de oferta", "thing or time"),
        "quantity": ("quantity", "cantidad", "how many", "cuantos", "cuantas"),
    },
}
# Words that decide when no spelling matched, in order (consent first: its question also says "text").
WORDS = (
    ("consent", ("agree", "consent", "acepto", "de acuerdo", "autorizo", "permission", "permiso")),
    (IGNORE, ("timestamp", "marca temporal")),
    ("email", ("email", "e mail", "correo")),
    ("phone", ("phone", "mobile", "telefono", "movil", "celular", "whatsapp")),
    ("where", ("postcode", "post code", "postal", "zip", "address", "direccion", "where do you live",
               "donde vives")),
    ("languages", ("languages", "idiomas")),
    ("language", ("language", "idioma")),
    ("name", ("name", "nombre")),
    ("categories", ("skill", "habilidad", "help with", "ayudar con", "can you help", "puedes ayudar")),
    ("availability", ("availab", "disponib")),
    ("has_car", ("car", "coche", "carro", "vehicle", "vehiculo")),
    ("category", ("need", "necesit", "category", "categoria", "kind", "type", "tipo", "offer", "ofrec")),
    ("urgency", ("urgen", "how soon", "when")),
    ("details", ("detail", "detalle", "describe", "descrip", "more", "mas", "notes", "notas", "comment")),
    ("quantity", ("quantity", "cantidad", "how many")),
)


def normalise(text: str) -> str:
    """Lower case, no accents, punctuation as spaces, single spaces: "¿Qué  necesitas?" -> "que necesitas"."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return re.sub(r"[\W_]+", " ", text).strip()


def spelling_table(kind: str) -> dict[str, str]:
    """Every known spelling for this kind, normalised, to its field."""
    table = {}
    for field, spellings in list(KIND_SPELLINGS[kind].items()) + list(SPELLINGS.items()):
        for spelling in spellings:
            table.setdefault(normalise(spelling), field)
    return table


def guess_field(header: str, kind: str) -> str:
    """The field a header most likely names for this kind, or IGNORE."""
    key = normalise(header)
    if not key:
        return IGNORE
    exact = spelling_table(kind).get(key)
    if exact is not None:
        return exact
    padded = f" {key} "
    allowed = KIND_FIELDS[kind]
    for field, words in WORDS:
        if (field == IGNORE or field in allowed) and any(_has(padded, word) for word in words):
            return field
    return IGNORE


def _has(padded: str, word: str) -> bool:
    """Whether a padded normalised header holds `word`: whole words, or a word's start when it ends a stem."""
    if f" {word} " in padded:
        return True
    stems = ("availab", "disponib", "necesit", "ofrec", "urgen", "descrip", "detail", "detalle", "skill",
             "habilidad", "agree", "consent")
    return word in stems and f" {word}" in padded


def guess_mapping(headers, kind: str) -> list[str]:
    """A field for each column; a field already taken by an earlier column is ignored on later ones."""
    taken, mapping = set(), []
    for header in headers:
        field = guess_field(header, kind)
        if field != IGNORE and field in taken:
            field = IGNORE
        taken.add(field)
        mapping.append(field)
    return mapping
