"""Privacy rules: what a volunteer may see of a need before claiming it (DESIGN.md §4)."""
from __future__ import annotations

import functools
import math
import re
import unicodedata

import phonenumbers

# Public points are snapped to a grid of about this many metres, so distances shown
# to volunteers cannot be used to triangulate a requester's door.
PUBLIC_GRID_METRES = 400.0
METRES_PER_DEGREE_LAT = 111_320.0


def approximate_point(lat: float, lon: float, grid_m: float = PUBLIC_GRID_METRES) -> tuple[float, float]:
    """Snap a point to the centre of its grid cell (about `grid_m` metres square)."""
    lat_step = grid_m / METRES_PER_DEGREE_LAT
    snapped_lat = (math.floor(lat / lat_step) + 0.5) * lat_step
    lon_step = grid_m / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(snapped_lat)), 0.01))
    snapped_lon = (math.floor(lon / lon_step) + 0.5) * lon_step
    return round(snapped_lat, 5), round(snapped_lon, 5)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two points."""
    rlat1, rlat2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = rlat2 - rlat1, math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(rlat1) * math.cos(rlat2) * math.sin(dlon / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def rounded_distance_km(km: float) -> float:
    """Distances shown before a claim are coarse: 0.5 km steps (at least 0.5)."""
    return max(0.5, round(km * 2) / 2)


def mask_phone(e164: str | None) -> str:
    """Show only the last two digits of a phone number (for coordinator lists)."""
    if not e164:
        return ""
    return "•" * max(len(e164) - 2, 0) + e164[-2:]


# --- Redaction of free text -------------------------------------------------------------------
#
# Everything a neighbour writes has a public version in which whatever could identify someone is
# replaced by a placeholder. Recall matters more than precision: a missed name or door number is a
# harm, an over-cautious "[address]" is a small loss. Measured on tests/domain/redaction_corpus.jsonl
# by bench/redaction.py.

PLACEHOLDERS = {"name": "[name]", "address": "[address]", "phone": "[phone]", "email": "[email]",
                "postcode": "[postcode]", "code": "[code]"}
_PLACEHOLDER = re.compile(r"\[(?:name|address|phone|email|postcode|code)\]")
_MIN_SECRET = 3
_PHONE_REGIONS = ("GB", "US", "ES")
_MIN_PHONE_DIGITS = 7
_L = "A-Za-zÀ-ÖØ-öø-ÿ"  # letters, with the accented ones Spanish and English texts use
_WORD = rf"[{_L}][{_L}'’.-]*"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# An email spelt out so that it is not a link: "ada at example dot com", "ada (at) example (dot) org",
# "maria arroba gmail punto com". It must end in a common domain ending, so "meet at the shop. Then" is no email.
_SAID_AT = r"(?:\s*[(\[{<]\s*(?:at|arroba)\s*[)\]}>]\s*|\s+(?:at|arroba)\s+|\s*@\s*)"
_SAID_DOT = r"(?:\s*[(\[{<]\s*(?:dot|punto)\s*[)\]}>]\s*|\s+(?:dot|punto)\s+|\.)"
_SPELT_EMAIL = re.compile(
    rf"(?<![\w.+-])[\w+-]+(?:{_SAID_DOT}[\w+-]+){{0,3}}{_SAID_AT}[\w-]+(?:{_SAID_DOT}[\w-]+){{0,3}}{_SAID_DOT}"
    r"(?:com|org|net|es|uk|edu|gov|info|me|io|eu|cat|mx|ar|co|us)(?![\w@])", re.IGNORECASE)
# The code that opens a neighbour's door or key safe ("key safe code is 4321", "el código del portal es 7788"):
# whoever reads it can walk in, so only the volunteer who takes the request sees it.
_ACCESS_CODE = re.compile(
    r"\b(?:(?:key\s*-?\s*safe|key\s*box|lock\s*box|alarm|pin)(?:\s+(?:code|number|no\.?|pin|combination))?|"
    r"(?:door|front\s+door|gate|entry|entrance|building|intercom|buzzer|access)\s+(?:code|pin|combination)|"
    r"code\s+(?:for|to|of|on)\s+(?:the\s+|my\s+)?(?:key\s*-?\s*safe|key\s*box|lock\s*box|door|front\s+door|gate|"
    r"building|alarm)|"
    r"c[oó]digo(?:\s+(?:de\s+la|del|de)\s+(?:puerta|portal|caja(?:\s+de\s+(?:las\s+)?llaves)?|alarma|acceso|"
    r"entrada|portero))?)"
    r"\s*(?:is|es|:|=|-)?\s*(?P<code>\d(?:[\s-]?\d){2,7}(?:\s*[#*])?)", re.IGNORECASE)
_A_DIGIT = re.compile(r"\d")
_DIGIT_RUN = re.compile(r"(?<![\w+])\+?\(?\d[\d \t().-]{5,}\d(?!\w)")
# Digits said in words, as a number is read out over the phone ("oh seven nine one one, double one two...",
# "seis uno dos, treinta y cuatro..."): each word with how many digits it stands for.
_SPOKEN_DIGITS = {
    **dict.fromkeys("zero oh o nought nil one two three four five six seven eight nine".split(), 1),
    **dict.fromkeys("cero uno dos tres cuatro cinco seis siete ocho nueve".split(), 1),
    **dict.fromkeys("ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty "
                    "forty fifty sixty seventy eighty ninety diez once doce trece catorce quince dieciseis "
                    "dieciséis diecisiete dieciocho diecinueve veinte veintiuno veintidos veintidós veintitres "
                    "veintitrés veinticuatro veinticinco veintiseis veintiséis veintisiete veintiocho veintinueve "
                    "treinta cuarenta cincuenta sesenta setenta ochenta noventa".split(), 2),
    **dict.fromkeys("hundred cien ciento doscientos trescientos cuatrocientos quinientos seiscientos setecientos "
                    "ochocientos novecientos".split(), 3),
}
_SPOKEN_REPEAT = {"double": 2, "triple": 3, "doble": 2}
_TENS = frozenset(w for w, n in _SPOKEN_DIGITS.items() if n == 2 and (w.endswith(("ty", "ta")) or w == "veinte"))
_SPOKEN_WORD = "|".join(sorted([*_SPOKEN_DIGITS, *_SPOKEN_REPEAT], key=len, reverse=True))
_SPOKEN_TOKEN = rf"(?:{_SPOKEN_WORD}|\d+)"
_SPOKEN_RUN = re.compile(
    rf"(?<![\w+]){_SPOKEN_TOKEN}(?:(?:[\s,.;:/-]+(?:(?:y|and|&)\s+)?|-){_SPOKEN_TOKEN}){{2,}}(?!\w)",
    re.IGNORECASE)
_TRAILING_OR = re.compile(r"[\s,.;:/-]+o$", re.IGNORECASE)
_SPOKEN_PART = re.compile(rf"{_SPOKEN_TOKEN}(?!\w)", re.IGNORECASE)
_GB_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9])[A-Z]{2}\b", re.IGNORECASE)
_US_ZIP4 = re.compile(r"\b(\d{5})-\d{4}\b")

_EN_STREET = (r"street|st|road|rd|avenue|ave|lane|ln|close|drive|dr|way|court|ct|crescent|cres|place|pl|"
              r"terrace|gardens|gdns|grove|square|sq|hill|row|walk|mews|boulevard|blvd|parade|rise|estate|"
              r"green|park|highway|hwy|parkway|circle|vale|gate|house|mansions|buildings|tower|towers|"
              r"heights|wharf|yard|approach|broadway|strt|stret|raod|avenu|lne")
# Words that, between a number and a street word, show the number is not a house number
# ("2 bags from Mare Street", "5 minutes to Oak Avenue").
_NOT_STREET_WORDS = (r"from|to|on|near|at|in|of|by|off|past|behind|opposite|and|or|for|with|via|minutes?|mins?|"
                     r"bags?|items?|things?|kids?|tins?|packs?|boxes?|bottles?|loaves|pints?|hours?|hrs?|days?|"
                     r"weeks?|people|adults?|children|times?|stops?|blocks?|miles?|km|metres?|meters?|yards?|x")
_NOT_HOUSE_NUMBER = (r"minutos?|min|mins|horas?|euros?|kg|km|metros?|bolsas?|veces|personas|a[nñ]os|d[ií]as|"
                     r"paradas?|minutes?|hours?|stops?")
_EN_ADDRESS = re.compile(
    rf"(?<![\w£$€.,:/])(?:no\.?\s*|number\s+|num\s+|#\s*)?\d{{1,5}}[a-z]?(?:\s*[-/]\s*\d{{1,5}}[a-z]?)?,?\s+"
    rf"(?:(?!(?:{_NOT_STREET_WORDS})\b)(?:{_WORD}|\d{{1,3}}(?:st|nd|rd|th))\s+){{0,3}}?"
    rf"(?:{_EN_STREET})\b\.?(?:\s+(?:{_EN_STREET})\b\.?)*", re.IGNORECASE)
_UNIT = re.compile(
    r"\b(?:flat|flt|apt|apartment|unit|suite|piso|puerta|pta|escalera|portal|planta|bloque|depto|"
    r"departamento)\.?\s*(?:no\.?\s*|n[º°o]\.?\s*|#\s*)?(?:\d{1,4}[a-z]?|[a-z]\d{0,3})\b"
    r"(?:\s*,?\s*(?:\d{1,2}\s*[º°ª]\s*[a-z]?\b|(?:izq|izqda|izda|dcha|der|dcho)\b\.?))?",
    re.IGNORECASE)
# A floor and door on their own ("del 3ºB", "4º izq."), which only a home has.
_FLOOR_DOOR = re.compile(r"(?<!\w)\d{1,2}\s?[º°ª]\s?(?:[A-H]\b|(?i:izq\w*|izda|dch\w*|der\w*)\b\.?)")
_ES_STREET = (r"calle|c/|c\.|avda\.?|avenida|av\.|plaza|pl\.|pza\.?|paseo|camino|ronda|traves[ií]a|carrer|glorieta|"
              r"callej[oó]n|carretera|ctra\.?|urbanizaci[oó]n|urb\.|pasaje|rambla|calzada|cll?e")
_ES_ADDRESS = re.compile(
    rf"(?<![\w/])(?:{_ES_STREET})\s*(?:(?:de|del|la|las|los|el|d')\s+)*(?:{_WORD}\s*,?\s*){{1,4}}?"
    rf"(?:n[º°o]\.?\s*|num\.?\s*|n[uú]mero\s+|#\s*)?\d{{1,4}}[a-z]?\b(?!\s*(?:{_NOT_HOUSE_NUMBER})\b)"
    rf"(?:\s*,?\s*(?:\d{{1,2}}\s*[º°ª]\s*[a-h]?\b|\d{{1,2}}\s*(?:[a-h]|izq\w*|dch\w*|der\w*)\b\.?|"
    rf"(?:izq\w*|dch\w*|der\w*|bajo|[aá]tico)\b\.?))*",
    re.IGNORECASE)
# The number first: "el número 5 de la calle Mayor", "en el 12 de la Avenida de América".
_ES_NUMBER_FIRST = re.compile(
    rf"(?<![\w/])(?:n[uú]mero\s+|n[º°o]\.?\s*)?\d{{1,4}}[a-z]?\s+de\s+(?:la\s+|el\s+)?(?:{_ES_STREET})\s*"
    rf"(?:(?:de|del|la|las|los|el|d')\s+)*{_WORD}(?:\s+(?:(?:de|del|la|las|los|el)\s+)*[A-ZÀ-Ö][{_L}'’-]*){{0,3}}",
    re.IGNORECASE)
# The street first and its number after, as in Spanish ("Mare Street 14", "Navarino Grove, 5").
_EN_NUMBER_AFTER = re.compile(
    rf"(?<![\w£$€.,:/])(?:(?!(?:{_NOT_STREET_WORDS}|en|de|del|al|a|vivo|vive|cerca|junto)\b){_WORD}\s+){{1,3}}?"
    rf"(?:{_EN_STREET})\b\.?,?\s*"
    rf"(?:no\.?\s*|n[º°o]\.?\s*|number\s+|#\s*)?\d{{1,4}}[a-z]?\b(?![.:,/-]?\d)"
    rf"(?!\s*(?:{_NOT_HOUSE_NUMBER}|{_NOT_STREET_WORDS}|am|pm|h)\b)", re.IGNORECASE)
# A house number in words, with "number"/"número" and a street on either side ("calle Mayor número cinco",
# "number twelve Mare Street", "el número doce de la calle Toledo").
_NUMBER_WORD = "|".join(sorted((w for w in _SPOKEN_DIGITS if w not in ("o", "oh", "nil", "nought", "zero", "cero")),
                               key=len, reverse=True))
_HOUSE_NUMBER_WORDS = (rf"(?:number|n[uú]mero|no\.|n[º°]\.?)\s*(?:{_NUMBER_WORD})"
                       rf"(?:[\s-]+(?:y\s+|and\s+)?(?:{_NUMBER_WORD})){{0,2}}\b")
_WORDS_ADDRESS = re.compile(
    rf"(?<![\w/])(?:(?:{_ES_STREET})\s*(?:(?:de|del|la|las|los|el|d')\s+)*|"
    rf"(?:{_WORD}\s+){{1,3}}?(?:{_EN_STREET})\b\.?)"
    rf"(?:{_WORD}\s*){{0,3}}?,?\s*{_HOUSE_NUMBER_WORDS}"
    rf"|(?<!\w){_HOUSE_NUMBER_WORDS},?\s+(?:de\s+(?:la\s+|el\s+)?)?"
    rf"(?:(?:{_ES_STREET})\s*(?:(?:de|del|la|las|los|el)\s+)*{_WORD}(?:\s+[A-ZÀ-Ö][{_L}'’-]*){{0,2}}|"
    rf"(?:{_WORD}\s+){{1,3}}?(?:{_EN_STREET})\b)", re.IGNORECASE)
_TITLE_NAME = re.compile(
    rf"\b(?i:mr|mrs|ms|miss|mx|dr|sr|sra|srta|se[nñ]or|se[nñ]ora|do[nñ]a)\.?\s+([{_L}][{_L}'’-]+)"
    rf"(\s+[A-Z][{_L}'’-]+)?")

# After these a name always follows ("my name is ada").
_STRONG = re.compile(
    r"\b(?:my\s+name\s+is|my\s+names|my\s+name's|name's|name\s+is|name:|call\s+me|me\s+llamo|mi\s+nombre\s+es|"
    r"nombre:|se\s+llama|is\s+called|ask\s+for|preguntar?\s+por|de\s+parte\s+de)\s+", re.IGNORECASE)
# After these a name may follow, and counts when it looks like one ("I'm Ada", not "I'm stuck"):
# introductions and relatives take any word that is not an ordinary one; "for", "from" and a message's
# start only a capitalised or well-known name; sign-offs any word that ends the message.
_INTRO = re.compile(
    r"\b(?:i\s*'?\s*m|i\s+am|this\s+is|it\s*'?\s*s|soy|habla|my\s+(?:mum|mom|mother|dad|father|son|daughter|"
    r"husband|wife|partner|neighbou?r|carer|friend|nan|gran|sister|brother|aunt|uncle|grandson|granddaughter)|"
    r"mi\s+(?:madre|padre|hijo|hija|marido|esposo|esposa|mujer|vecino|vecina|abuela|abuelo|hermano|hermana|"
    r"t[ií]a|t[ií]o|amiga|amigo))\b\s*,?\s*", re.IGNORECASE)
_LOOSE = re.compile(r"\b(?:from|for|para|de\s+parte\s+de|aqu[ií]\s*,?)\s+", re.IGNORECASE)
_START = re.compile(r"(?:^|[.!?\n])\s*")
_SIGN_OFF = re.compile(
    r"(?:\b(?:thanks|thank\s+you|thx|ta|cheers|gracias|saludos|un\s+saludo|atentamente|cordialmente|besos|"
    r"un\s+abrazo|abrazos|love|regards|atte\.?|x+)(?:\s*[,!.]\s*|\s+)"
    r"|(?<!\w)[-—–~]\s*)"
    rf"([{_L}][{_L}'’-]*)(?:\s+([{_L}][{_L}'’-]*))?(?=\s*[.!x]*\s*(?:$|\+?\(?\d|[\[,]))",
    re.IGNORECASE)
_HERE = re.compile(rf"(?:^|[.!?,\n]\s*)([{_L}][{_L}'’-]+)(?:\s+([{_L}][{_L}'’-]+))?\s+(?:here|aqu[ií])\b",
                   re.IGNORECASE)
_MORE_SURNAME = re.compile(rf"[ \t]+(?:(?:de|del|de\s+la|de\s+los|y|i)[ \t]+)?([A-ZÀ-ÖØ-Þ][{_L}'’-]*)")
_NAME_WORD = re.compile(rf"[{_L}][{_L}'’-]*")
_CONTACT_PARTS = re.compile(r"[,;\n]")  # an address's parts, as contact_secrets splits it

# Words that follow "I'm", "from", "for"... and are not names.
_NOT_NAMES = frozenset("""
a an the at in on to of and or but so not no yes very really just still also too here there home out up down
over back off away about after before by with without from for into onto this that these those it its my me
your his her our their we us you they he she him them i am is are was were be been being have has had do does
did will would can could should may might must shall need needs needed needing want wanting looking trying
going coming getting stuck unable able ill sick poorly unwell disabled deaf blind elderly old young alone
housebound pregnant diabetic vegan vegetarian allergic new sorry ok okay fine good well free available
around near nearby close local asking writing texting messaging calling after hoping worried struggling
self isolating isolated shielding recovering waiting due staying living moving sure happy grateful glad
sending texting all any some more most much many few lot lots one two three four five six seven eight nine ten
today tomorrow tonight monday tuesday wednesday thursday friday saturday sunday morning afternoon evening
week weekend month please pls plz thx thanks cheers help helping mum mom dad son daughter wife husband
neighbour neighbor carer friend nan gran sister brother aunt uncle family kids children baby bus tesco
asda lidl aldi sainsburys sainsbury's boots morrisons coop co-op pharmacy chemist gp doctor hospital surgery
clinic school church mosque food bank market shop shops store council street road lane avenue name nombre
x xx xxx anyone anybody someone somebody could can shopping urgent urgently bread
milk bread eggs groceries shopping medicine prescription nappies formula
yo el la los las un una de del en con sin por para que y o pero muy ya aqui alli casa sola solo mayor
enferma enfermo diabetica diabetico embarazada nueva nuevo vecina vecino madre padre abuela abuelo
necesito necesita necesitamos buscando esperando mal bien lunes martes miercoles jueves viernes sabado
domingo manana tarde noche semana hoy mañana favor porfa gracias ayuda farmacia mercado tienda
es soy esta estoy estamos tengo tiene somos sus su mi mis tu tus le lo nos vivo vive quiero puedo puede
necesitaria llamo llama llamar llamen escribo escribe busco pido pide voy va hay se te
and i'm im need needs at in from can could would live living lives text call ring phone email
""".split())

# Common first names and surnames (English and Spanish), for names typed in lower case or with no
# introduction; names that are also ordinary words ("may", "will", "rose") are left out.
_KNOWN_NAMES = frozenset("""
ada adam agnes alan albert alice amir amy ana andrea andrew angela ann anna anne antonio arthur barbara beatriz
betty brenda brian carlos carlota carmen carol caroline catherine charles charlotte chris christine claire
concha consuelo cristina daniel david deborah diana diane dolores doris dorothy edith edna edward eileen elena
elizabeth ellen emily emma enrique eric esperanza ethel eva evelyn fatima fernando florence francisco frank gary
george gladys gloria graham harold helen ian irene isabel james jane janet javier jean jennifer jesus jim joan
joe john jorge jose josefa juan julia julie karen kate kathleen kevin laura lily linda lisa lola lucia luis
luisa manuel manuela margaret maria marie marta martha mary mercedes michael miguel mohammed muhammad nancy
nora olga omar pablo patricia paul pedro peggy pilar priya rafael ramon raquel raul rebecca richard rita robert
rosa rosario ruth sue sandra sara sarah sharon shirley sofia stephen steve susan teresa thomas valerie vera victor
violet walter wendy william yolanda yusuf zainab zebedee
garcia lopez martinez rodriguez gonzalez hernandez perez sanchez ramirez torres flores rivera gomez diaz
moreno munoz alvarez romero jimenez ruiz navarro smith jones williams brown taylor davies evans wilson
thomas johnson roberts walker wright robinson thompson patel khan ahmed ali begum okafor okonkwo murphy kelly
o'brien lovelace nowak kowalski
""".split())
_STREETISH = re.compile(rf"(?:\s+[{_L}][{_L}'’-]*){{0,2}}?\s+(?:{_EN_STREET}|market|bus|station|library|centre|center|"
                        rf"school|hospital|surgery|post\s+office)\b",
                        re.IGNORECASE)


def _is_placeholder_near(text: str, start: int, end: int) -> bool:
    """Whether [start, end) overlaps a placeholder already in the text."""
    return any(m.start() < end and start < m.end() for m in _PLACEHOLDER.finditer(text))


def _name_spans(text: str) -> list[tuple[int, int, str]]:
    """Self-introductions, titles, sign-offs and well-known first names."""
    spans = []
    for match in _STRONG.finditer(text):
        spans += _names_after(text, match.end(), strong=True)
    for match in _INTRO.finditer(text):
        spans += _names_after(text, match.end(), strong=True)
    for match in _LOOSE.finditer(text):
        spans += _names_after(text, match.end(), strong=False)
    for match in _START.finditer(text):
        spans += _names_after(text, match.end(), strong=False, capital_ok=False)
    for pattern in (_SIGN_OFF, _HERE):
        for match in pattern.finditer(text):
            words = [g for g in (1, 2) if match.group(g) and match.group(g).lower() not in _NOT_NAMES]
            if words and words[0] == 1:
                spans.append((match.start(1), match.end(words[-1]) if words == [1, 2] else match.end(1), "name"))
    for match in _TITLE_NAME.finditer(text):
        if match.group(1).lower() not in _NOT_NAMES:
            spans.append((match.start(1), match.end(2) if match.group(2) else match.end(1), "name"))
    for match in _NAME_WORD.finditer(text):
        word = match.group(0)
        if word[0].isupper() and word.lower().strip("'’") in _KNOWN_NAMES and not _STREETISH.match(text, match.end()):
            spans.append((match.start(), match.end(), "name"))
    return spans


def _names_after(text: str, at: int, *, strong: bool, capital_ok: bool = True) -> list[tuple[int, int, str]]:
    """The name (one or two words) starting at `at`, when the words there look like one."""
    first = _NAME_WORD.match(text, at)
    if not first:
        return []
    word = first.group(0).rstrip("'’-")
    low = word.lower()
    if low in _NOT_NAMES or _STREETISH.match(text, first.end()):
        return []
    known = low in _KNOWN_NAMES
    if not (known or strong or (capital_ok and word[0].isupper())):
        return []
    end = first.start() + len(word)
    second = re.compile(rf"[ \t]+([{_L}][{_L}'’-]*)").match(text, end)
    if second:
        other = second.group(1)
        if other.lower() not in _NOT_NAMES and (other.lower() in _KNOWN_NAMES or strong or
                                                  (other[0].isupper() and word[0].isupper())):
            end = second.end(1)
    for _ in range(3):  # Spanish names run longer: "Rosa María López García", "Juan de la Cruz Pérez"
        more = _MORE_SURNAME.match(text, end)
        if not more or more.group(1).lower() in _NOT_NAMES:
            break
        end = more.end(1)
    return [(first.start(), end, "name")]


def _phone_spans(text: str, region: str) -> list[tuple[int, int, str]]:
    """Phone numbers in any common format: libphonenumber for each region we serve, then long digit runs."""
    spans = []
    if sum(c.isdigit() for c in text) < _MIN_PHONE_DIGITS:  # most texts: no number could be a phone
        return spans
    for code in dict.fromkeys((region, *_PHONE_REGIONS)):
        for match in phonenumbers.PhoneNumberMatcher(text, code, leniency=phonenumbers.Leniency.POSSIBLE):
            if sum(c.isdigit() for c in match.raw_string) >= _MIN_PHONE_DIGITS and not _US_ZIP4.fullmatch(
                    match.raw_string):
                spans.append((match.start, match.end, "phone"))
    for match in _DIGIT_RUN.finditer(text):
        raw = match.group(0).rstrip(" .-(")
        if sum(c.isdigit() for c in raw) >= _MIN_PHONE_DIGITS and not re.fullmatch(r"[\d.]+\.\d{1,2}", raw) \
                and not _US_ZIP4.fullmatch(raw):
            spans.append((match.start(), match.start() + len(raw), "phone"))
    return spans


def _spoken_digits(run: str) -> tuple[int, bool]:
    """How many digits a run of number words and digits stands for, and whether it holds a word at all."""
    count, words, previous = 0, False, ""
    for part in _SPOKEN_PART.findall(run):
        low = part.lower()
        if low.isdigit():
            count += len(low)
        elif low in _SPOKEN_REPEAT:
            count += _SPOKEN_REPEAT[low] - 1  # the digit it repeats counts once more
            words = True
        else:
            words = True
            # "thirty four", "treinta y cuatro", "seiscientos doce": one number, not two
            count += 0 if (previous in _TENS and _SPOKEN_DIGITS[low] == 1) or \
                _SPOKEN_DIGITS.get(previous) == 3 and _SPOKEN_DIGITS[low] < 3 else _SPOKEN_DIGITS[low]
        previous = low
    return count, words


def _spoken_phone_spans(text: str) -> list[tuple[int, int, str]]:
    """Phone numbers written out in words, in English or Spanish, alone or mixed with digits."""
    spans = []
    for match in _SPOKEN_RUN.finditer(text):
        run = _TRAILING_OR.sub("", match.group(0))  # "...siete ocho o escribid": the Spanish "or", not a zero
        digits, words = _spoken_digits(run)
        if words and digits >= _MIN_PHONE_DIGITS:
            spans.append((match.start(), match.start() + len(run), "phone"))
    return spans


# Accented letters and their plain forms, one character for one, so positions hold: "María Ibáñez" is
# typed "Maria Ibanez" on a phone without accents (most texts), and the other way round.
_PLAIN_LETTERS = {code: base for code in range(0xC0, 0x250)
                  if len(base := unicodedata.normalize("NFD", chr(code))[0]) == 1 and base.isascii()
                  and base.isalpha() and base != chr(code)}


def _secret_spans(text: str, secrets) -> list[tuple[int, int, str]]:
    """Every whole-word occurrence of the person's own contact values, in any case, with or without accents."""
    spans = []
    if not text.isascii():
        text = text.translate(_PLAIN_LETTERS)
    folded = text.lower() if text.isascii() else None
    text_digits = None
    for kind, value in secrets:
        value = value.strip()
        if len(value) < _MIN_SECRET:
            continue
        if not value.isascii():
            value = value.translate(_PLAIN_LETTERS)
        # Each value's own pattern is compiled anew (hundreds per page of needs, too many for re's cache),
        # so first a plain search for what any match must contain; only a hit is looked at with the pattern.
        pattern = rf"(?<!\w){re.escape(value)}(?!\w)"
        if kind == "phone":  # any separators between the digits
            digits = re.sub(r"\D", "", value)
            pattern = r"(?<!\d)\+?" + r"[\s().-]*".join(digits) + r"(?!\d)"
            if text_digits is None:
                text_digits = re.sub(r"\D", "", text)
            if digits and digits not in text_digits:  # a match is these digits with only separators between
                continue
        elif folded is not None and value.isascii() and value.lower() not in folded:
            continue  # ASCII against ASCII: IGNORECASE matches exactly what lower() makes equal
        spans += [(m.start(), m.end(), kind) for m in re.finditer(pattern, text, re.IGNORECASE)]
    return spans


