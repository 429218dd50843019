"""Reading CSV files saved by Google Sheets, Excel (Windows and Mac), LibreOffice and Airtable."""
import pytest

from mutualaid.imports.reading import UnreadableFile, defuse, read_sheet
from tests.imports.sheets import NEED_HEADERS, NEED_HEADERS_ES, csv_bytes, need_row


@pytest.mark.parametrize("encoding,bom", [("utf-8", False), ("utf-8", True), ("cp1252", False), ("utf-16", False)])
def test_each_encoding_reads_the_same_accented_text(encoding, bom):
    data = csv_bytes(NEED_HEADERS_ES, [need_row(1, details="Café y pan para José")], encoding=encoding, bom=bom)
    sheet = read_sheet(data)
    assert sheet.headers == NEED_HEADERS_ES
    assert sheet.rows[0][1][6] == "Café y pan para José"


def test_a_bom_is_not_part_of_the_first_header():
    sheet = read_sheet(csv_bytes(NEED_HEADERS, [need_row(1)], bom=True))
    assert sheet.headers[0] == "Timestamp"
    assert sheet.encoding == "utf-8-sig"


def test_windows_1252_is_read_when_the_bytes_are_not_utf8():
    sheet = read_sheet(csv_bytes(NEED_HEADERS, [need_row(1, details="Pan – “integral” ñ")], encoding="cp1252"))
    assert sheet.encoding == "cp1252"
    assert sheet.rows[0][1][6] == "Pan – “integral” ñ"


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_each_separator_is_found(separator):
    sheet = read_sheet(csv_bytes(NEED_HEADERS, [need_row(1), need_row(2)], separator=separator))
    assert sheet.separator == separator
    assert len(sheet.headers) == len(NEED_HEADERS)
    assert sheet.rows[1][1][2] == "Neighbour 2"


def test_a_separator_the_sniffer_cannot_decide_falls_back_to_the_first_line():
    sheet = read_sheet(b"name;phone\nAda;07700900001\n")
    assert sheet.separator == ";"
    assert sheet.rows == ((2, ("Ada", "07700900001")),)


def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers():
    data = csv_bytes(NEED_HEADERS, [need_row(1), ("",) * 8, (), need_row(2)])
    sheet = read_sheet(data)
    assert [number for number, _ in sheet.rows] == [2, 5]


def test_a_quoted_newline_stays_inside_its_cell():
    sheet = read_sheet(csv_bytes(NEED_HEADERS, [need_row(1, details="Bread\nand milk"), need_row(2)]))
    assert sheet.rows[0][1][6] == "Bread\nand milk"
    assert [number for number, _ in sheet.rows] == [2, 3]


@pytest.mark.parametrize("data,reason", [
    (b"", "empty"), (b"  \r\n\r\n", "empty"), (b"\xef\xbb\xbf", "empty"),
    (b"name,phone\r\n", "no_rows"), (b"name,phone\r\n,\r\n", "no_rows"),
    (b"PK\x03\x04\x14\x00\x06\x00 an xlsx file", "not_csv"), (b"%PDF-1.4 ...", "not_csv"),
    (b"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f" * 10, "not_csv"),
])
def test_what_is_not_a_sheet_is_refused_with_a_reason(data, reason):
    with pytest.raises(UnreadableFile) as caught:
        read_sheet(data)
    assert caught.value.reason == reason


def test_one_row_is_a_sheet():
    assert len(read_sheet(b"name\nAda\n").rows) == 1


def test_our_own_exports_apostrophe_is_taken_off():
    sheet = read_sheet(b"name,phone\nAda,'+447700900001\n")
    assert sheet.rows[0][1] == ("Ada", "+447700900001")


@pytest.mark.parametrize("cell,text", [
    ("=HYPERLINK(\"http://x\",\"click\")", "HYPERLINK(\"http://x\",\"click\")"), ("+cmd|' /C calc'!A0", "cmd|' /C calc'!A0"),
    ("@SUM(A1)", "SUM(A1)"), ("-=1+1", "1+1"), ("Bread - milk", "Bread - milk"), ("  = x", "x"),
])
def test_formula_starts_are_taken_off_free_text(cell, text):
    assert defuse(cell) == text
