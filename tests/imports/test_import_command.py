"""`flask --app wsgi import volunteers|needs|offers FILE.csv`: its report, its options and its exit status."""
from mutualaid.extensions import db
from mutualaid.models import Need, Person
from tests.builders import make_group
from tests.imports.sheets import NEED_HEADERS, VOLUNTEER_HEADERS, csv_bytes, need_row, volunteer_row


def write(tmp_path, data: bytes, name="sheet.csv") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_the_command_imports_and_reports_each_row_with_a_problem(runner, tmp_path):
    make_group()
    path = write(tmp_path, csv_bytes(NEED_HEADERS, [need_row(1), need_row(2, phone="123", email=""), need_row(1)]))
    result = runner.invoke(args=["import", "needs", path])
    assert result.exit_code == 0, result.output
    assert "row 3: imported: the phone number does not look right" in result.output
    assert "row 4: duplicate: the same as row 2" in result.output
    assert "2 imported, 0 skipped, 1 duplicates, of 3 rows." in result.output
    assert db.session.execute(db.select(db.func.count(Need.id))).scalar_one() == 2


def test_a_dry_run_changes_nothing(runner, tmp_path):
    make_group()
    result = runner.invoke(args=["import", "volunteers", "--dry-run", write(tmp_path, csv_bytes(
        VOLUNTEER_HEADERS, [volunteer_row(1)]))])
    assert result.exit_code == 0, result.output
    assert "1 would be imported" in result.output and "Nothing was changed (dry run)." in result.output
    assert db.session.execute(db.select(Person)).first() is None


def test_a_column_mapping_option_says_what_a_column_holds(runner, tmp_path):
    make_group()
    data = csv_bytes(("Who", "Digits", "Need"), [("Ada", "07911 100001", "Milk please")])
    result = runner.invoke(args=["import", "needs", write(tmp_path, data), "--map", "Who=name", "--map", "2=phone",
                                 "--map", "Need=details"])
    assert result.exit_code == 0, result.output
    need = db.session.execute(db.select(Need)).scalar_one()
    assert (need.requester.name, need.requester.phone, need.details) == ("Ada", "+447911100001", "Milk please")


def test_a_bad_mapping_option_is_refused(runner, tmp_path):
    make_group()
    path = write(tmp_path, csv_bytes(NEED_HEADERS, [need_row(1)]))
    assert runner.invoke(args=["import", "needs", path, "--map", "Nope=name"]).exit_code != 0
    result = runner.invoke(args=["import", "needs", path, "--map", "Full name=shoe"])
    assert result.exit_code != 0 and "fields for needs" in result.output


def test_the_group_is_named_by_slug_or_id_and_needed_when_there_are_several(runner, tmp_path):
    make_group()
    other = make_group(slug="other", name="Other")
    path = write(tmp_path, csv_bytes(NEED_HEADERS, [need_row(1)]))
    result = runner.invoke(args=["import", "needs", path])
    assert result.exit_code != 0 and "--group" in result.output
    assert runner.invoke(args=["import", "needs", path, "--group", "other"]).exit_code == 0
    assert db.session.execute(db.select(Need.group_id)).scalar_one() == other.id
    assert runner.invoke(args=["import", "needs", path, "--group", "nowhere"]).exit_code != 0


def test_exit_status_is_non_zero_when_nothing_was_imported(runner, tmp_path):
    make_group()
    path = write(tmp_path, csv_bytes(NEED_HEADERS, [need_row(1)]))
    assert runner.invoke(args=["import", "needs", path]).exit_code == 0
    again = runner.invoke(args=["import", "needs", path])
    assert again.exit_code == 1 and "0 imported" in again.output


def test_a_file_that_cannot_be_read_fails_with_a_message(runner, tmp_path):
    make_group()
    missing = runner.invoke(args=["import", "needs", str(tmp_path / "nope.csv")])
    assert missing.exit_code != 0 and "Cannot read" in missing.output
    for data, words in ((b"", "empty"), (b"Name,Phone\n", "no rows"), (b"PK\x03\x04xlsx", "not a CSV")):
        result = runner.invoke(args=["import", "needs", write(tmp_path, data)])
        assert result.exit_code != 0 and words in result.output
