"""`flask --app wsgi ...` commands: groups, users, people (erasure, subject access), demo data, postcode imports."""
from __future__ import annotations

import json

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from mutualaid import demo
from mutualaid.backups import commands as backup_commands
from mutualaid.core.errors import ServiceError
from mutualaid.doctor.command import doctor_command
from mutualaid.extensions import db
from mutualaid.geo.imports import import_postcode_file
from mutualaid.groups import actions as groups
from mutualaid.jobs import JOBS
from mutualaid.jobs.runner import run_job
from mutualaid.jobs.scheduler import run_scheduler
from mutualaid.models import JobRun, JobState, Person
from mutualaid.needs.redact_again import redact_stored_public_texts
from mutualaid.people import actions as people
from mutualaid.people import subject_access
from mutualaid.first_run.commands import setup_link_command

groups_cli = AppGroup("groups", help="Mutual aid groups on this instance.")
users_cli = AppGroup("users", help="Coordinator accounts and API tokens.")
demo_cli = AppGroup("demo", help="Demo data for trying the app out.")
postcodes_cli = AppGroup("postcodes", help="Full-postcode data for precise offline geocoding.")
people_cli = AppGroup("people", help="Erasing a person on request, and everything held about one (subject access).")
needs_cli = AppGroup("needs", help="Requests and offers stored on this instance.")


@groups_cli.command("create")
@click.option("--slug", required=True, help="Short name used in URLs, e.g. hackney.")
@click.option("--name", required=True, help="The group's name.")
@click.option("--postcode", required=True, help="A postcode or ZIP at the centre of the group's area.")
@click.option("--radius-km", default=5.0, show_default=True, help="Radius of the service area.")
@click.option("--phone", default=None, help="The group's SMS number (E.164).")
def create_group(slug, name, postcode, radius_km, phone):
    """Create a group centred on a postcode."""
    try:
        group = groups.create_group(slug=slug, name=name, centre=postcode, radius_km=radius_km, phone=phone)
    except ServiceError as error:
        raise click.ClickException(str(error.message))
    click.echo(f"Created group {group.slug} at {group.centre_lat:.4f},{group.centre_lon:.4f}.")


@users_cli.command("create-coordinator")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--group", "group_slug", default=None, help="Group slug (default: the first group).")
@click.password_option()
def create_coordinator(email, name, group_slug, password):
    """Create a coordinator (or promote an existing account)."""
    try:
        person = people.create_coordinator(email=email, name=name, password=password, group_slug=group_slug)
    except ServiceError as error:
        raise click.ClickException(str(error.message))
    click.echo(f"Coordinator {person.email} can now log in.")


@users_cli.command("token")
@click.argument("email")
def issue_token(email):
    """Issue an API token for an account (printed once; only its hash is stored)."""
    person = db.session.execute(db.select(Person).where(Person.email == email.lower())).scalar_one_or_none()
    if person is None:
        raise click.ClickException("No account with that email.")
    click.echo(people.issue_api_token(person))


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when a group already exists.")
@click.option("--url", default=None, help="The address the site is served on, to print (default: PUBLIC_BASE_URL, "
                                          "else http://127.0.0.1:5000).")
