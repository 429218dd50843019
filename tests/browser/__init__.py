"""Browser tests (Playwright + Debian Chromium + axe-core); see conftest.py."""
