"""`flask --app wsgi import volunteers|needs|offers FILE.csv`: import a group's spreadsheet, or check it first."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from mutualaid.core.errors import ServiceError
from mutualaid.imports import actions
from mutualaid.imports.headers import KIND_FIELDS
from mutualaid.imports.reading import UnreadableFile, read_sheet

import_cli = AppGroup("import", help="Import volunteers, needs or offers from a spreadsheet saved as CSV.")

UNREADABLE = {
    "empty": "The file is empty.",
    "no_rows": "The file has a header row but no rows under it.",
    "not_csv": "This is not a CSV file. In your spreadsheet, choose File > Download (or Save as) > CSV.",
}
OUTCOMES = {"imported": "imported", "skipped": "skipped", "duplicate": "duplicate"}


def _command(kind: str):
    """The command for one kind of sheet."""

    @import_cli.command(kind, help=f"Import {kind} from a CSV file (saved from Google Forms, Excel, Airtable...).")
    @click.argument("path", type=click.Path(dir_okay=False))
    @click.option("--group", "group_ref", default=None, help="Group slug or id (default: the only group).")
    @click.option("--dry-run", is_flag=True, help="Check every row and say what would happen; change nothing.")
    @click.option("--map", "maps", multiple=True, metavar='"HEADER=FIELD"',
                  help=f"Say what a column holds (a header or column number); fields: "
                       f"{', '.join(KIND_FIELDS[kind])}, ignore. Repeat for more columns.")
    @click.option("--approve", is_flag=True, help="Volunteers start approved (default: waiting to be vetted).")
    @click.option("--invite", is_flag=True, help="Email imported volunteers who have an email a link to choose a "
                  "password (never a text). Needs PUBLIC_BASE_URL, for the link.")
    def command(path, group_ref, dry_run, maps, approve, invite):
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as error:
            raise click.ClickException(f"Cannot read {path}: {error.strerror}.")
        if invite and kind != "volunteers":
            raise click.ClickException("--invite is for volunteers only.")
        if invite and not current_app.config.get("PUBLIC_BASE_URL"):
            raise click.ClickException("--invite needs PUBLIC_BASE_URL (the site's public address) for the link.")
        try:
            group = actions.find_group(group_ref)
            sheet = read_sheet(data)
            mapping = actions.mapping_from_options(maps, sheet, kind)
            report = actions.run_import(group, kind, data, mapping=mapping, dry_run=dry_run, approve=approve,
                                        invite=invite)
        except UnreadableFile as error:
            raise click.ClickException(UNREADABLE[error.reason])
        except ServiceError as error:
            raise click.ClickException(str(error.message))
        _print(report, sheet, mapping)

    return command


def _print(report, sheet, mapping) -> None:
    """Columns as read, every row with something to say, and the counts; exit 1 when nothing was imported."""
    click.echo(f"File: {len(sheet.rows)} rows, {sheet.encoding}, separated by {_separator(sheet.separator)}.")
    for header, name in zip(sheet.headers, mapping):
        click.echo(f"  column {header!r:<40} -> {name}")
    for row in report.with_words:
        words = "; ".join(str(text) for text in row.problems + row.notes) or "-"
        click.echo(f"row {row.number}: {OUTCOMES[row.outcome]}: {words}")
    verb = "would be imported" if report.dry_run else "imported"
    click.echo(f"{report.imported} {verb}, {report.count('skipped')} skipped, "
               f"{report.count('duplicate')} duplicates, of {len(report.rows)} rows."
               + (" Nothing was changed (dry run)." if report.dry_run else "")
               + (f" {report.invited} invited by email." if report.invited else ""))
    if report.imported == 0:
        raise SystemExit(1)


def _separator(separator: str) -> str:
    """A separator in words."""
    return {",": "commas", ";": "semicolons", "\t": "tabs"}.get(separator, repr(separator))


for _kind in KIND_FIELDS:
    _command(_kind)
