"""Write tests/domain/redaction_corpus.jsonl: messages as neighbours text them, with the spans that identify
someone marked by kind (name, address, phone, email, postcode).

Each message comes from a hand-written template whose slots are filled from lists of real-looking values;
the slot positions are the labels. Seeded, so the file is the same each time. Messages with no personal
data (street names used as landmarks, buses, quantities, prices, doses, times) are in the mix on purpose.
Run from the repository root: .venv/bin/python scripts/make_redaction_corpus.py
"""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "domain" / "redaction_corpus.jsonl"

FIRST = ["Ada", "Edna", "Joan", "Maria", "Carmen", "Priya", "Fatima", "Tom", "Kwame", "Zainab", "Olu", "Bogdan",
         "Siobhan", "Dolores", "Lucia", "Javier", "Hamid", "Mei", "Thandiwe", "Agnieszka", "Rosalind", "Dev",
         "Consuelo", "Yusuf", "Margaret", "Pilar", "Kofi", "Niamh", "Gareth", "Winifred"]
LAST = ["Lovelace", "Okafor", "Garcia", "Patel", "Nowak", "Begum", "O'Neill", "Fernandez", "Mensah", "Ruiz",
        "Kowalczyk", "Adeyemi", "Hughes", "Castillo", "Nguyen", "Abara", "Delgado", "Pritchard"]
EN_STREETS = ["Mare Street", "Mare St", "Amhurst Road", "amhurst rd", "Dalston Lane", "Kingsland High St",
              "Church Road", "church st", "Victoria Park Road", "Well St", "Morning Lane", "Sandringham Rd",
              "Clapton Square", "Navarino Grove", "Albion Drive", "Ellingfort Rd", "Wilton Way", "Graham Road",
              "Pembury Close", "Main Street", "N Main St", "Oak Avenue", "elm ave", "Maple Drive", "Sunset Blvd",
              "Forest Rd", "Lower Clapton Road", "Brett Close", "Holly Street", "Marcon Court"]
ES_STREETS = ["calle Mayor", "Calle de Alcala", "c/ Embajadores", "Avda. de la Constitucion", "Plaza Espana",
              "calle del Pez", "Paseo de las Delicias", "calle Toledo", "Avenida de America", "C/ Lavapies",
              "calle san bernardo", "Ronda de Valencia", "Camino Viejo", "calle Atocha", "Travesia del Arte"]
PHONES = ["07700 900123", "07911123499", "07700-900-461", "+44 7700 900982", "020 7946 0018", "(020) 7946 0321",
          "+447700900555", "0 7 7 0 0 9 0 0 1 2 3".replace(" ", ""), "415-555-0134", "(212) 555-0199",
          "+1 646 555 0102", "612 345 678", "+34 612 345 678", "600123456", "91 123 45 67", "07700 900 777",
          "0161 496 0000", "7700900321"]
EMAILS = ["ada.l@example.org", "ednaj42@gmail.com", "maria.g@hotmail.es", "tom_h@yahoo.co.uk",
          "priya+help@outlook.com", "zb@canary.example", "carmen.r@correo.es", "kwame88@icloud.com"]
POSTCODES = ["E8 3RH", "e8 1ja", "E5 0LL", "N16 7UX", "E9 6DF", "n1 5ab", "E83RH", "SW9 8QT"]
FLATS = ["flat 4", "Flat 12b", "flat 3", "apt 4B", "apartment 12", "unit 5", "Flat C"]
ES_FLOORS = ["3º B", "2 izq", "1º dcha", "bajo", "4 A"]

EN_NEEDS = ["need groceries", "could someone get my shopping", "need a prescription picked up",
            "can anyone help with food this week", "need milk bread and eggs", "need a lift to the hospital tuesday",
            "my fridge is empty", "need nappies size 4 and formula", "pls need someone to walk my dog",
            "need help filling a form for the council", "need 2 bags of shopping", "can someone collect my meds from boots",
            "need a phone call, feeling lonely", "need a cot for the baby", "need paracetamol 500mg and cough syrup"]