def pii_spans(text: str, *, secrets=(), region: str = "GB") -> list[tuple[int, int, str]]:
    """The spans of `text` that identify someone, as (start, end, kind), merged, in order.

    A kind is a key of PLACEHOLDERS, or "sector" for a full postcode of which only the sector is
    kept. Spans over placeholders already in the text are left out, so redacting twice changes nothing.
    """
    found = _secret_spans(text, secrets) + _phone_spans(text, region) + _spoken_phone_spans(text) + _name_spans(text)
    found += [(m.start(), m.end(), "email") for pattern in (_EMAIL, _SPELT_EMAIL) for m in pattern.finditer(text)]
    found += [(m.start("code"), m.end("code"), "code") for m in _ACCESS_CODE.finditer(text)]
    for pattern in (_EN_ADDRESS, _ES_ADDRESS, _UNIT, _ES_NUMBER_FIRST, _EN_NUMBER_AFTER, _FLOOR_DOOR, _WORDS_ADDRESS):
        found += [(m.start(), m.end(), "address") for m in pattern.finditer(text)]
    found += [(m.start(), m.end(), "sector") for m in _GB_POSTCODE.finditer(text)]
    found += [(m.start(), m.end(), "zip") for m in _US_ZIP4.finditer(text)]
    found = [s for s in found if s[1] > s[0] and not _is_placeholder_near(text, s[0], s[1])]
    merged: list[list] = []
    for start, end, kind in sorted(found, key=lambda s: (s[0], -s[1])):
        if merged and start < merged[-1][1]:
            last = merged[-1]
            keeps_place = kind in ("sector", "zip")  # a postcode inside an address goes with it
            if not keeps_place and (end - start > last[1] - last[0] or last[2] in ("sector", "zip")):
                last[2] = kind
            last[1] = max(last[1], end)
        else:
            merged.append([start, end, kind])
    return [tuple(s) for s in merged]


