"""Fixtures for the browser tests.

* ``live_server``: the test app (``app`` from tests/conftest.py, CSRF on) served by Werkzeug in
  a background thread for the whole session.
* ``demo_data``: the demo data of :func:`core.demo.load` (accounts admin, reviewer,
  enterprise, expert, judge, worker; password ``DEMO_PASSWORD``), present for one test.
* ``browser`` / ``page``: headless Chromium from /usr/bin/chromium driven by Playwright;
  each test gets a fresh context (no cookies), a Chinese browser and a 1280 x 800 window.

``demo.load()`` runs before every test: ~0.2 s with the testing profile's cheap password
hash (~0.8 s with scrypt, nearly all of it the six password hashes).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from core import demo
from core.extensions import db

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
#: Playwright's wait for a page, a selector or an ``expect``: generous for a 2-core machine
#: running the suite in parallel (another worker's tests, LibreOffice or gunicorn beside the
#: browser), short enough that a broken page fails within the minute.
TIMEOUT_MS = 20_000


# --- the app -----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """Base URL of the test app served in a background thread (CSRF stays on)."""
    assert app.config["WTF_CSRF_ENABLED"], "the browser tests must run with CSRF protection on"
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def demo_data(app) -> None:
    """The demo data of ``core.demo.load()``, committed, for one test (emptied afterwards by
    the autouse fixture of tests/conftest.py)."""
    with app.app_context():
        assert demo.database_is_empty(), "the test database should be empty between tests"
        demo.load()
        db.session.commit()
        db.session.remove()


# --- the browser -------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    """Headless Chromium. Missing Chromium or Playwright fails the tests, never skips them."""
    if not CHROMIUM.is_file():
        pytest.fail(f"Chromium not found at {CHROMIUM}: the e2e tests need it (install the "
                    "distribution's chromium package; do not run `playwright install`).",
                    pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the Python package `playwright` is not installed: pip install -e '.[test]'",
                    pytrace=False)
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser, live_server, demo_data):
    """A page in a fresh browser context (no cookies) with the demo data loaded.

    Uncaught script errors and Content-Security-Policy violations fail the test.
    """
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(base_url=live_server, locale="zh-CN",
                                  timezone_id="Asia/Shanghai",
                                  viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("console", lambda message: problems.append(f"console: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text else None)
    try:
        yield page
    finally:
        context.close()
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)