ES_NEEDS = ["necesito compra", "necesito que me recojan medicinas en la farmacia", "me hace falta comida esta semana",
            "necesito leche pan y huevos", "alguien me puede llevar al medico el martes", "necesito panales talla 4",
            "necesito ayuda con un formulario del ayuntamiento", "necesito 2 bolsas de compra",
            "necesito que alguien pasee a mi perro", "necesito una llamada, estoy muy sola"]

EN_TEMPLATES = [
    "{need}, I'm {first} at {num} {street} {pc}", "{need}. im {first} {num} {street}", "hi my name is {first} {last} {need}",
    "{need} - {first}", "{first} here, {need}, call me on {phone}", "{need} please ring {phone}", "{need} text {phone} thx",
    "{need} email {email}", "{need}, address is {num} {street}, {pc}", "{need} {flat}, {num} {street}",
    "this is {first} {last}, {need}", "{need}. my mum {first} lives at {num} {street}", "{need} ask for {first} at the door",
    "{need} im at {flat} {num} {street} {pc} my number {phone}", "{need} you can reach me at {email} or {phone}",
    "hello its {first}, {need}, {num} {street}", "{need}. Thanks, {first}", "{need} for Mrs {last} at number {num} {street}",
    "{need} i live {num} {street} near the park", "{need} postcode {pc}", "{need} my names {first}",
    "Name: {first} {last}. {need}", "{need} cheers {first} {phone}", "my neighbour {first} {need}, she is at {num} {street}",
    "{need} deliver to {num} {street} {flat}", "{need} call {phone} ask for {first}",
]
ES_TEMPLATES = [
    "hola soy {first} {need} vivo en {esstreet} {num}", "{need}, me llamo {first} {last}", "{need} mi telefono {phone}",
    "{need}, estoy en {esstreet} {num} {esfloor}", "{need} llamar al {phone} preguntar por {first}",
    "buenas, mi nombre es {first}, {need}", "{need}. escribeme a {email}", "{need} direccion: {esstreet} {num}, {esfloor}",
    "soy {first} {last} de {esstreet} {num}, {need}", "{need} gracias, {first}", "{need} es para mi madre {first}, vive en {esstreet} {num}",
    "{need} la Sra. {last} esta en {esstreet} numero {num}", "{first} aqui, {need}, mi movil es {phone}",
]
CLEAN = [
    "need bread from the Mare Street market", "can someone get 2 bags from the Calle Mayor market", "the 38 bus is not running, need a lift",
    "need flat-pack furniture built", "need 3 tins of soup and 1kg rice, about £12.50", "paracetamol 500mg x 32 please",
    "need help before 5pm today", "pick up from Dalston Lane library at 10:30", "ibuprofeno 400 mg, 2 cajas",
    "necesito compra en el mercado de la calle Mayor", "el autobus 27 no pasa, necesito que me lleven",
    "need a ride to the surgery on Amhurst Road tomorrow morning", "size 4 nappies x 2 packs",
    "any food bank near Morning Lane open on saturday?", "need 6 eggs, 2 pints milk, 1 loaf", "can someone walk my dog for 30 min",
    "need insulin pens from the chemist on Mare St", "necesito 2 litros de leche y 12 huevos",
    "heating broken, need 2 blankets", "need help with universal credit form", "up to 3 bags, budget 20 pounds",
    "necesito ayuda a las 10:30 el lunes", "need a lift to st thomas hospital 9am", "amoxicilina 500mg recogida en la farmacia",
    "Kingsland High St Tesco has what I need, 2 items", "flat pack wardrobe to assemble", "the 253 stops outside",
    "need 1 box of 24 nappies, 3 tins of formula", "tengo 80 anos y necesito compra", "I'm 82 and housebound, need shopping",
    "I'm diabetic, need sugar free food", "im stuck at home with covid, need food", "soy diabetica y necesito comida sin azucar",
    "need help Wednesday 2-4pm", "could use some company, a call at 6pm would be nice", "need 10 bin bags and washing powder",
    "need a phone top up of 10 pounds", "the lift in my block is broken need help with shopping", "need 400g pasta x 4",
    "Mare Street Post Office parcel pickup", "Bread and milk please", "Shopping needed urgently for 2 adults",
    "Anyone free to help Thursday?", "Could someone bring 2 bags of potatoes", "Please can someone call me back",
    "Thanks so much for last week, need more help with shopping", "Hola, necesito ayuda con la compra",
    "Buenos dias, necesito que me recojan la receta", "Thanks x", "need shopping from Lidl or Aldi, thanks",
    "Food from the Hackney food bank please", "need a lift from Homerton Hospital at 3pm",
    "I'm not well, need soup and tissues", "Im housebound need shopping", "necesito comida para mi gato",
    "need a taxi to Mare Street at 2pm, can pay £10", "2 bags from Mare Street market", "take the 38 to Mare Street",
    "5 minutes from Oak Avenue, need a hand with shopping", "vivo a 5 minutos de la Calle Mayor 5 minutos andando",
    "2 loaves from tesco on well st", "need 3 tins from the shop on Church Road", "need help moving a 3 seater sofa", "one 5kg bag of rice", "necesito que me recojan un paquete en Correos de la Plaza Mayor",
]

