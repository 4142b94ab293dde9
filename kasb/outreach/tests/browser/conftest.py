"""The shared browser fixtures (Debian's Chromium, live server), and the outreach fixtures one level up."""

from kasb.web.tests.browser.conftest import (  # noqa: F401
    _areas,
    _browser_settings,
    _static_root,
    base_url,
    browser,
    desktop_page,
    phone_page,
    shoot,
)
