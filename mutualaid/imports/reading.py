"""Reading a spreadsheet saved as CSV, whatever program saved it: encoding, separator, blank rows. Pure."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

SEPARATORS = ",;\t"
SNIFF_BYTES = 64 * 1024
# Files other programs save that are not CSV (a zip such as .xlsx/.ods, a PDF, an old .xls, an image).
BINARY_STARTS = (b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")
# A spreadsheet runs a cell starting with one of these as a formula; our own exports add an apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


class UnreadableFile(ValueError):
    """The file is empty, not a CSV, or has no rows; `reason` is one of empty | not_csv | no_rows."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Sheet:
    """The header row and the non-blank rows, each with its row number as a spreadsheet shows it."""

    headers: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    encoding: str
    separator: str


def decode(data: bytes) -> tuple[str, str]:
    """The text of the file and the encoding it was in: UTF-8 (with or without a BOM), UTF-16 with a BOM
    (Excel's "Unicode text"), or else Windows-1252 (Excel's CSV on Windows)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise UnreadableFile("not_csv")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; Latin-1 reads them (and everything else cp1252 would) alike.
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return data.decode("latin-1"), "cp1252"


def guess_separator(text: str) -> str:
    """Comma, semicolon or tab: csv.Sniffer's guess, else the one the first line holds most of."""
    sample = text[:SNIFF_BYTES]
    try:
        return csv.Sniffer().sniff(sample, delimiters=SEPARATORS).delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        counts = {sep: first.count(sep) for sep in SEPARATORS}
        best = max(counts, key=lambda sep: counts[sep])
        return best if counts[best] else ","


def is_blank(cells) -> bool:
    """Whether a row holds nothing but spaces."""
    return not any(cell.strip() for cell in cells)


def restore(cell: str) -> str:
    """A cell without the apostrophe our exports (and spreadsheets) put before text that looks like a formula."""
    if cell.startswith(QUOTE) and cell[1:2] and cell[1:2] in FORMULA_STARTS + (QUOTE,):
        return cell[1:]
    return cell


def defuse(text: str) -> str:
    """Free text with any formula start taken off, so no spreadsheet that later opens it runs it."""
    text = text.strip()
    while text and text.startswith(FORMULA_STARTS):
        text = text[1:].lstrip()
    return text


def read_sheet(data: bytes) -> Sheet:
    """The sheet in a CSV file's bytes; UnreadableFile when there is nothing to import from it."""
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise UnreadableFile("empty")
    if data.startswith(BINARY_STARTS):
        raise UnreadableFile("not_csv")
    text, encoding = decode(data)
    if "\x00" in text or sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\t\r\n") > 8:
        raise UnreadableFile("not_csv")
    separator = guess_separator(text)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=False))
    except csv.Error:
        raise UnreadableFile("not_csv")
    numbered = [(number, tuple(restore(cell) for cell in cells))
                for number, cells in enumerate(records, start=1) if not is_blank(cells)]
    if not numbered:
        raise UnreadableFile("empty")
    (_, headers), rows = numbered[0], numbered[1:]
    if not rows:
        raise UnreadableFile("no_rows")
    return Sheet(tuple(h.strip() for h in headers), tuple(rows), encoding, separator)