def _replacement(text: str, start: int, end: int, kind: str) -> str:
    """What a span becomes: its placeholder, or the postcode's sector (which the public label shows anyway)."""
    if kind == "sector":
        match = _GB_POSTCODE.fullmatch(text[start:end])
        if match:
            return f"{match.group(1).upper()} {match.group(2)}"
        return PLACEHOLDERS["postcode"]
    if kind == "zip":
        return text[start:start + 5]
    return PLACEHOLDERS[kind]


@functools.lru_cache(maxsize=8192)
def contact_secrets(*, name: str = "", address: str = "", phone: str = "", email: str = "",
                    region: str = "GB") -> tuple[tuple[str, str], ...]:
    """A person's own contact values to hide wherever they appear: each name word of 3+ letters, each
    address part, the phone (E.164 and national form) and the email, as (kind, value) pairs."""
    found = [("name", word) for word in _NAME_WORD.findall(name or "") if len(word) >= _MIN_SECRET]
    if name and name.strip():
        found.append(("name", name.strip()))
    found += [("address", part.strip()) for part in _CONTACT_PARTS.split(address or "")
              if len(part.strip()) >= _MIN_SECRET and not _GB_POSTCODE.fullmatch(part.strip())]
    if phone:
        found.append(("phone", phone))
        try:
            national = phonenumbers.format_number(phonenumbers.parse(phone, region),
                                                  phonenumbers.PhoneNumberFormat.NATIONAL)
            found.append(("phone", national))
        except phonenumbers.NumberParseException:
            pass
    if email:
        found.append(("email", email))
    return tuple((kind, value) for kind, value in found if len(value.strip()) >= _MIN_SECRET)


