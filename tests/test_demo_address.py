"""`demo load` says where the site really answers, its public page and the logins, every time it runs;
the home page links to each group's public page."""
from __future__ import annotations

import subprocess

from mutualaid.demo import PASSWORD
from tests.builders import make_group

MAKEFILE_RUN = ["make", "--dry-run", "--always-make", "run", "PORT=8080", "HOST=0.0.0.0"]


def test_demo_load_prints_the_address_it_is_told_and_the_public_page(runner):
    result = runner.invoke(args=["demo", "load", "--url", "http://127.0.0.1:8080"])
    assert result.exit_code == 0, result.output
    assert "The site: http://127.0.0.1:8080/" in result.output
    assert "http://127.0.0.1:8080/groups/hackney-demo" in result.output
    assert "http://127.0.0.1:8080/auth/login" in result.output and "5000" not in result.output


def test_demo_load_prints_the_logins_again_when_the_demo_is_already_there(runner):
    runner.invoke(args=["demo", "load"])
    again = runner.invoke(args=["demo", "load", "--if-empty", "--url", "http://127.0.0.1:5001"])
    assert "nothing loaded" in again.output
    assert "amara@demo.mutualaid.test" in again.output and PASSWORD in again.output
    assert "http://127.0.0.1:5001/auth/login" in again.output


def test_a_server_on_every_address_is_told_as_one_to_type(runner):
    result = runner.invoke(args=["demo", "load", "--url", "http://0.0.0.0:8080"])
    assert "The site: http://127.0.0.1:8080/ on this computer" in result.output
    assert "http://0.0.0.0" not in result.output


def test_demo_logins_are_not_printed_beside_a_real_group(runner):
    make_group()
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert "nothing loaded" in result.output and PASSWORD not in result.output


def test_make_run_passes_its_host_and_port_to_the_demo_and_the_server():
    plan = subprocess.run(MAKEFILE_RUN, capture_output=True, text=True, check=True).stdout
    assert "demo load --if-empty --url http://0.0.0.0:8080" in plan
    assert "run --host 0.0.0.0 --port 8080" in plan


def test_the_home_page_links_to_the_groups_public_page(client):
    make_group(slug="clapton", name="Clapton Mutual Aid")
    page = client.get("/").get_data(as_text=True)
    assert 'href="/groups/clapton"' in page
