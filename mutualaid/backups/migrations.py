"""Whether a database's schema is at the newest migration (checked after a restore)."""
from __future__ import annotations

from dataclasses import dataclass

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from mutualaid.extensions import db


@dataclass(frozen=True)
class MigrationState:
    """The database's revision(s) against the code's newest one."""

    current: tuple[str, ...] | None
    heads: tuple[str, ...]

    @property
    def at_head(self) -> bool:
        """Whether the schema is what this code expects."""
        return self.current is not None and set(self.current) == set(self.heads)

    @property
    def message(self) -> str:
        """What to tell the operator."""
        if self.at_head:
            return f"The database is at the newest migration ({', '.join(self.heads)}): nothing more to do."
        if not self.current:
            return ("The database records no migration. If it was made by this app, run "
                    "`flask --app wsgi db stamp head`; otherwise it is not what this app expects.")
        return (f"The database is at migration {', '.join(self.current)}, older than this code's "
                f"{', '.join(self.heads)}: run `flask --app wsgi db upgrade` before starting the app.")


def migration_state() -> MigrationState:
    """Read the database's alembic revision and the migrations folder's heads."""
    config = current_app.extensions["migrate"].migrate.get_config()
    heads = tuple(ScriptDirectory.from_config(config).get_heads())
    with db.engine.connect() as connection:
        current = tuple(MigrationContext.configure(connection).get_current_heads())
    db.engine.dispose()
    return MigrationState(current=current or None, heads=heads)
