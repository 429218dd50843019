"""The Spanish catalogue: complete, safe to format, in step with the source, and really used.

The first three tests read the catalogue files only (no app, no database):

* every message in translations/messages.pot has a Spanish translation that is neither
  empty nor fuzzy;
* every translation keeps exactly the msgid's %(name)s / %(n)d placeholders (a missing or
  extra one makes the page crash with KeyError/ValueError at render time);
* the catalogue is up to date: the messages are extracted afresh with the same command a
  developer runs (see babel.cfg), and every one must be translated in messages.po.

The last tests drive the app: the browser's Accept-Language picks Spanish, and the footer's
language switch is remembered in a cookie.
"""
from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.builders import csrf_from, make_group

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
PO_ES = TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po"
MO_ES = PO_ES.with_suffix(".mo")
# Same keywords as the documented command: pybabel extract -F babel.cfg -k _l -k N_ -k lazy_gettext
EXTRA_KEYWORDS = ("_l", "N_", "lazy_gettext")
FIX_HINT = ("run: .venv/bin/pybabel extract -F babel.cfg -k _l -k N_ -k lazy_gettext "
            "-o translations/messages.pot . && .venv/bin/pybabel update -i translations/messages.pot "
            "-d translations, then translate the new entries in "
            "translations/es/LC_MESSAGES/messages.po (and remove any 'fuzzy' flags)")

# printf-style conversions as Python's % operator reads them, including %% and unnamed ones.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    """Parse a .po/.pot file."""
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def messages(catalog: Catalog) -> list[Message]:
    """The real messages (not the header)."""
    return [m for m in catalog if m.id]


def forms(message: Message) -> list[str]:
    """The msgid (singular, plural) as a list."""
    return list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]


def translations(message: Message) -> list[str]:
    """The msgstr (one per plural form) as a list."""
    if isinstance(message.string, (list, tuple)):
        return list(message.string)
    return [message.string or ""]


def placeholders(text: str) -> Counter:
    """How many times each printf-style placeholder appears."""
    return Counter(PLACEHOLDER.findall(text))


def where(message: Message) -> str:
    """'file:line' of the first place a message is used, for failure messages."""
    return f"{message.locations[0][0]}:{message.locations[0][1]}" if message.locations else "?"


# --- (a) complete ------------------------------------------------------------------------------


def test_every_message_in_the_template_has_a_spanish_translation():
    pot, po = read_catalog(POT), read_catalog(PO_ES, "es")
    assert not po.fuzzy, "the Spanish catalogue's header is marked fuzzy: pybabel compile would skip it all"
    problems = []
    for message in messages(pot):
        translated = po.get(message.id, context=message.context)
        if translated is None:
            problems.append(f"missing:   {message.id!r} ({where(message)})")
        elif translated.fuzzy:
            problems.append(f"fuzzy:     {message.id!r} ({where(message)})")
        elif not all(s.strip() for s in translations(translated)):
            problems.append(f"empty:     {message.id!r} ({where(message)})")
    assert len(messages(pot)) > 100, "suspiciously few messages in messages.pot"
    assert not problems, f"{len(problems)} Spanish translation(s) to fix:\n" + "\n".join(problems)


# --- (b) placeholders ----------------------------------------------------------------------------


def test_translations_keep_exactly_the_same_placeholders():
    problems = []
    for message in messages(read_catalog(PO_ES, "es")):
        ids = forms(message)
        for index, string in enumerate(translations(message)):
            if not string:
                continue  # untranslated: reported by the test above; gettext falls back to English
            source = ids[min(index, len(ids) - 1)]
            expected, got = placeholders(source), placeholders(string)
            if expected != got:
                problems.append(f"{message.id!r}\n    expected {sorted(expected.elements())}, "
                                f"msgstr has {sorted(got.elements())}: {string!r}")
    assert not problems, "placeholders differ between msgid and msgstr:\n" + "\n".join(problems)


def test_placeholder_pattern_catches_the_usual_mistakes():
    """Guard the guard: translated, dropped and stray placeholders all differ."""
    assert placeholders("about %(km)s km away") == Counter({"%(km)s": 1})
    assert placeholders("a unos %(kms)s km") != placeholders("about %(km)s km away")
    assert placeholders("%(n)d caracteres") != placeholders("%(n)s characters")
    assert placeholders("100% de seguridad") != placeholders("completely safe")


