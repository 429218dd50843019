"""`flask --app wsgi setup-link`: print the one-time setup page's address again."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from mutualaid.first_run.actions import is_set_up
from mutualaid.first_run.token import forget_token, setup_url


@click.command("setup-link")
@click.option("--base-url", default=None, help="The site's address (default: PUBLIC_BASE_URL, else http://127.0.0.1:5000).")
@with_appcontext
def setup_link_command(base_url):
    """Print the link to the first-run setup page (only while no group exists)."""
    if is_set_up():
        forget_token(current_app)
        raise click.ClickException("This site is already set up: the setup page is gone. Add coordinators with "
                                   "`flask --app wsgi users create-coordinator`.")
    url = setup_url(current_app, base_url or current_app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000")
    if url is None:
        raise click.ClickException("The setup key cannot be kept in the instance folder; set the site up with "
                                   "`flask --app wsgi groups create` and `users create-coordinator` instead.")
    click.echo("Open this link to create the group and its first coordinator (it works once):")
    click.echo(f"  {url}")
