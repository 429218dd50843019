"""Running the checks in order, each protected from the others, and printing the report."""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import click
from flask import current_app

from mutualaid.doctor import settings_checks as settings
from mutualaid.doctor.email_check import check_email
from mutualaid.doctor.findings import FAIL, WARN, Finding, fail
from mutualaid.doctor.service_checks import (check_database, check_map_tiles, check_migrations,
                                             check_rate_limit_store, check_scheduler, first_line)
from mutualaid.doctor.twilio_check import check_sms
from mutualaid.extensions import db


def checks(app) -> dict[str, list[Callable[[], list[Finding]]]]:
    """Every check, by the name `--check` takes, in the order they print."""
    config, root = app.config, Path(app.root_path).parent
    return {
        "config": [lambda: settings.check_environment(config), lambda: settings.check_secret_key(config),
                   lambda: settings.check_public_base_url(config), lambda: settings.check_database_url(config)],
        "translations": [lambda: settings.check_translations(root / "translations")],
        "database": [check_database],
        "migrations": [lambda: check_migrations(root / "migrations")],
        "scheduler": [lambda: check_scheduler(config, datetime.now(timezone.utc))],
        "sms": [lambda: check_sms(config)],
        "email": [lambda: check_email(config)],
        "map": [lambda: settings.check_map_tile_url(config), lambda: check_map_tiles(config)],
        "rate-limits": [lambda: settings.check_rate_limit_kind(config), lambda: check_rate_limit_store(config)],
    }


def run_checks(names: tuple[str, ...] = ()) -> list[Finding]:
    """The findings of the named checks (all by default); a check that breaks is itself a FAIL."""
    findings = []
    for name, functions in checks(current_app).items():
        if names and name not in names:
            continue
        for function in functions:
            try:
                findings.extend(function())
            except Exception as exc:
                db.session.rollback()
                findings.append(fail(name, f"The check could not finish ({first_line(exc)})."))
    return findings


def print_report(findings: list[Finding], as_json: bool) -> None:
    """One line per finding, then a summary; or a JSON list."""
    if as_json:
        click.echo(json.dumps([finding.as_dict() for finding in findings], indent=2))
        return
    colours = {"OK": "green", "WARN": "yellow", "FAIL": "red"}
    for finding in findings:
        click.echo(click.style(f"{finding.status:<5}", fg=colours[finding.status]) +
                   f" {finding.check:<13} {finding.message}")
    problems = sum(f.status == FAIL for f in findings)
    warnings = sum(f.status == WARN for f in findings)
    click.echo(f"\n{problems} to fix (FAIL), {warnings} worth a look (WARN), "
               f"{len(findings) - problems - warnings} fine.")
