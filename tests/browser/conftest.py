"""Browser tests: the real app served over HTTP, driven by Debian's Chromium through Playwright.

The live server is MODULE-scoped (one per test module and per pytest-xdist worker) and runs
on SQLite only, in a temporary database FILE: the tables are created once when the server
starts and rows are never cleared between tests. Tests therefore never rely on what another
test left behind: each test seeds its own data through the app's builders and services
(`tests/builders.py`), in a group of its own centred on a postcode sector no other test in
the module uses (`live_server.fresh_area()`), so dashboards, "needs near me" and the
matcher only ever see that test's rows. The PostgreSQL half of the suite is covered by the
ordinary tests (tests/conftest.py); these tests are about pages, forms and browsers.

Outside CI, the tests are skipped with a reason when Playwright, Chromium
(/usr/bin/chromium, or CHROMIUM_PATH) or axe-core (`npm ci --prefix tests/browser`) is
missing; in CI (`CI` set) a missing piece is an error instead, and `tests/browser/ci_guard.py`
fails the run if no browser test passed.
"""
from __future__ import annotations

import contextlib
import csv
import itertools
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

HERE = Path(__file__).resolve().parent
AXE_PATH = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
DEFAULT_TIMEOUT_MS = 15_000


def missing(reason: str):
    """Skip outside CI; in CI a browser test that cannot run is an error, never a skip."""
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but {reason}", pytrace=False)
    pytest.skip(reason)


# ---------------------------------------------------------------------------- the live app

@dataclass(frozen=True)
class Area:
    """A place for one test's group: a postcode sector and the point the offline geocoder gives it."""

    slug: str
    postcode: str
    point: tuple[float, float]
    number: int  # unique on this server: for emails and phone numbers

    def phone(self, index: int) -> str:
        """A UK mobile number no other test on this server uses (requesters are found by phone)."""
        return f"+447911{self.number:04d}{index:02d}"


def _area_sectors() -> list[str]:
    """Postcode sectors spread over Great Britain (every 200th of the shipped table), one per test."""
    from mutualaid.geo import offline

    table = Path(offline.__file__).resolve().parent / "data" / "gb_sectors.csv"
    with table.open(newline="", encoding="utf-8") as handle:
        sectors = [row["sector"] for row in csv.DictReader(handle)]
    return sectors[::200]


class LiveServer:
    """The app served by werkzeug on 127.0.0.1 in a background thread, on a SQLite file."""

    def __init__(self, database_path: Path):
        from werkzeug.serving import make_server

        from mutualaid import create_app
        from mutualaid.extensions import db

        self.app = create_app({
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database_path}",
            "RATELIMIT_ENABLED": False,
            "SMS_BACKEND": "console",
            "EMAIL_BACKEND": "console",
        })
        with self.app.app_context():
            db.create_all()
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="live-server", daemon=True)
        self._sectors = iter(_area_sectors())
        self._counter = itertools.count(1)

    def start(self) -> "LiveServer":
        """Serve in the background."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the database connections."""
        from mutualaid.extensions import db

        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        with self.app.app_context():
            db.engine.dispose()

    @contextlib.contextmanager
    def seed(self):
        """An app context in the test's thread, for builders, services and queries."""
        from mutualaid.extensions import db

        with self.app.app_context():
            try:
                yield db.session
            finally:
                db.session.remove()

    def fresh_area(self) -> Area:
        """A postcode sector no other test on this server has used, with its geocoded point."""
        from mutualaid.groups.places import locate

        with self.seed():
            for sector in self._sectors:
                placement = locate(sector, allow_online=False)
                if placement.exact is not None:
                    number = next(self._counter)
                    return Area(f"t{number}-{sector.replace(' ', '').lower()}", sector, placement.exact, number)
        raise RuntimeError("ran out of postcode sectors for browser-test groups")


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """The real app on a free port of 127.0.0.1 (module-scoped, SQLite file; see the module docstring)."""
    server = LiveServer(tmp_path_factory.mktemp("browser-db") / "live.sqlite3").start()
    yield server
    server.stop()


# ---------------------------------------------------------------------------- the browser

@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven by Playwright's sync API (one per module and worker)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright is not installed (pip install -r requirements-dev.txt).")
    if not os.access(CHROMIUM_PATH, os.X_OK):
        missing(f"Chromium is not at {CHROMIUM_PATH} (apt-get install chromium chromium-driver).")
    manager = sync_playwright().start()
    try:
        chromium = manager.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
    except Exception as error:  # noqa: BLE001 - any launch failure means the browser cannot be used
        manager.stop()
        missing(f"Chromium at {CHROMIUM_PATH} does not start under Playwright: {error}")
    yield chromium
    chromium.close()
    manager.stop()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's browser bundle from the npm registry (tests/browser/package.json pins it)."""
    if not AXE_PATH.is_file():
        missing(f"axe-core is not installed at {AXE_PATH} (run `npm ci --prefix tests/browser`).")
    return AXE_PATH.read_text(encoding="utf-8")


def _only_local(live_url: str):
    """A route handler that lets requests to the live server through and aborts everything else."""
    allowed = urlsplit(live_url).netloc

    def handle(route):
        parts = urlsplit(route.request.url)
        if parts.scheme in ("data", "blob", "about") or parts.netloc == allowed:
            route.continue_()
        else:
            route.abort("blockedbyclient")  # map tiles and anything else off this machine

    return handle


@pytest.fixture
def new_context(browser, live_server):
    """Make browser contexts (separate cookie jars) on the live server; all closed after the test.

    Requests to any other host (the map tiles) are refused, so the tests never touch the network.
    Uncaught JavaScript errors on any page fail the test.
    """
    contexts, page_errors = [], []

    def make(**options):
        context = browser.new_context(base_url=live_server.url, locale="en-GB", **options)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.route("**/*", _only_local(live_server.url))
        context.on("weberror", lambda error: page_errors.append(f"{error.page.url if error.page else '?'}: {error.error}"))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not page_errors, "JavaScript errors in the pages:\n" + "\n".join(page_errors)


@pytest.fixture
def page(new_context):
    """One page in a fresh desktop context."""
    return new_context(viewport={"width": 1280, "height": 900}).new_page()