# --- (c) up to date with the source --------------------------------------------------------------


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Catalog:
    """The messages in the source right now, extracted exactly as a developer would."""
    out = tmp_path_factory.mktemp("i18n") / "messages.pot"
    command = [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg")]
    for keyword in EXTRA_KEYWORDS:
        command += ["-k", keyword]
    command += ["-o", str(out), "."]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"pybabel extract failed:\n{result.stdout}\n{result.stderr}"
    return read_catalog(out)


def test_extraction_finds_python_and_template_strings_and_skips_the_rest(extracted):
    files = {path for m in messages(extracted) for path, _line in m.locations}
    assert any(f.startswith("templates/") for f in files), files
    assert {"mutualaid/errors.py", "mutualaid/labels.py", "mutualaid/needs/forms.py"} <= files, files
    assert not [f for f in files if f.split("/")[0] in {".venv", "tests", "scripts", "bench"}]
    ids = {m.id for m in messages(extracted)}
    assert {"I need help", "Groceries and food", "Something went wrong"} <= ids


def test_every_string_in_the_source_is_translated_in_messages_po(extracted):
    po = read_catalog(PO_ES, "es")
    untranslated = []
    for message in messages(extracted):
        translated = po.get(message.id, context=message.context)
        if translated is None or translated.fuzzy or not all(s.strip() for s in translations(translated)):
            untranslated.append(f"{message.id!r} ({where(message)})")
    assert not untranslated, (f"{len(untranslated)} string(s) in the source have no Spanish translation in "
                              f"messages.po:\n  " + "\n  ".join(untranslated) + f"\nTo fix, {FIX_HINT}.")


def test_messages_pot_is_up_to_date(extracted):
    pot_ids = {m.id for m in messages(read_catalog(POT))}
    missing = [f"{m.id!r} ({where(m)})" for m in messages(extracted) if m.id not in pot_ids]
    assert not missing, "translations/messages.pot lacks:\n  " + "\n  ".join(missing) + f"\nTo fix, {FIX_HINT}."


# --- (d) the app speaks Spanish ------------------------------------------------------------------


@pytest.fixture(scope="module")
def spanish_mo() -> Path:
    """Compile messages.po to messages.mo when it is missing or older (as `make translations` would)."""
    if not MO_ES.exists() or MO_ES.stat().st_mtime < PO_ES.stat().st_mtime:
        catalog = read_catalog(PO_ES, "es")
        partial = MO_ES.with_name(f"messages.mo.{os.getpid()}.tmp")
        with partial.open("wb") as f:
            write_mo(f, catalog)
        os.replace(partial, MO_ES)  # atomic, so parallel workers never read half a file
    return MO_ES


@pytest.fixture
def config_overrides(spanish_mo):
    """Point Flask-Babel at the repository's translations folder (it defaults to mutualaid/translations)."""
    return {"BABEL_TRANSLATION_DIRECTORIES": str(TRANSLATIONS)}


@pytest.fixture
def client(app):
    """A test client on an instance with a group (without one, the pages say it is not set up yet)."""
    make_group()
    return app.test_client()


@pytest.fixture
def fresh_translations():
    """Flask-Babel caches loaded catalogues per locale on the shared `babel` object, across apps:
    drop that cache so this test loads the .mo compiled above, and leave no trace for later tests."""
    from mutualaid.extensions import babel

    babel.domain_instance.cache.clear()
    yield
    babel.domain_instance.cache.clear()


def footer_language_form(page: str, code: str) -> dict:
    """The hidden fields of the footer form that switches to `code`, as a browser would post them."""
    for form in re.findall(r'<form method="post" action="[^"]*/language">(.*?)</form>', page, re.S):
        fields = {name: html.unescape(value)
                  for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)}
        if fields.get("language") == code:
            assert fields["csrf_token"] == csrf_from(form)
            return fields
    raise AssertionError(f"no language switch for {code!r} in the page footer")


def test_accept_language_es_shows_the_need_form_in_spanish(client, fresh_translations):
    page = client.get("/need", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "Necesito ayuda" in page                  # template (base.html, intake/need.html)
    assert "¿Qué necesitas?" in page                 # lazy_gettext form label (needs/forms.py)
    assert "Compras y comida" in page                # lazy_gettext category label (templating.py)
    assert "Cuéntanos qué necesitas." in page
    assert "I need help" not in page and "What do you need?" not in page


def test_accept_language_en_stays_english(client, fresh_translations):
    page = client.get("/need", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert "I need help" in page and "Necesito ayuda" not in page


def test_python_error_messages_are_translated(client, fresh_translations):
    response = client.get("/no-such-page", headers={"Accept-Language": "es"})
    assert response.status_code == 404
    assert "No encontramos esa página." in response.get_data(as_text=True)  # gettext in errors.py


def test_language_switch_is_remembered_without_accept_language(app, client, fresh_translations):
    page = client.get("/need").get_data(as_text=True)
    assert "I need help" in page and "Necesito ayuda" not in page

    response = client.post("/language", data=footer_language_form(page, "es"))
    assert response.status_code == 302
    assert response.headers["Location"].split("?")[0].endswith("/need")
    cookie = client.get_cookie("lang")
    assert cookie is not None and cookie.value == "es"

    later = client.get("/need").get_data(as_text=True)
    assert '<html lang="es">' in later and "Necesito ayuda" in later
    # The explicit choice beats the browser's language.
    assert "Necesito ayuda" in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)

    # A new browser session that only has the cookie (no Flask session) still gets Spanish.
    returning = app.test_client()
    returning.set_cookie("lang", "es")
    assert "Necesito ayuda" in returning.get("/need").get_data(as_text=True)


def test_switching_back_to_english(client, fresh_translations):
    page = client.get("/need", headers={"Accept-Language": "es"}).get_data(as_text=True)
    client.post("/language", data=footer_language_form(page, "en"))
    later = client.get("/need", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "I need help" in later and "Necesito ayuda" not in later
