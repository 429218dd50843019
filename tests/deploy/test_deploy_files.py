"""The deployment files hang together: .env.example documents every setting the app reads, compose.yaml
has the services, health checks and volumes a site needs, the Dockerfile runs as a non-root user, and the
systemd units pass `systemd-analyze verify` (where it is installed) with their hardening in place.

The image itself cannot be built here (no Docker daemon, no registry); the entrypoint's test runs its
commands directly."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from dotenv import dotenv_values

from config import ConfigError, load_config
from tests.deploy.environment_names import ROOT, app_names, example_names, shell_names

EXAMPLE = ROOT / ".env.example"
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
# Read by the shell or the system, not settings of ours.
SHELL_OWN = {"PATH", "HOME"}


def compose() -> dict:
    """compose.yaml, parsed."""
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def compose_names() -> set[str]:
    """The ${VARIABLES} compose.yaml takes from .env."""
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)", (ROOT / "compose.yaml").read_text()))


def test_env_example_documents_every_setting_the_app_reads():
    missing = app_names() - example_names(EXAMPLE)
    assert not missing, f"add these to .env.example, with a comment: {sorted(missing)}"


def test_env_example_documents_what_the_entrypoint_and_compose_read():
    missing = (shell_names(ENTRYPOINT) | compose_names()) - SHELL_OWN - example_names(EXAMPLE)
    assert not missing, f"add these to .env.example, with a comment: {sorted(missing)}"


def test_env_example_holds_nothing_nobody_reads():
    stale = example_names(EXAMPLE) - app_names() - shell_names(ENTRYPOINT) - compose_names()
    assert not stale, f"nothing reads these any more: {sorted(stale)}"


def test_every_setting_in_env_example_has_a_comment_above_it():
    lines = EXAMPLE.read_text().splitlines()
    for number, line in enumerate(lines):
        if re.match(r"^#?\s*[A-Z][A-Z0-9_]+=", line):
            block = number
            while block > 0 and re.match(r"^#?\s*[A-Z][A-Z0-9_]+=", lines[block - 1]):
                block -= 1
            assert block > 0 and lines[block - 1].startswith("# "), f"no comment above {line!r}"


def test_env_example_refuses_to_start_until_the_secret_is_set():
    values = {k: v for k, v in dotenv_values(EXAMPLE).items() if v is not None}
    assert values["SECRET_KEY"] == "" and values["MUTUALAID_ENV"] == "production"
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(values["MUTUALAID_ENV"], values)


def test_env_example_starts_once_the_secret_is_set_and_its_defaults_are_the_apps():
    values = {k: v for k, v in dotenv_values(EXAMPLE).items() if v is not None}
    settings = load_config("production", {**values, "SECRET_KEY": "x" * 64})
    assert settings["PUBLIC_BASE_URL"].startswith("https://") and settings["TRUSTED_PROXIES"] == 1
    shown = dict(re.findall(r"^# ([A-Z][A-Z0-9_]+)=(.*)$", EXAMPLE.read_text(), re.MULTILINE))
    defaults = load_config("production", {"SECRET_KEY": "x" * 64, "DATABASE_URL": "postgresql://u@h/d"})
    for name in ("SMS_BACKEND", "EMAIL_BACKEND", "MAIL_SERVER", "MAIL_PORT", "MAP_TILE_URL", "GEOCODER",
                 "RATELIMIT_STORAGE_URI", "HSTS_SECONDS", "COORDINATOR_IDLE_MINUTES", "LOGIN_LOCK_AFTER",
                 "SCHEDULER_STALE_SECONDS", "FIGURES_CACHE_SECONDS", "DEFAULT_REGION", "LOG_LEVEL"):
        assert shown[name] == str(defaults[name]), f"{name}: .env.example says {shown[name]}"


def test_compose_has_the_database_the_app_its_scheduler_and_caddy():
    services = compose()["services"]
    assert {"db", "web", "scheduler", "caddy"} <= set(services)
    assert services["web"]["command"] == ["web"] and services["scheduler"]["command"] == ["scheduler"]
    assert services["web"]["image"] == services["scheduler"]["image"]  # one image, two commands


def test_compose_health_checks():
    services = compose()["services"]
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["web"]["healthcheck"]["test"][-2:] == ["health", "web"]
    assert services["scheduler"]["healthcheck"]["test"][-2:] == ["health", "scheduler"]
    assert services["web"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["scheduler"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_compose_keeps_the_data_in_volumes():
    document = compose()
    services = document["services"]
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert {"caddy_data:/data", "caddy_config:/config"} <= set(services["caddy"]["volumes"])
    assert {"pgdata", "caddy_data", "caddy_config"} <= set(document["volumes"])


def test_compose_sets_the_proxy_settings_and_reads_env():
    for name in ("web", "scheduler"):
        service = compose()["services"][name]
        assert service["env_file"] == ".env"
        environment = service["environment"]
        assert environment["PUBLIC_BASE_URL"].startswith("https://${DOMAIN")
        assert environment["TRUSTED_PROXIES"] == "1" and environment["MUTUALAID_ENV"] == "production"
        assert environment["DATABASE_URL"].startswith("postgresql://") and "@db:5432/" in environment["DATABASE_URL"]


def test_caddy_serves_the_domain_and_proxies_to_web():
    caddy = compose()["services"]["caddy"]
    mounted = [v.split(":")[0] for v in caddy["volumes"] if v.startswith("./")]
    assert mounted == ["./deploy/Caddyfile"] and (ROOT / mounted[0]).exists()
    assert {"80:80", "443:443"} <= set(caddy["ports"])
    text = (ROOT / "deploy" / "Caddyfile").read_text()
    assert re.search(r"^\{\$DOMAIN\} \{", text, re.MULTILINE) and "reverse_proxy web:8000" in text
    assert "reverse_proxy 127.0.0.1:8000" in (ROOT / "deploy" / "Caddyfile.systemd").read_text()


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (INSTRUCTION, arguments), continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def test_dockerfile_builds_on_python_slim_and_runs_as_a_user():
    steps = dockerfile()
    stages = [i for i, (instruction, _) in enumerate(steps) if instruction == "FROM"]
    assert all(steps[i][1].startswith("python:3.11-slim") for i in stages)
    final = steps[stages[-1]:]
    users = [arguments for instruction, arguments in final if instruction == "USER"]
    assert users and users[-1] not in ("root", "0"), "the image must not run as root"
    assert any(i == "RUN" and "pybabel compile" in a for i, a in steps)
    assert any(i == "RUN" and "pip install -r requirements.txt" in a for i, a in steps)
    assert ("ENTRYPOINT", '["/app/deploy/entrypoint.sh"]') in final and ("CMD", '["web"]') in final


def test_the_entrypoint_has_the_web_and_scheduler_commands():
    text = ENTRYPOINT.read_text()
    assert ENTRYPOINT.stat().st_mode & 0o111, "entrypoint.sh must be executable"
    assert re.search(r"^\s+web\)", text, re.MULTILINE) and re.search(r"^\s+scheduler\)", text, re.MULTILINE)
    assert "flask --app wsgi db upgrade" in text and "exec gunicorn" in text and "flask --app wsgi scheduler" in text


def test_dockerignore_keeps_secrets_and_local_data_out():
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert {".env", ".git", ".venv", "instance/"} <= set(ignored)


@pytest.mark.skipif(not shutil.which("hadolint"), reason="hadolint is not installed")
def test_hadolint():
    result = subprocess.run(["hadolint", str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def unit(path: Path) -> dict[str, list[str]]:
    """A unit file's [Service] settings, each name with its values."""
    values: dict[str, list[str]] = {}
    section = None
    for line in path.read_text().splitlines():
        if line.startswith("["):
            section = line.strip("[]")
        elif section == "Service" and "=" in line and not line.startswith("#"):
            name, value = line.split("=", 1)
            values.setdefault(name, []).append(value)
    return values


