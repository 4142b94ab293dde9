"""End-to-end fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

No browser is ever downloaded: the tests use the system's `chromium` and skip, saying why, when
there is none. The server runs in a thread of this process, so the tests use a transactional
database (data must be committed for the server to see it); the governorates and regions that a
data migration loads are put back before each test, since a transactional test ends by emptying
every table. Each module opens one browser; each test gets a fresh context (no shared cookies).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from kasb.accounts.models import User
from kasb.conftest import PASSWORD, ensure_areas

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
TIMEOUT_MS = 20_000


def chromium_path() -> str | None:
    for candidate in (os.environ.get("KASB_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def screenshot_dir() -> Path:
    directory = Path(os.environ.get("KASB_SCREENSHOTS") or Path(django_settings.BASE_DIR).parent / "var"
                     / "screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture(scope="session", autouse=True)
def _static_root() -> None:
    # The live server serves static files from the apps; an empty STATIC_ROOT keeps WhiteNoise
    # from warning that it is missing.
    Path(django_settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        pytest.skip("No Chromium found (install Debian's `chromium` package); browser tests skipped.")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("The playwright Python package is not installed (pip install -e '.[dev]').")
    from django.db import connections

    # Playwright's sync API leaves its asyncio loop marked as running on this thread, and Django
    # then hands out a separate set of database connections, as it does to async code. Point that
    # set at this thread's own connections, so that the test body and pytest-django's set-up and
    # tear-down use the same ones. For the same reason Django would refuse ORM calls from the test
    # body while the browser is open.
    ordinary = {alias: connections[alias] for alias in connections}
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        for alias, connection in ordinary.items():
            connections[alias] = connection
        chromium = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _areas(transactional_db: Any) -> None:
    """Governorates and regions, as the data migration loads them (a previous test emptied them)."""
    ensure_areas()


@pytest.fixture(autouse=True)
def _browser_settings(settings: Any) -> None:
    # Imports run in the request that started them, so the result page shows the outcome at once.
    settings.KASB_INLINE_THREADS = False
    settings.CELERY_BROKER_URL = ""
    settings.KASB_REQUIRE_STAFF_2FA = True


def _new_page(browser: Any, viewport: dict[str, int], **options: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=viewport, **options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A page the size of a cheap Android phone's screen."""
    yield from _new_page(browser, PHONE)


@pytest.fixture
def desktop_page(browser: Any, live_server: Any) -> Iterator[Any]:
    yield from _new_page(browser, DESKTOP)


@pytest.fixture
def shoot() -> Callable[..., Path]:
    """shoot(page, name, full_page=True) saves a PNG in KASB_SCREENSHOTS (default var/screenshots/)."""
    def take(page: Any, name: str, *, full_page: bool = True) -> Path:
        path = screenshot_dir() / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        assert path.stat().st_size > 0
        return path
    return take


def current_totp(user: User) -> str:
    """The code an authenticator app would show now for the user's device (confirmed or not)."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = (TOTPDevice.objects.filter(user=user, confirmed=True).first()
              or TOTPDevice.objects.get(user=user, confirmed=False))
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def sign_in_browser(page: Any, base_url: str, identifier: str, *, language: str = "en") -> None:
    """Fill the sign-in form as a person would."""
    page.goto(f"{base_url}/{language}/accounts/sign-in/")
    page.fill("input[name=identifier]", identifier)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def pass_two_step(page: Any, user: User) -> None:
    """On the two-step page, type the code the authenticator app would show."""
    page.wait_for_url("**/accounts/two-step/**")
    page.fill("input[name=token]", current_totp(user))
    page.click("main button[type=submit]")
    page.wait_for_url("**/dashboard/")


def sign_in_staff(page: Any, base_url: str, user: User) -> None:
    sign_in_browser(page, base_url, user.email or user.phone or "")
    pass_two_step(page, user)


def switch_language(page: Any, code: str) -> None:
    """Use the language switcher in the page header."""
    page.select_option("#lang-select", code)
    with page.expect_navigation():
        page.click("form.lang button[type=submit]")


@pytest.fixture
def base_url(live_server: Any) -> str:
    return str(live_server.url)


def go_to(page: Any, href: str) -> None:
    """Follow a link of the main navigation as a person would: on a phone the links sit behind "Menu"."""
    opener = page.locator("a.menu-open")
    if opener.is_visible():
        opener.click()
    page.click(f"nav.main a[href='{href}']")