def load_demo(if_empty, url):
    """Load a small demo group in Hackney, London, and print where to open it and its logins."""
    try:
        loaded = demo.load(if_empty=if_empty)
    except ServiceError as error:
        raise click.ClickException(str(error.message))
    click.echo("Demo data loaded." if loaded else "Demo data already present; nothing loaded.")
    if not demo.is_loaded():
        return
    for line in demo_guide(url or current_app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000"):
        click.echo(line)


def demo_guide(url: str) -> list[str]:
    """Where the demo site answers, its public page, and its logins (printed on every run)."""
    base = url.rstrip("/")
    lines = [f"The site: {base}/"]
    if "//0.0.0.0" in base or "//[::]" in base:  # listening on every address: say which to type
        local = base.replace("0.0.0.0", "127.0.0.1").replace("[::]", "127.0.0.1")
        lines = [f"The site: {local}/ on this computer, or this computer's network address with the same port"]
        base = local
    lines += [f"The group's public page: {base}/groups/{demo.SLUG}",
              f"Log in at {base}/auth/login with:"]
    lines += [f"  {role:<20} {email:<32} {password}" for role, email, password in demo.logins()]
    return lines


@postcodes_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_postcodes(path):
    """Import full postcodes from Code-Point Open (zip/CSV) or an ONS postcode directory CSV."""
    count = import_postcode_file(path)
    click.echo(f"Imported {count} postcodes.")


def _person_from_options(phone, email, ref) -> Person:
    """The one (not yet erased) person named by exactly one of --phone, --email, --ref."""
    if sum(bool(v) for v in (phone, email, ref)) != 1:
        raise click.UsageError("Give exactly one of --phone, --email or --ref.")
    person = subject_access.find_person(phone=subject_access.clean_phone(phone) if phone else None,
                                        email=subject_access.clean_email(email) if email else None, ref=ref)
    if person is None:
        raise click.ClickException("Nobody (not yet erased) matches that.")
    return person


@people_cli.command("erase")
@click.option("--phone", default=None, help="Their phone number.")
@click.option("--email", default=None, help="Their email.")
@click.option("--ref", default=None, help="The reference of one of their requests.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_person_command(phone, email, ref, yes):
    """Erase a person everywhere (name, contact, addresses, message bodies); counts stay."""
    person = _person_from_options(phone, email, ref)
    if not yes:
        click.confirm(f"Erase person #{person.id} everywhere? This cannot be undone.", abort=True)
    counts = people.erase_person(person, actor=None)
    click.echo(f"Erased person #{person.id}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@people_cli.command("export")
@click.option("--phone", default="", help="Their phone number.")
@click.option("--email", default="", help="Their email.")
def export_person_command(phone, email):
    """Print everything held about the person with this phone or email, as JSON (audited)."""
    if bool(phone) == bool(email):
        raise click.UsageError("Give exactly one of --phone or --email.")
    data = people.export_person(None, phone=phone, email=email)
    if data is None:
        raise click.ClickException("Nobody (not yet erased) matches that.")
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@needs_cli.command("redact-again")
@click.option("--all", "everything", is_flag=True, help="Closed requests and offers too, not only those still open.")
@click.option("--dry-run", is_flag=True, help="Count what would change; change nothing.")
def redact_again_command(everything, dry_run):
    """Run today's redaction over the public texts already stored (after an upgrade that improved it)."""
    counts = redact_stored_public_texts(everything=everything, dry_run=dry_run)
    verb = "would change" if dry_run else "changed"
    click.echo(f"Public texts checked: {counts.checked}; {verb}: {counts.changed}.")


jobs_cli = AppGroup("jobs", help="Periodic jobs: run one now, or see the ledger.")


@jobs_cli.command("run")
@click.argument("name")
def run_job_command(name):
    """Run one job once (for operators and tests)."""
    if name not in JOBS:
        raise click.ClickException(f"No job {name!r}; jobs: {', '.join(JOBS)}.")
    run = run_job(name)
    if run is not None and run.error:
        raise click.ClickException(f"{name} failed: {run.error.splitlines()[0]}")
    click.echo(f"{name}: {run.rows if run else 0} rows")


@jobs_cli.command("status")
def jobs_status():
    """Each job's last run, and the most recent ledger entries."""
    for name, job in JOBS.items():
        state = db.session.get(JobState, name)
        last = state.last_finished_at.isoformat(timespec="seconds") if state and state.last_finished_at else "never"
        error = f"  last error: {state.last_error.splitlines()[0]}" if state and state.last_error else ""
        click.echo(f"{name:<18} every {job.interval(current_app.config):>5g}s  last run {last}  runs {state.runs if state else 0}{error}")
    runs = db.session.execute(db.select(JobRun).order_by(JobRun.id.desc()).limit(10)).scalars()
    for run in runs:
        outcome = f"error: {run.error.splitlines()[0]}" if run.error else f"{run.rows} rows"
        click.echo(f"  {run.started_at.isoformat(timespec='seconds')} {run.name:<18} {outcome}")


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the scheduler process (exactly one per deployment; every job is idempotent)."""
    run_scheduler(current_app._get_current_object())


def init_app(app: Flask) -> None:
    """Register the command groups."""
    for group in (groups_cli, users_cli, demo_cli, postcodes_cli, people_cli, needs_cli, jobs_cli):
        app.cli.add_command(group)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(doctor_command)
    backup_commands.init_app(app)
    app.cli.add_command(setup_link_command)
    from mutualaid.imports.cli import import_cli

    app.cli.add_command(import_cli)
