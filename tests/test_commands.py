"""Operator commands (`flask --app wsgi ...`): groups, users, API tokens, demo data, postcode imports."""
from __future__ import annotations

import zipfile

import pytest

from mutualaid.demo import PASSWORD as DEMO_PASSWORD
from mutualaid.extensions import db
from mutualaid.models import Group, Need, Offer, Person, PostcodePoint
from mutualaid.people.actions import hash_token
from mutualaid.people.login import authenticate
from tests.builders import make_group, make_need, make_person

PASSWORD = "a-long-enough-password"
# Code-Point Open rows: postcode, positional quality, eastings, northings, then area codes.
CODE_POINT_ROWS = (
    '"E8 3RH",10,533960,184470,"E92000001","","E19000003","E18000007","","E09000012","E05009370"\n'
    '"E8 3RJ",10,533990,184420,"E92000001","","E19000003","E18000007","","E09000012","E05009370"\n'
    '"E8 3ZZ",90,0,0,"E92000001","","E19000003","E18000007","","E09000012",""\n'
)


def invoke(runner, *args, **kwargs):
    """Run `flask <args>`; the result carries exit_code and output."""
    return runner.invoke(args=list(args), **kwargs)


def all_rows(model) -> list:
    """Every row of `model`."""
    return db.session.execute(db.select(model)).scalars().all()


def code_point_zip(tmp_path, rows: str = CODE_POINT_ROWS):
    """A tiny Code-Point Open download: per-area CSVs under Data/CSV/, plus files to ignore."""
    path = tmp_path / "codepo_gb.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Data/CSV/e.csv", rows)
        archive.writestr("Doc/Code-Point_Open_Column_Headers.csv", "PC,PQ,EA,NO\n")
        archive.writestr("Doc/licence.txt", "Contains OS data © Crown copyright and database right")
    return path


def ons_csv(tmp_path, rows: str):
    """A tiny ONS Postcode Directory extract with a `pcds,lat,long` header."""
    path = tmp_path / "onspd.csv"
    path.write_text("pcds,lat,long\n" + rows, encoding="utf-8")
    return path


def point(postcode: str) -> PostcodePoint | None:
    """The imported point of a postcode, if any."""
    return db.session.get(PostcodePoint, postcode)


# groups create

def test_groups_create_makes_a_group_centred_on_the_postcode(runner):
    result = invoke(runner, "groups", "create", "--slug", "hackney", "--name", "Hackney Mutual Aid",
                    "--postcode", "E8 1", "--radius-km", "4", "--phone", "020 7123 4567")
    (group,) = all_rows(Group)
    assert result.exit_code == 0, result.output
    assert "Created group hackney" in result.output
    assert (group.slug, group.name, group.radius_km, group.phone_number) \
        == ("hackney", "Hackney Mutual Aid", 4.0, "+442071234567")
    assert 51.54 < group.centre_lat < 51.55 and -0.07 < group.centre_lon < -0.05


@pytest.mark.parametrize("postcode", ["ZZ9 9ZZ", "nowhere at all"])
def test_groups_create_with_an_unknown_postcode_fails_with_a_message(runner, postcode):
    result = invoke(runner, "groups", "create", "--slug", "nowhere", "--name", "Nowhere", "--postcode", postcode)
    assert result.exit_code != 0
    assert "Could not find the centre" in result.output
    assert all_rows(Group) == []


def test_groups_create_refuses_a_slug_that_is_taken(runner):
    make_group(slug="hackney")
    result = invoke(runner, "groups", "create", "--slug", "Hackney", "--name", "Another", "--postcode", "E8 1")
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert [g.name for g in all_rows(Group)] == ["Hackney Mutual Aid"]


def test_groups_create_refuses_a_slug_with_spaces_or_symbols(runner):
    result = invoke(runner, "groups", "create", "--slug", "hackney aid!", "--name", "H", "--postcode", "E8 1")
    assert result.exit_code != 0
    assert "letters, digits and dashes" in result.output


# users create-coordinator and users token