# Written one by one, after the patterns above: (text, [(identifying substring, kind), ...]).
HAND = [
    ("hi its joan from no 7 ashwin st, could u get me some milk", [("joan", "name"), ("no 7 ashwin st", "address")]),
    ("Mrs Okonkwo at 3 Reading Lane needs her meds collected", [("Okonkwo", "name"), ("3 Reading Lane", "address")]),
    ("my number is 07700 900 314 if the buzzer dont work", [("07700 900 314", "phone")]),
    ("need shopping, flat 9 Bayford House, E8 3SE", [("flat 9", "address"), ("E8 3SE", "postcode")]),
    ("soy Rocio, vivo en la calle de Toledo 45 2B, necesito comida", [("Rocio", "name"), ("calle de Toledo 45 2B", "address")]),
    ("me llamo ana belen y necesito ayuda con la compra", [("ana belen", "name")]),
    ("mi tlf es 655 44 33 22", [("655 44 33 22", "phone")]),
    ("email back to bob.smith@example.com pls", [("bob.smith@example.com", "email")]),
    ("Could Sue pick up from 44 Elrington Road? she knows me", [("Sue", "name"), ("44 Elrington Road", "address")]),
    ("urgent!! 2 kids no food, 18 Pitcairn House St Thomas's Sq", [("18 Pitcairn House", "address")]),
    ("I am Grace, 80, housebound, need groceries", [("Grace", "name")]),
    ("text me on +44 (0)7700 900 222", [("+44 (0)7700 900 222", "phone")]),
    ("call 020-7946-0991 after 6", [("020-7946-0991", "phone")]),
    ("Apt 3C, 210 W 14th St, New York 10011", [("Apt 3C", "address"), ("210 W 14th St", "address")]),
    ("my mom Linda needs a ride to her dialysis on Tues", [("Linda", "name")]),
    ("need help with food. Regards, Peter Mwangi", [("Peter Mwangi", "name")]),
    ("plaza de la villa 3, 1º izq, necesito ayuda", [("plaza de la villa 3, 1º izq", "address")]),
    ("avda de america 12 bajo, para mi abuela", [("avda de america 12 bajo", "address")]),
    ("need shopping delivered to 5 the grove", [("5 the grove", "address")]),
    ("ring my son Kevin on 07700900999 he will let u in", [("Kevin", "name"), ("07700900999", "phone")]),
    ("the Mare Street market stall sells the bread i need", []),
    ("2 x 500ml oat milk, 1 x 12 eggs", []),
    ("need 5mg amlodipine, 28 tablets", []),
    ("my appointment is at 14:45 on 03/12", []),
    ("can someone bring £20 worth of groceries", []),
    ("no 38 bus today so i cant get to the shops", []),
    ("necesito la compra, la calle Mayor esta cortada", []),
    ("I'm on the 4th floor, no lift, need help with shopping", []),
    ("need help on Mare Street near the library", []),
    ("gracias de antemano, necesito ayuda el jueves", []),
]


