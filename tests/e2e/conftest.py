"""Fixtures of the browser journeys: the platform (gunicorn + Celery worker, started once), Chromium, pages.

A journey is a test module here, marked `e2e` (`pytestmark = pytest.mark.e2e`). It asks for `open_page()` (a
new browser context: its own cookies, so one per person) or `login_as(email)`, then uses the helpers of
`tests.e2e.browser`. On failure, a screenshot and the HTML of every page of the test, and the server logs, go to
var/e2e-artefacts/.

`tasks.py test` runs the journeys in one process, after the unit tests. Under xdist, each worker that gets a
journey starts a platform of its own (own database and Redis database), which works but costs a start-up each:
`--dist loadgroup` cannot keep them together while pytest-xdist 3.8 does not group under pytest 9 (it sets the
node id through an attribute that pytest 9 no longer reads).
"""

import os
import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.e2e import browser as b
from tests.e2e.server import Platform, PlatformError

ARTEFACTS = Path(settings.BASE_DIR) / "var" / "e2e-artefacts"
CHROMIUM = os.environ.get("SPIE_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
TIMEOUT_MS = 20_000
expect.set_options(timeout=TIMEOUT_MS)
_report_key = pytest.StashKey[dict]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_report_key, {})[report.when] = report
    return report


def _failed(request):
    reports = request.node.stash.get(_report_key, {})
    return any(report.failed for report in reports.values())


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium est introuvable ({CHROMIUM}) : les parcours dans le navigateur en ont besoin. "
            "`python3 tasks.py test` l'installe (paquet Debian chromium), ou : apt-get install chromium. / "
            f"Chromium is missing ({CHROMIUM}); `python3 tasks.py test` installs it (Debian package chromium).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def fake_franceconnect():
    """The local OIDC provider standing in for FranceConnect (tests/spie/fake_oidc.py), for the whole session:
    the platform is configured with it; a journey sets `identity` before the person clicks FranceConnect."""
    from tests.spie.fake_oidc import FakeOIDCProvider

    provider = FakeOIDCProvider().start()
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def platform(fake_franceconnect):
    server = Platform(
        database_url=os.environ["DATABASE_URL"],  # set by the test settings when the environment has none
        redis_url=os.environ["REDIS_URL"],
        worker_id=os.environ.get("PYTEST_XDIST_WORKER", ""),
        extra_env={
            "OIDC_FRANCECONNECT_SERVER_URL": fake_franceconnect.url,
            "OIDC_FRANCECONNECT_CLIENT_ID": fake_franceconnect.client_id,
            "OIDC_FRANCECONNECT_CLIENT_SECRET": fake_franceconnect.client_secret,
        },
    )
    try:
        server.start()
    except BaseException as error:
        server.keep_logs(ARTEFACTS / "serveur")
        try:
            server.stop()
        finally:
            server.cleanup()
        if isinstance(error, PlatformError):
            pytest.fail(f"La plateforme n'a pas démarré / the platform did not start: {error}", pytrace=False)
        raise
    print(f"\n[e2e] platform ready at {server.base_url} in {server.describe_startup()}")
    yield server
    started = time.monotonic()
    if server.kept_logs:
        server.keep_logs(ARTEFACTS / "serveur")
    server.stop()
    server.cleanup()
    print(f"\n[e2e] platform stopped in {time.monotonic() - started:.1f} s")


@pytest.fixture
def open_page(request, chromium, platform):
    """`open_page()` → a new page in its own browser context (its own cookies: one per person);
    `open_page(viewport=PHONE)` for a phone-sized screen."""
    pages = []

    def factory(*, viewport=None):
        context = chromium.new_context(
            base_url=platform.base_url,
            locale="fr-FR",
            timezone_id="Europe/Paris",
            viewport=viewport or {"width": 1280, "height": 900},
            accept_downloads=True,
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        b.watch(page)
        pages.append(page)
        return page

    yield factory
    failed = _failed(request)
    try:
        if failed:
            _save_artefacts(request.node, pages)
            platform.kept_logs = True
        else:
            unchecked = [url for page in pages for url in b.audit_of(page).unchecked]
            assert not unchecked, (
                f"pages loaded but not checked (axe): {unchecked}; use visit()/follow() or call check_page()"
            )
    finally:
        for page in pages:
            page.context.close()


@pytest.fixture
def login_as(open_page):
    """`login_as(email)` → a new page where that demo account is logged in, with its one-time code (every demo
    professional has two-factor authentication; `totp=False` for an account without); `keyboard`: check the login
    forms with the keyboard."""

    def factory(email, *, totp=True, password=b.DEMO_PASSWORD, keyboard=False):
        secret = b.DEMO_TOTP_SECRET if totp else None
        return b.login(open_page(), email, password=password, totp_secret=secret, keyboard=keyboard)

    return factory


def _save_artefacts(node, pages):
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^\w.-]+", "_", node.nodeid.split("::", 1)[-1])[:80] + time.strftime("-%H%M%S")
    for index, page in enumerate(pages, start=1):
        try:
            page.screenshot(path=str(ARTEFACTS / f"{stem}-{index}.png"), full_page=True)
            (ARTEFACTS / f"{stem}-{index}.html").write_text(f"<!-- {page.url} -->\n{page.content()}", encoding="utf-8")
        except Exception as error:  # a closed or crashed page: keep what the others give
            print(f"[e2e] no screenshot of page {index}: {error!r}")
    print(f"[e2e] screenshots and pages saved under {ARTEFACTS}")