def test_create_coordinator_prompts_for_the_password_twice(runner):
    make_group()
    result = invoke(runner, "users", "create-coordinator", "--email", "Amara@Example.org", "--name", "Amara",
                    input=f"{PASSWORD}\n{PASSWORD}\n")
    person = authenticate("amara@example.org", PASSWORD)
    assert result.exit_code == 0, result.output
    assert "Coordinator amara@example.org can now log in." in result.output
    assert person is not None and person.role == "coordinator" and person.name == "Amara"


def test_create_coordinator_takes_the_password_as_an_option_and_joins_the_named_group(runner):
    make_group()
    leeds = make_group(slug="leeds", name="Leeds Mutual Aid", centre=(53.80, -1.55))
    result = invoke(runner, "users", "create-coordinator", "--email", "tom@example.org", "--name", "Tom",
                    "--group", "leeds", "--password", PASSWORD)
    assert result.exit_code == 0, result.output
    assert authenticate("tom@example.org", PASSWORD).group_id == leeds.id


def test_create_coordinator_promotes_an_existing_volunteer(runner):
    group = make_group()
    make_person("volunteer", group=group, email="tom@example.org", name="Tom")
    invoke(runner, "users", "create-coordinator", "--email", "tom@example.org", "--name", "Tom",
           "--password", PASSWORD)
    (person,) = all_rows(Person)
    assert person.role == "coordinator"


def test_create_coordinator_refuses_a_short_password(runner):
    make_group()
    result = invoke(runner, "users", "create-coordinator", "--email", "tom@example.org", "--name", "Tom",
                    "--password", "short")
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    assert all_rows(Person) == []


def test_create_coordinator_refuses_an_unknown_group(runner):
    make_group()
    result = invoke(runner, "users", "create-coordinator", "--email", "tom@example.org", "--name", "Tom",
                    "--group", "atlantis", "--password", PASSWORD)
    assert result.exit_code != 0
    assert "No such group" in result.output


def test_users_token_prints_a_token_that_authenticates_api_calls(runner, client):
    make_group()
    need = make_need(name="Edna")
    invoke(runner, "users", "create-coordinator", "--email", "amara@example.org", "--name", "Amara",
           "--password", PASSWORD)
    result = invoke(runner, "users", "token", "Amara@Example.org")
    token = result.output.strip()
    response = client.get(f"/api/v1/needs/{need.ref}", headers={"Authorization": f"Bearer {token}"})
    assert result.exit_code == 0 and len(token) >= 32
    assert response.get_json()["private"]["name"] == "Edna"


def test_users_token_stores_only_a_hash_of_the_token(runner):
    group = make_group()
    make_person("coordinator", group=group, email="amara@example.org")
    token = invoke(runner, "users", "token", "amara@example.org").output.strip()
    (person,) = all_rows(Person)
    assert person.api_token_hash == hash_token(token) != token


def test_users_token_for_an_unknown_email_fails_with_a_message(runner):
    result = invoke(runner, "users", "token", "nobody@example.org")
    assert result.exit_code != 0
    assert "No account with that email." in result.output


# demo load

def test_demo_load_creates_a_group_with_people_needs_and_offers_and_prints_logins(runner):
    result = invoke(runner, "demo", "load")
    people = all_rows(Person)
    assert result.exit_code == 0, result.output
    assert [g.slug for g in all_rows(Group)] == ["hackney-demo"]
    assert len([p for p in people if p.role == "coordinator"]) == 2
    assert len([p for p in people if p.volunteer is not None]) == 4
    assert len(all_rows(Need)) == 6 and len(all_rows(Offer)) == 3
    for email in ("amara@demo.mutualaid.test", "priya@demo.mutualaid.test", "marta@demo.mutualaid.test"):
        assert email in result.output
    assert DEMO_PASSWORD in result.output
    assert authenticate("amara@demo.mutualaid.test", DEMO_PASSWORD) is not None


def test_demo_load_if_empty_twice_loads_once(runner):
    first = invoke(runner, "demo", "load", "--if-empty")
    second = invoke(runner, "demo", "load", "--if-empty")
    assert (first.exit_code, second.exit_code) == (0, 0)
    assert "Demo data loaded" in first.output
    assert "nothing loaded" in second.output
    assert len(all_rows(Group)) == 1 and len(all_rows(Need)) == 6


