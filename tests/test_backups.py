"""`backup` and `restore`: a backup brings back every need, message, audit event and person, on each backend."""
from __future__ import annotations

import os
import stat

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, text

from mutualaid.backups import postgres
from mutualaid.extensions import db
from mutualaid.models import AuditEvent, Group, Message, Need, Person
from tests.builders import make_coordinator, make_group, make_need, make_volunteer
from tests.conftest import make_app
from tests.test_migrations import _drop, _fresh_database

TABLES = (Group, Person, Need, Message, AuditEvent)


@pytest.fixture
def migrated(app, backend, tmp_path):
    """A second app on its own database, built by the migrations (as a real deployment is)."""
    url = _fresh_database(app.config["SQLALCHEMY_DATABASE_URI"], backend, tmp_path)
    other = make_app(url)
    other.instance_path = str(tmp_path / "instance")
    with other.app_context():
        upgrade()
        yield other
        db.session.remove()
        db.engine.dispose()
    _drop(url, backend, app.config["SQLALCHEMY_DATABASE_URI"])


def counts() -> dict[str, int]:
    """How many rows each table that matters holds."""
    db.session.remove()
    return {model.__name__: db.session.execute(db.select(func.count()).select_from(model)).scalar_one()
            for model in TABLES}


def fill() -> dict[str, int]:
    """A group, a coordinator, a volunteer, and needs with their texts and audit events."""
    group = make_group()
    make_coordinator(group)
    make_volunteer(group)
    for details in ("Bread and milk please", "A lift to the clinic", "Nappies"):
        make_need(details=details)
    for number, body in (("+447911000001", "NEED bread E8 3RH"), ("+447911000002", "STATUS")):
        db.session.add(Message(direction="in", from_number=number, to_number="+442071234567", body=body,
                               group_id=group.id, status="handled"))
    db.session.commit()
    found = counts()
    assert all(found.values()), found
    return found


def wipe(app) -> None:
    """Lose everything: every table dropped (PostgreSQL: the whole schema)."""
    db.session.remove()
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            db.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE alembic_version"))
    db.engine.dispose()


def test_a_backup_restores_every_need_message_audit_event_and_person(migrated, tmp_path):
    before = fill()
    runner = migrated.test_cli_runner()
    made = runner.invoke(args=["backup", str(tmp_path / "one")])
    assert made.exit_code == 0, made.output
    assert "Backed up to" in made.output
    wipe(migrated)

    restored = runner.invoke(args=["restore", "--yes", str(tmp_path / "one")])

    assert restored.exit_code == 0, restored.output
    assert counts() == before
    assert {n.details for n in db.session.execute(db.select(Need)).scalars()} >= {"Nappies", "A lift to the clinic"}
    assert "newest migration" in restored.output


def test_the_backup_file_is_readable_by_its_owner_only(migrated, tmp_path):
    fill()
    runner = migrated.test_cli_runner()
    assert runner.invoke(args=["backup", str(tmp_path / "private")]).exit_code == 0
    assert stat.S_IMODE(os.stat(tmp_path / "private").st_mode) == 0o600


def test_by_default_a_backup_lands_in_the_instance_folder_named_by_the_time(migrated):
    fill()
    result = migrated.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    files = os.listdir(os.path.join(migrated.instance_path, "backups"))
    assert len(files) == 1 and files[0].startswith("mutualaid-20")


def test_keep_removes_all_but_the_newest_backups_and_leaves_other_files(migrated, tmp_path):
    fill()
    folder = tmp_path / "kept"
    folder.mkdir()
    for stamp in ("20250101-000000", "20250102-000000", "20250103-000000"):
        (folder / f"mutualaid-{stamp}.dump").write_bytes(b"old")
        (folder / f"mutualaid-{stamp}.sqlite3").write_bytes(b"old")
    (folder / "notes.txt").write_text("mine")

    result = migrated.test_cli_runner().invoke(args=["backup", str(folder), "--keep", "2"])

    assert result.exit_code == 0, result.output
    left = sorted(os.listdir(folder))
    assert "notes.txt" in left
    assert len([name for name in left if name.startswith("mutualaid-")]) == 2
    assert any(name.startswith("mutualaid-") and not name.startswith("mutualaid-2025") for name in left)  # the new one


