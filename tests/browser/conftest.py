"""Browser fixtures: the product served live on a fresh SQLite file, driven by Debian's Chromium.

One server per test module on its own copy of the session's template database (processes,
forms and demo users loaded once per worker, tests/conftest.py), one browser per session,
a fresh context and page per test. CSRF is ON, so every form the browser posts proves it
carries its token.

Screenshots: a failing test's page goes to test-artifacts/browser/<test name>.png; key
pages of the walks to test-artifacts/browser/pages/<name>.png (support.snap).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright import sync_api

from app import create_app
from app.config import ROOT, TestConfig
from app.extensions import db
from tests.browser.support import ARTIFACTS, LiveServer, failure_screenshot, new_tab

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _config(folder: Path) -> type:
    class BrowserConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'browser.sqlite'}"
        UPLOAD_DIR = str(folder / "uploads")
        PROCESS_DIR = str(ROOT / "processes")
        FORM_DIR = str(ROOT / "forms")
        WTF_CSRF_ENABLED = True  # every form the browser posts must carry its token

    return BrowserConfig


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, template_database):
    """The product on a fresh SQLite file: processes, forms and demo users loaded."""
    folder = tmp_path_factory.mktemp("live")
    shutil.copyfile(template_database(ROOT / "processes", ROOT / "forms"),
                    folder / "browser.sqlite")
    app = create_app(_config(folder))
    server = LiveServer(app)
    yield server
    server.stop()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def recognised(live_server) -> dict:
    """A Kunming title recognised through the JSON API on the live server's database: the case
    as the city reads it."""
    case = live_server.recognised_title()
    with live_server.app.app_context():
        return case.case()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless; a browser is never downloaded (make chromium installs it)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed: run `make chromium`")
    shutil.rmtree(ARTIFACTS, ignore_errors=True)  # no stale screenshots from an earlier run
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh context (no cookies) at 1280 px in Chinese, pointed at the live server."""
    with new_tab(browser, live_server, 1280, 900) as tab:
        yield tab


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """When a browser test fails, save a full-page screenshot of its page."""
    outcome = yield
    report = outcome.get_result()
    tab = item.funcargs.get("page") if hasattr(item, "funcargs") else None
    if report.when != "call" or not report.failed or tab is None or tab.is_closed():
        return
    try:
        path = failure_screenshot(tab, item.name)
        report.sections.append(("screenshot", str(path)))
    except Exception as error:  # a crashed page must not hide the real failure
        report.sections.append(("screenshot", f"not saved: {error}"))