def test_demo_load_if_empty_leaves_a_real_group_alone(runner):
    make_group()
    result = invoke(runner, "demo", "load", "--if-empty")
    assert "nothing loaded" in result.output
    assert [g.slug for g in all_rows(Group)] == ["hackney"] and all_rows(Need) == []


def test_demo_load_a_second_time_fails_with_a_message_not_a_traceback(runner):
    invoke(runner, "demo", "load")
    result = invoke(runner, "demo", "load")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "A group called hackney-demo already exists." in result.output
    assert len(all_rows(Group)) == 1 and len(all_rows(Need)) == 6


def test_demo_load_beside_an_existing_group_gives_the_demo_group_its_own_coordinators(runner):
    make_group()
    result = invoke(runner, "demo", "load")
    demo = db.session.execute(db.select(Group).where(Group.slug == "hackney-demo")).scalar_one()
    coordinators = [p for p in all_rows(Person) if p.role == "coordinator"]
    assert result.exit_code == 0, result.output
    assert {p.group_id for p in coordinators} == {demo.id}


# postcodes import

def test_importing_a_code_point_open_zip_stores_each_postcode_in_wgs84(runner, tmp_path):
    result = invoke(runner, "postcodes", "import", str(code_point_zip(tmp_path)))
    stored = point("E8 3RH")
    assert result.exit_code == 0, result.output
    assert "Imported 2 postcodes." in result.output
    assert 51.53 < stored.lat < 51.55 and -0.07 < stored.lon < -0.05
    assert point("E8 3RJ") is not None


def test_code_point_rows_of_quality_90_are_skipped(runner, tmp_path):
    invoke(runner, "postcodes", "import", str(code_point_zip(tmp_path)))
    assert point("E8 3ZZ") is None


def test_importing_an_ons_csv_stores_its_latitude_and_longitude(runner, tmp_path):
    path = ons_csv(tmp_path, "N16 7UY,51.561234,-0.071234\nN167UZ,51.5615,-0.0715\nN16 7XX,99.999999,0.000000\n")
    result = invoke(runner, "postcodes", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "Imported 2 postcodes." in result.output
    assert (point("N16 7UY").lat, point("N16 7UY").lon) == (51.561234, -0.071234)
    assert point("N16 7UZ") is not None, "postcodes are stored normalised"
    assert point("N16 7XX") is None, "ONS marks postcodes without a location with 99.999999"


def test_importing_again_updates_points_instead_of_duplicating_them(runner, tmp_path):
    invoke(runner, "postcodes", "import", str(ons_csv(tmp_path, "N16 7UY,51.5612,-0.0712\n")))
    (tmp_path / "onspd.csv").unlink()
    invoke(runner, "postcodes", "import", str(ons_csv(tmp_path, "N16 7UY,51.5699,-0.0799\n")))
    assert [(p.postcode, p.lat, p.lon) for p in all_rows(PostcodePoint)] == [("N16 7UY", 51.5699, -0.0799)]


def test_importing_a_missing_file_fails_with_a_message(runner, tmp_path):
    result = invoke(runner, "postcodes", "import", str(tmp_path / "missing.zip"))
    assert result.exit_code != 0
    assert "does not exist" in result.output


def test_without_imported_postcodes_a_full_postcode_is_placed_at_its_sector(app):
    make_group()
    need = make_need(where="E8 3RH")
    assert need.location_status == "approximate"


def test_a_need_at_an_imported_code_point_postcode_is_located_at_that_point(runner, tmp_path):
    make_group()
    invoke(runner, "postcodes", "import", str(code_point_zip(tmp_path)))
    imported = point("E8 3RH")
    need = make_need(where="flat 2, 14 Mare St E8 3RH")
    assert need.location_status == "located" and need.postcode == "E8 3RH"
    assert (need.exact_lat, need.exact_lon) == (imported.lat, imported.lon)
    assert need.public_label == "E8 3"


def test_a_need_at_an_imported_ons_postcode_is_located_at_that_point(runner, tmp_path):
    make_group()
    invoke(runner, "postcodes", "import", str(ons_csv(tmp_path, "N16 7UY,51.561234,-0.071234\n")))
    need = make_need(where="N16 7UY")
    assert need.location_status == "located"
    assert (need.exact_lat, need.exact_lon) == (51.561234, -0.071234)
