"""In CI, a run whose browser tests were skipped or did not run at all fails.

Loaded for every run by `-p tests.browser.ci_guard` in pytest.ini, NOT from
tests/browser/conftest.py: under pytest-xdist the controller process (which receives every
worker's test reports and decides the exit status) never collects, so it only loads the
conftest files of the directories named on the command line (`tests/conftest.py`), never
`tests/browser/conftest.py`; a hook there would run only in the workers, each of which sees
only its own share of the tests. This plugin follows tests/conftest.py's PostgreSQL check:
count passed browser tests from the reports, decide in `pytest_sessionfinish` of the process
that saw them all (the controller, or the only process without xdist).
"""
from __future__ import annotations

import os
from pathlib import Path

BROWSER_DIR = Path(__file__).resolve().parent
_passed = set()


def pytest_runtest_logreport(report):
    """Remember each browser test that really passed (xfailed ones do not count)."""
    if report.when == "call" and report.passed and not hasattr(report, "wasxfail"):
        if "browser" in report.keywords:
            _passed.add(report.nodeid)


def _covers_browser_tests(config) -> bool:
    """Whether this run was asked to include tests/browser (the default run over tests/ does)."""
    if config.getoption("keyword") or config.getoption("collectonly"):
        return False  # narrowed by -k on purpose (as tests/conftest.py allows), or nothing is run
    for arg in config.args:
        path = Path(config.invocation_params.dir, arg.split("::")[0]).resolve()
        if path == BROWSER_DIR or BROWSER_DIR in path.parents or path in BROWSER_DIR.parents:
            return True
    return False


def pytest_sessionfinish(session, exitstatus):
    """Fail a CI run in which no browser test passed (Chromium or axe-core missing, deselected, ...)."""
    if not os.environ.get("CI") or hasattr(session.config, "workerinput"):
        return  # outside CI; or an xdist worker, which sees only part of the run
    if exitstatus == 0 and not _passed and _covers_browser_tests(session.config):
        print("\nERROR: CI is set but no browser test (tests/browser, marker 'browser') passed: "
              "install chromium and run `npm ci --prefix tests/browser` (see .ci/run).")
        session.exitstatus = 1
