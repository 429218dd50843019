"""The `doctor` command."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from mutualaid.doctor.findings import FAIL
from mutualaid.doctor.report import print_report, run_checks

CHECK_NAMES = ("config", "translations", "database", "migrations", "scheduler", "sms", "email", "map", "rate-limits")


@click.command("doctor")
@click.option("--check", "names", multiple=True, type=click.Choice(CHECK_NAMES),
              help="Run only this check (repeat for more). Default: all.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@with_appcontext
def doctor_command(names, as_json):
    """Check this deployment's settings and services; exits 1 if anything must be fixed."""
    findings = run_checks(tuple(names))
    print_report(findings, as_json)
    if any(finding.status == FAIL for finding in findings):
        raise SystemExit(1)