def hand_rows() -> list[dict]:
    """The hand-written messages, their labels turned into spans."""
    rows = []
    for text, marks in HAND:
        spans = []
        for value, kind in marks:
            start = text.index(value)
            spans.append([start, start + len(value), kind])
        rows.append({"text": text, "spans": spans, "lang": "es" if re.search(r"\b(soy|mi|me|necesito|para)\b", text) else "en"})
    return rows


def typo(text: str, rng: random.Random) -> str:
    """Sometimes lower-case, drop punctuation or swap two letters, as texts are typed."""
    if rng.random() < 0.4:
        text = text.lower()
    if rng.random() < 0.3:
        text = re.sub(r"[.,!]", "", text)
    return text


def fill(template: str, need: str, rng: random.Random) -> dict:
    """One message from a template, with the spans of each identifying value."""
    values = {"need": (need, None), "first": (rng.choice(FIRST), "name"), "last": (rng.choice(LAST), "name"),
              "num": (str(rng.randint(1, 240)) + rng.choice(["", "", "", "a"]), "address"),
              "street": (rng.choice(EN_STREETS), "address"), "esstreet": (rng.choice(ES_STREETS), "address"),
              "esfloor": (rng.choice(ES_FLOORS), "address"), "flat": (rng.choice(FLATS), "address"),
              "phone": (rng.choice(PHONES), "phone"), "email": (rng.choice(EMAILS), "email"),
              "pc": (rng.choice(POSTCODES), "postcode")}
    lower = rng.random() < 0.35
    text, spans = "", []
    for literal, slot in re.findall(r"([^{]*)(?:\{(\w+)\})?", template):
        text += literal.lower() if lower else literal
        if slot:
            value, kind = values[slot]
            if lower and kind not in ("phone", "email"):
                value = value.lower()
            if kind:
                spans.append([len(text), len(text) + len(value), kind])
            text += value
    return {"text": text, "spans": _joined(text, spans)}


def _joined(text: str, spans: list) -> list:
    """A house number and its street (and a flat beside them) are one address span."""
    out: list = []
    for span in spans:
        if out and out[-1][2] == span[2] == "address" and re.fullmatch(r"[\s,]*(?:number\s*)?", text[out[-1][1]:span[0]]) or out and out[-1][2] == span[2] == "name" and re.fullmatch(r"\s+", text[out[-1][1]:span[0]]):
            out[-1][1] = span[1]
        else:
            out.append(span)
    return out


def main() -> None:
    """Write the corpus."""
    rng = random.Random(2026)
    rows = []
    for _ in range(190):
        rows.append(fill(rng.choice(EN_TEMPLATES), rng.choice(EN_NEEDS), rng) | {"lang": "en"})
    for _ in range(110):
        rows.append(fill(rng.choice(ES_TEMPLATES), rng.choice(ES_NEEDS), rng) | {"lang": "es"})
    for text in CLEAN:
        rows.append({"text": text, "spans": [], "lang": "es" if re.search(r"necesito|tengo|soy|el autobus|ibuprofeno|amoxicilina", text) else "en"})
        rows.append({"text": typo(text, rng), "spans": [], "lang": rows[-1]["lang"]})
    rows += hand_rows()
    with OUT.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} messages written to {OUT}")


if __name__ == "__main__":
    main()