@pytest.mark.parametrize("path", UNITS, ids=[p.stem for p in UNITS])
def test_systemd_units_run_hardened_as_their_own_user(path):
    service = unit(path)
    assert service["User"] == ["mutualaid"] and service["EnvironmentFile"] == ["/etc/mutualaid/mutualaid.env"]
    assert service["Restart"] == ["on-failure"] and service["NoNewPrivileges"] == ["yes"]
    assert service["ProtectSystem"] == ["strict"] and service["ReadWritePaths"] == ["/srv/mutualaid/instance"]
    assert service["ExecStart"][0].startswith("/srv/mutualaid/deploy/entrypoint.sh ")


def test_the_units_are_the_web_app_and_the_scheduler():
    assert [p.name for p in UNITS] == ["mutualaid-scheduler.service", "mutualaid-web.service"]
    assert unit(UNITS[1])["ExecStart"] == ["/srv/mutualaid/deploy/entrypoint.sh web"]
    assert unit(UNITS[0])["ExecStart"] == ["/srv/mutualaid/deploy/entrypoint.sh scheduler"]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
@pytest.mark.parametrize("path", UNITS, ids=[p.stem for p in UNITS])
def test_systemd_analyze_verify(path, tmp_path):
    # Pointed at this checkout (verify wants ExecStart to exist) and an existing user and env file.
    text = path.read_text().replace("/srv/mutualaid", str(ROOT))
    text = re.sub(r"^(User|Group)=mutualaid$", r"\1=root", text, flags=re.MULTILINE)
    text = text.replace("EnvironmentFile=/etc/mutualaid/mutualaid.env", f"EnvironmentFile={EXAMPLE}")
    copy = tmp_path / path.name
    copy.write_text(text)
    result = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True)
    problems = [line for line in result.stderr.splitlines() if path.name in line or "Unknown" in line]
    assert result.returncode == 0 and not problems, result.stderr
