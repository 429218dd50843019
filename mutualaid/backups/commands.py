"""`flask --app wsgi backup [PATH]` and `flask --app wsgi restore PATH`."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from mutualaid.backups import BackupError, backup, kind_of_file, restore
from mutualaid.backups.migrations import migration_state
from mutualaid.extensions import db


def _database_url() -> str:
    """The app's database URL."""
    return current_app.config["SQLALCHEMY_DATABASE_URI"]


@click.command("backup")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--keep", type=click.IntRange(min=1), default=None,
              help="Afterwards keep only this many timestamped backups in that folder, removing the oldest.")
@with_appcontext
def backup_command(path, keep):
    """Copy the whole database to PATH (a file or folder; default: instance/backups/, named by the time)."""
    try:
        made = backup(_database_url(), path, directory=Path(current_app.instance_path) / "backups", keep=keep)
    except BackupError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"Backed up to {made.path} ({made.size:,} bytes). It holds personal data: keep it safe.")
    for old in made.removed:
        click.echo(f"Removed the older backup {old}.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(path, yes):
    """Replace everything in the database with a backup made by `backup` (all or nothing)."""
    try:
        kind_of_file(path)
    except BackupError as exc:
        raise click.ClickException(str(exc))
    if not yes:
        click.confirm(f"Replace EVERYTHING in the database with {path}? Whatever was recorded since that backup "
                      "is lost. Stop the web app and the scheduler first.", abort=True)
    db.session.remove()
    db.engine.dispose()  # our own connections must not hold the tables the restore replaces
    try:
        restore(_database_url(), path)
    except BackupError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"Restored {path}.")
    click.echo(migration_state().message)


def init_app(app) -> None:
    """Register the two commands."""
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