def private_fragments(*, name: str = "", address: str = "", phone: str = "", email: str = "") -> tuple:
    """The pieces of a person's data worth hiding (see contact_secrets)."""
    return contact_secrets(name=name, address=address, phone=phone, email=email)


def redact_details(details: str, *, secrets=(), region: str = "GB") -> str:
    """The public version of free text: names, street addresses, phones, emails and postcodes finer than
    the sector replaced by placeholders ("[name]", "[address]", ...), and the person's own contact values
    (`secrets`: (kind, value) pairs, or plain strings) wherever they appear.

    A pure function; redacting its own result changes nothing. The last few thousand answers are
    remembered: the same texts are redacted again and again.
    """
    pairs = tuple(s if isinstance(s, tuple) else (_guess_kind(s), s) for s in secrets)
    return _redact(details or "", pairs, region)


@functools.lru_cache(maxsize=8192)
def hide_secrets(text: str, secrets: tuple) -> str:
    """Only the person's own contact values hidden (cheap; for text already redacted once). Remembered, as
    the same needs are listed again and again."""
    spans = [s for s in _secret_spans(text, secrets) if not _is_placeholder_near(text, s[0], s[1])]
    return _apply(text, _widest(spans))


def hide_contact_values(text: str, *, name: str = "", address: str = "", phone: str = "", email: str = "",
                        region: str = "GB") -> str:
    """hide_secrets(text, contact_secrets(...)), without the cost of formatting the phone number (the
    most of it) when the text has too few digits to hold it: an E.164 number's national form keeps at
    least its digits less the country code (three at most)."""
    if phone and re.fullmatch(r"\+\d+", phone) and len(_A_DIGIT.findall(text)) < len(phone) - 1 - 3:
        phone = ""  # neither form can be in the text
    if not phone and _ascii_and_free_of(text, name, address, email):
        return text  # the usual case for text redacted at intake: no pattern built, nothing remembered
    return hide_secrets(text, contact_secrets(name=name, address=address, phone=phone, email=email, region=region))