def test_restore_asks_first_and_a_no_changes_nothing(migrated, tmp_path):
    before = fill()
    runner = migrated.test_cli_runner()
    runner.invoke(args=["backup", str(tmp_path / "b")])
    make_need(details="After the backup")

    result = runner.invoke(args=["restore", str(tmp_path / "b")], input="n\n")

    assert result.exit_code != 0
    assert "Replace EVERYTHING" in result.output
    assert counts()["Need"] == before["Need"] + 1


@pytest.mark.parametrize("content", [b"", b"this is not a backup at all\n" * 50, b"PGDMP\x01\x0e\x00garbage" * 20,
                                     b"SQLite format 3\x00" + b"\x00garbage" * 100])
def test_an_empty_or_corrupt_backup_is_refused_plainly_and_changes_nothing(migrated, tmp_path, content):
    before = fill()
    bad = tmp_path / "bad.backup"
    bad.write_bytes(content)

    result = migrated.test_cli_runner().invoke(args=["restore", "--yes", str(bad)])

    assert result.exit_code != 0
    assert "Error:" in result.output and "Traceback" not in result.output
    assert counts() == before


def test_a_truncated_backup_is_refused_and_changes_nothing(migrated, tmp_path):
    before = fill()
    runner = migrated.test_cli_runner()
    runner.invoke(args=["backup", str(tmp_path / "whole")])
    data = (tmp_path / "whole").read_bytes()
    (tmp_path / "half").write_bytes(data[: len(data) * 2 // 3])
    make_need(details="After the backup")

    result = runner.invoke(args=["restore", "--yes", str(tmp_path / "half")])

    assert result.exit_code != 0, result.output
    assert counts()["Need"] == before["Need"] + 1


def test_a_backup_of_the_other_kind_is_refused_with_a_plain_message(migrated, backend, tmp_path):
    fill()
    other = tmp_path / "other"
    other.write_bytes(b"PGDMP\x01\x0e\x00" if backend == "sqlite" else b"SQLite format 3\x00" + b"\x00" * 100)

    result = migrated.test_cli_runner().invoke(args=["restore", "--yes", str(other)])

    assert result.exit_code != 0
    expected = "is a PostgreSQL backup, but this app uses SQLite" if backend == "sqlite" else \
        "is a SQLite backup, but this app uses PostgreSQL"
    assert expected in result.output


def test_a_missing_pg_dump_is_named_with_how_to_install_it(monkeypatch):
    monkeypatch.setattr(postgres.shutil, "which", lambda name: None)
    with pytest.raises(postgres.BackupError, match="pg_dump was not found.*postgresql-client"):
        postgres.program("pg_dump")


def test_the_password_reaches_pg_dump_in_its_environment_not_its_arguments():
    env = postgres.connection_env("postgresql+psycopg://ann:s3cret@db.example:6543/aid?sslmode=require")
    assert env == {"PGHOST": "db.example", "PGPORT": "6543", "PGUSER": "ann", "PGPASSWORD": "s3cret",
                   "PGDATABASE": "aid", "PGSSLMODE": "require"}


def test_the_database_keeps_working_after_a_restore(migrated, tmp_path):
    fill()
    runner = migrated.test_cli_runner()
    runner.invoke(args=["backup", str(tmp_path / "b")])
    wipe(migrated)
    runner.invoke(args=["restore", "--yes", str(tmp_path / "b")])
    make_need(details="A new one after the restore")
    assert db.session.execute(db.select(Need).where(Need.details == "A new one after the restore")).scalar_one()


