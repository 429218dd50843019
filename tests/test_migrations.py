"""The migrations build the same schema as the models, on each backend."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from mutualaid.extensions import db
from tests.conftest import make_app


def _fresh_database(database_url: str, backend: str, tmp_path) -> str:
    """A URL for a second, empty database on the same backend."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/migrated.sqlite3"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    name = admin.url.database + "_mig"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin.url.set(database=name).render_as_string(hide_password=False)


def _drop(url: str, backend: str, database_url: str) -> None:
    """Remove the second database again."""
    if backend == "postgresql":
        admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{create_engine(url).url.database}" WITH (FORCE)'))
        admin.dispose()


def test_migrations_upgrade_to_exactly_the_models_schema(app, backend, tmp_path):
    url = _fresh_database(app.config["SQLALCHEMY_DATABASE_URI"], backend, tmp_path)
    migrated = make_app(url)
    try:
        with migrated.app_context():
            upgrade()
            with db.engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"compare_type": True})
                diff = compare_metadata(context, db.metadata)
            tables = set(inspect(db.engine).get_table_names())
            db.engine.dispose()
        assert diff == [], f"models and migrations disagree: {diff}"
        assert {"need", "person", "claim", "offer", "message", "audit_event", "group"} <= tables
    finally:
        _drop(url, backend, app.config["SQLALCHEMY_DATABASE_URI"])


def test_migrations_downgrade_to_nothing_and_up_again(app, backend, tmp_path):
    url = _fresh_database(app.config["SQLALCHEMY_DATABASE_URI"], backend, tmp_path)
    migrated = make_app(url)
    try:
        with migrated.app_context():
            upgrade()
            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade()
            assert "need" in inspect(db.engine).get_table_names()
            db.engine.dispose()
    finally:
        _drop(url, backend, app.config["SQLALCHEMY_DATABASE_URI"])


def test_constraints_have_stable_names_from_the_naming_convention(app):
    names = {c.name for t in db.metadata.sorted_tables for c in t.constraints}
    assert "pk_need" in names
    assert "uq_need_ref" in names
    assert "fk_need_group_id_group" in names