def _ascii_and_free_of(text: str, name: str, address: str, email: str) -> bool:
    """Whether `text` and the values are ASCII and none of contact_secrets' values for them appears in
    the text in any case: then _secret_spans finds nothing (in ASCII, IGNORECASE matches exactly what
    lower() makes equal, and every match holds its whole value). Looks for each name word, the whole
    name, each address part (postcodes too, which contact_secrets leaves out) and the email, without
    contact_secrets' own cost, as most of a list's requesters are not among the ones it remembers."""
    if not (text.isascii() and name.isascii() and address.isascii() and email.isascii()):
        return False
    folded = text.lower()
    values = [*_NAME_WORD.findall(name), name, *_CONTACT_PARTS.split(address), email]
    return not any(value in folded for value in (v.strip().lower() for v in values) if len(value) >= _MIN_SECRET)


def _guess_kind(value: str) -> str:
    """The placeholder kind for a plain secret string."""
    if "@" in value:
        return "email"
    digits = sum(c.isdigit() for c in value)
    if digits >= _MIN_PHONE_DIGITS:
        return "phone"
    return "address" if digits else "name"


def _widest(spans) -> list[tuple[int, int, str]]:
    """Overlapping spans as one ("Ada Lovelace" and "Ada" within it), so each character is replaced once."""
    merged: list[list] = []
    for start, end, kind in sorted(spans, key=lambda s: (s[0], -s[1])):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end, kind])
    return [tuple(s) for s in merged]


def _apply(text: str, spans) -> str:
    """`text` with each (start, end, kind) span replaced, last first so positions hold."""
    for start, end, kind in sorted(spans, reverse=True):
        text = text[:start] + _replacement(text, start, end, kind) + text[end:]
    return text


@functools.lru_cache(maxsize=8192)
def _redact(details: str, secrets: tuple, region: str) -> str:
    """redact_details, remembered; repeated until nothing more is found (at most a few rounds)."""
    text = details
    for _ in range(4):
        spans = pii_spans(text, secrets=secrets, region=region)
        if not spans:
            break
        text = _apply(text, spans)
    return text
