"""Importing volunteers, needs and offers from a group's spreadsheet (CSV), for the CLI and the coordinators' page.

`reading` turns the file's bytes into rows, `headers` guesses what each column holds, `values` reads
one cell (consent, kinds of help, urgency), all pure; `actions` checks each row and imports it.
"""
