"""A coordinator imports a Google Form's CSV on a 360×640 phone with JavaScript off: upload, preview with the
guessed columns (one changed by hand), check every row, import."""
from __future__ import annotations

import pytest

from mutualaid.extensions import db
from mutualaid.models import Need
from tests.browser.helpers import log_in
from tests.builders import make_coordinator, make_group
from tests.imports.sheets import NEED_HEADERS, csv_bytes

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 640}


def test_upload_preview_check_and_import_on_a_phone(live_server, new_context, tmp_path):
    area = live_server.fresh_area()
    with live_server.seed():
        group = make_group(slug=area.slug, name=f"{area.postcode} Mutual Aid", centre=area.point)
        email = make_coordinator(group, email=f"coord-{area.slug}@example.org").email
        group_id = group.id
    rows = [("2026/03/01 10:00", "", f"Neighbour {i} Fernández-Villaverde de la Concepción", area.phone(i),
             area.postcode, "Groceries", f"Bread, milk and the prescription from the chemist on the corner, {i}",
             "Yes" if i % 2 else "") for i in range(6)]
    rows.append(rows[0])
    sheet = tmp_path / "form.csv"
    sheet.write_bytes(csv_bytes(NEED_HEADERS, rows, bom=True))

    page = new_context(viewport=PHONE, java_script_enabled=False).new_page()
    log_in(page, email)
    page.goto("/coordinator/")
    page.get_by_role("link", name="Import a spreadsheet").click()
    page.get_by_label("What the file holds").select_option("needs")
    page.get_by_label("The spreadsheet, saved as CSV").set_input_files(str(sheet))
    page.get_by_role("button", name="Upload and preview").click()

    assert page.get_by_text("Neighbour 1 Fernández").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.get_by_label("Column 7 holds").input_value() == "details"
    lefts = page.evaluate("""() => [...document.querySelector('table.stack tbody tr').children]
        .filter(c => c.getClientRects().length).map(c => Math.round(c.getBoundingClientRect().left))""")
    assert len(lefts) == 3 and len(set(lefts)) == 1, lefts  # each column a card: header, select, examples stacked
    page.get_by_label("Column 3 holds").select_option("ignore")  # the name column: left out by hand
    page.get_by_role("button", name="Check every row").click()
    assert page.get_by_text("6 would be imported, 0 skipped, 1 duplicates, of 7 rows.").is_visible()
    assert page.get_by_text("the same as row 2").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_role("button", name="Import", exact=True).click()
    assert page.get_by_role("heading", name="Spreadsheet imported").is_visible()
    assert page.get_by_text("6 imported, 0 skipped, 1 duplicates, of 7 rows.").is_visible()
    with live_server.seed():
        needs = db.session.execute(db.select(Need).where(Need.group_id == group_id)).scalars().all()
        assert len(needs) == 6 and all(n.source == "import" and n.requester.name == "" for n in needs)
